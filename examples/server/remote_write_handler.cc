#include "examples/server/remote_write_handler.h"

#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "model/labels.h"
#include "model/proto/remote.pb.h"
#include "snappy.h"

namespace vigil::server {

RemoteWriteHandler::RemoteWriteHandler(storage::Appendable* db, Options options)
    : db_(db), options_(options) {}

absl::Status RemoteWriteHandler::Write(absl::string_view snappy_body) {
  size_t decoded_len = 0;
  if (!snappy::GetUncompressedLength(snappy_body.data(), snappy_body.size(),
                                     &decoded_len)) {
    return absl::InvalidArgumentError("snappy: corrupt input");
  }
  if (decoded_len > options_.max_decoded_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("decompressed request of ", decoded_len,
                     " bytes exceeds the limit of ", options_.max_decoded_bytes));
  }
  std::string raw;
  if (!snappy::Uncompress(snappy_body.data(), snappy_body.size(), &raw)) {
    return absl::InvalidArgumentError("snappy: corrupt input");
  }
  prometheus::WriteRequest req;
  if (!req.ParseFromString(raw)) {
    return absl::InvalidArgumentError(
        "cannot decode the body as a remote write 1.0 WriteRequest");
  }

  std::unique_ptr<storage::Appender> app = db_->NewAppender();
  std::string first_invalid;
  int64_t invalid = 0;
  int64_t appended = 0;
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const prometheus::TimeSeries& ts : req.timeseries()) {
    pairs.clear();
    bool bad = false;
    for (const prometheus::Label& l : ts.labels()) {
      if (l.value().empty()) bad = true;  // Prometheus: labels must have values
      pairs.emplace_back(l.name(), l.value());
    }
    model::Labels labels = model::Labels::FromPairs(pairs);
    if (!bad && labels.size() != pairs.size()) bad = true;  // duplicate names
    absl::Status valid = model::ValidateLabels(labels, false);
    if (bad || !valid.ok()) {
      ++invalid;
      if (first_invalid.empty()) {
        first_invalid = absl::StrCat(
            "invalid labels for series ", labels.ToString(),
            valid.ok() ? ": empty label value or duplicate label name"
                       : absl::StrCat(": ", valid.message()));
      }
      continue;
    }
    storage::SeriesRef ref = 0;
    for (const prometheus::Sample& s : ts.samples()) {
      absl::StatusOr<storage::SeriesRef> r =
          app->Append(ref, labels, s.timestamp(), s.value());
      if (!r.ok()) {
        app->Rollback().IgnoreError();
        ++failed_;
        storage::AppendError kind = storage::ClassifyAppendError(r.status());
        std::string msg = absl::StrCat(r.status().message(), " for series ",
                                       labels.ToString(), " at timestamp ",
                                       s.timestamp());
        if (kind == storage::AppendError::kOutOfOrder ||
            kind == storage::AppendError::kOutOfBounds ||
            kind == storage::AppendError::kTooFarInFuture ||
            kind == storage::AppendError::kDuplicate) {
          return absl::FailedPreconditionError(msg);
        }
        if (kind == storage::AppendError::kInvalid) {
          return absl::InvalidArgumentError(msg);
        }
        return absl::Status(r.status().code(), msg);
      }
      ref = *r;
      ++appended;
    }
  }
  absl::Status commit = app->Commit();
  if (!commit.ok()) {
    // Storages that check order at commit time report rejections here.
    ++failed_;
    storage::AppendError kind = storage::ClassifyAppendError(commit);
    if (kind == storage::AppendError::kOutOfOrder ||
        kind == storage::AppendError::kOutOfBounds ||
        kind == storage::AppendError::kTooFarInFuture ||
        kind == storage::AppendError::kDuplicate) {
      return absl::FailedPreconditionError(commit.message());
    }
    return commit;
  }
  samples_ += appended;
  if (invalid > 0) {
    invalid_series_ += invalid;
    ++failed_;
    return absl::InvalidArgumentError(first_invalid);
  }
  return absl::OkStatus();
}

void RemoteWriteHandler::Handle(const web::Request& req,
                                web::Response* res) {
  std::string type = req.Header("Content-Type");
  if (absl::StrContains(type, "io.prometheus.write.v2.Request")) {
    res->status = 415;
    res->SetContent(
        "remote write 2.0 (io.prometheus.write.v2.Request) is not supported\n",
        "text/plain; charset=utf-8");
    return;
  }
  std::string encoding = req.Header("Content-Encoding");
  if (!encoding.empty() && encoding != "snappy") {
    res->status = 415;
    res->SetContent(
        absl::StrCat("unsupported Content-Encoding \"", encoding,
                     "\"; remote write needs snappy\n"),
        "text/plain; charset=utf-8");
    return;
  }
  absl::Status st = Write(req.body);
  if (st.ok()) {
    res->status = 204;
    return;
  }
  bool client_error = st.code() == absl::StatusCode::kInvalidArgument ||
                       st.code() == absl::StatusCode::kFailedPrecondition;
  res->status = client_error ? 400 : 500;
  res->SetContent(std::string(st.message()) + "\n", "text/plain; charset=utf-8");
}

void RemoteWriteHandler::Register(web::Router* server,
                                  const std::string& path) {
  server->Post(path, [this](const web::Request& req, web::Response* res) {
    Handle(req, res);
  });
}

}  // namespace vigil::server
