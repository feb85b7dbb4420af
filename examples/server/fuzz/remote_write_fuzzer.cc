// libFuzzer target for the remote-write receiver: a request body -> snappy
// -> prometheus.WriteRequest -> label checks -> appends in one transaction,
// through RemoteWriteHandler's public API, into a fake storage that checks
// how it is called (valid sorted labels only, one Commit or Rollback, no
// use afterwards) and counts what is committed.
//
// The first input byte is a selector:
//   bit 0  clear: the rest is the body as sent (fuzzes snappy framing);
//          set: the rest is the protobuf, compressed here (fuzzes decoding)
//   bit 1  through Handle() with an HTTP request, else through Write()
//   bits 2-3  storage behaviour: accept all; reject samples whose timestamp
//          is a multiple of 7 as out of order; fail Commit; reject samples
//          with a negative timestamp as an I/O error
//
// Built two ways: by remote_write_fuzz_test (a gtest driver feeding it
// mutated seeds under `bazel test`) and by run_libfuzzer.sh with
// clang -fsanitize=fuzzer for open-ended fuzzing.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "examples/server/remote_write_handler.h"
#include "google/protobuf/stubs/logging.h"
#include "libtsdb/storage/appender.h"
#include "libweb/http/message.h"
#include "model/labels.h"
#include "snappy.h"

namespace {

using vigil::storage::SeriesRef;

enum class Mode { kAccept, kOutOfOrder, kFailCommit, kIoError };

class CheckingStorage;

class CheckingAppender final : public vigil::storage::Appender {
 public:
  CheckingAppender(CheckingStorage* db, Mode mode) : db_(db), mode_(mode) {}
  ~CheckingAppender() override {
    if (!finished_) std::abort();  // neither committed nor rolled back
  }

  absl::StatusOr<SeriesRef> Append(SeriesRef ref, const vigil::model::Labels& labels,
                                   int64_t t_ms, double value) override {
    if (finished_) std::abort();
    // A series without labels reaches storage, which refuses it.
    if (labels.empty()) return absl::InvalidArgumentError("empty labelset");
    if (!vigil::model::ValidateLabels(labels, false).ok()) std::abort();
    for (size_t i = 0; i < labels.size(); ++i) {
      if (labels[i].value.empty()) std::abort();
      if (i > 0 && !(labels[i - 1].name < labels[i].name)) std::abort();
    }
    if (ref != 0 && ref != labels.Hash()) std::abort();  // a ref of another series
    if (mode_ == Mode::kOutOfOrder && t_ms % 7 == 0) {
      return absl::FailedPreconditionError(vigil::storage::kErrOutOfOrder);
    }
    if (mode_ == Mode::kIoError && t_ms < 0) return absl::InternalError("disk on fire");
    ++pending_;
    (void)value;
    return labels.Hash();
  }

  absl::Status Commit() override;
  absl::Status Rollback() override {
    if (finished_) std::abort();
    finished_ = true;
    return absl::OkStatus();
  }

 private:
  CheckingStorage* db_;
  Mode mode_;
  bool finished_ = false;
  int64_t pending_ = 0;
};

class CheckingStorage final : public vigil::storage::Appendable {
 public:
  explicit CheckingStorage(Mode mode) : mode_(mode) {}
  std::unique_ptr<vigil::storage::Appender> NewAppender() override {
    ++appenders_;
    return std::make_unique<CheckingAppender>(this, mode_);
  }
  Mode mode_;
  int appenders_ = 0;
  int64_t committed_ = 0;
};

absl::Status CheckingAppender::Commit() {
  if (finished_) std::abort();
  finished_ = true;
  if (mode_ == Mode::kFailCommit && pending_ > 0) {
    return absl::FailedPreconditionError(vigil::storage::kErrOutOfBounds);
  }
  db_->committed_ += pending_;
  return absl::OkStatus();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Invalid UTF-8 in proto3 strings is logged by protobuf; keep runs quiet.
  static bool quiet = [] {
    google::protobuf::SetLogHandler(nullptr);
    return true;
  }();
  (void)quiet;
  if (size == 0) return 0;
  const uint8_t sel = data[0];
  std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string body;
  if (sel & 1) {
    snappy::Compress(rest.data(), rest.size(), &body);
  } else {
    body = std::move(rest);
  }
  CheckingStorage db(static_cast<Mode>((sel >> 2) & 3));
  vigil::server::RemoteWriteHandler::Options options;
  options.max_decoded_bytes = size_t{1} << 20;  // keep a lying length cheap
  vigil::server::RemoteWriteHandler handler(&db, options);
  absl::StatusCode code;
  if (sel & 2) {
    vigil::web::Request req;
    req.method = "POST";
    req.target = req.path = "/api/v1/write";
    req.headers = {{"Content-Encoding", "snappy"},
                   {"Content-Type", "application/x-protobuf"},
                   {"X-Prometheus-Remote-Write-Version", "0.1.0"}};
    req.body = std::move(body);
    vigil::web::Response res;
    handler.Handle(req, &res);
    if (res.status != 204 && res.status != 400 && res.status != 500) std::abort();
    if ((res.status == 204) != res.body.empty()) std::abort();
    code = res.status == 204 ? absl::StatusCode::kOk
           : res.status == 500 ? absl::StatusCode::kInternal
                               : absl::StatusCode::kInvalidArgument;
  } else {
    absl::Status st = handler.Write(body);
    code = st.code();
    if (code != absl::StatusCode::kOk && code != absl::StatusCode::kInvalidArgument &&
        code != absl::StatusCode::kFailedPrecondition && code != absl::StatusCode::kInternal) {
      std::abort();
    }
  }
  // One transaction at most, and the counters match what storage holds.
  if (db.appenders_ > 1) std::abort();
  if (handler.samples_appended() != db.committed_) std::abort();
  if (code == absl::StatusCode::kOk && handler.requests_failed() != 0) std::abort();
  if (code != absl::StatusCode::kOk && handler.requests_failed() != 1 &&
      db.appenders_ == 1) {
    std::abort();
  }
  return 0;
}
