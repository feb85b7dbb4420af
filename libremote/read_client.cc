#include "libremote/read_client.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "snappy.h"

namespace vigil::remote {

ReadClient::ReadClient(RemoteReadConfig config, Options options)
    : config_(std::move(config)), options_(std::move(options)) {}

ReadClient::~ReadClient() = default;

std::unique_ptr<sd::HttpClient> ReadClient::Acquire() {
  {
    absl::MutexLock l(&mu_);
    if (!idle_.empty()) {
      std::unique_ptr<sd::HttpClient> c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  return std::make_unique<sd::HttpClient>(config_.http);
}

void ReadClient::Release(std::unique_ptr<sd::HttpClient> c) {
  absl::MutexLock l(&mu_);
  if (idle_.size() < 8) idle_.push_back(std::move(c));
}

absl::StatusOr<prometheus::QueryResult> ReadClient::Read(
    const prometheus::Query& query) {
  prometheus::ReadRequest req;
  *req.add_queries() = query;
  req.add_accepted_response_types(prometheus::ReadRequest::SAMPLES);
  std::string pb;
  if (!req.SerializeToString(&pb)) {
    return absl::InternalError("remote read: cannot serialize ReadRequest");
  }
  std::string body;
  snappy::Compress(pb.data(), pb.size(), &body);
  std::vector<std::string> headers = {
      "Content-Encoding: snappy", "Accept-Encoding: snappy",
      "Content-Type: application/x-protobuf",
      absl::StrCat("User-Agent: ", options_.user_agent),
      "X-Prometheus-Remote-Read-Version: 0.1.0"};
  for (const auto& [k, v] : config_.headers) headers.push_back(absl::StrCat(k, ": ", v));

  std::unique_ptr<sd::HttpClient> client = Acquire();
  absl::StatusOr<sd::HttpResponse> resp = client->Post(
      config_.url, headers, body, config_.remote_timeout, options_.max_response_bytes);
  if (!resp.ok()) return resp.status();  // the client's error names the URL
  Release(std::move(client));
  if (resp->status / 100 != 2) {
    std::string msg = absl::StrCat("remote server ", config_.url,
                                   " returned HTTP status ", resp->status, ": ",
                                   resp->body.substr(0, 512));
    if (resp->status >= 400 && resp->status < 500) {
      return absl::InvalidArgumentError(msg);
    }
    return absl::UnavailableError(msg);
  }
  if (absl::StartsWith(resp->content_type, "application/x-streamed-protobuf")) {
    return absl::UnimplementedError(absl::StrCat(
        "remote read ", config_.url,
        ": streamed response received although only SAMPLES was accepted"));
  }
  size_t raw_len = 0;
  if (!snappy::GetUncompressedLength(resp->body.data(), resp->body.size(), &raw_len)) {
    return absl::DataLossError(
        absl::StrCat("remote read ", config_.url, ": response is not valid snappy"));
  }
  if (raw_len > 4 * options_.max_response_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "remote read ", config_.url, ": decoded response of ", raw_len,
        " bytes is over the limit of ", 4 * options_.max_response_bytes));
  }
  std::string raw;
  if (!snappy::Uncompress(resp->body.data(), resp->body.size(), &raw)) {
    return absl::DataLossError(
        absl::StrCat("remote read ", config_.url, ": response is not valid snappy"));
  }
  prometheus::ReadResponse rr;
  if (!rr.ParseFromString(raw)) {
    return absl::DataLossError(absl::StrCat(
        "remote read ", config_.url, ": response is not a prometheus.ReadResponse"));
  }
  if (rr.results_size() != 1) {
    return absl::DataLossError(absl::StrCat("remote read ", config_.url,
                                            ": responses: want 1, got ",
                                            rr.results_size()));
  }
  prometheus::QueryResult out;
  out.Swap(rr.mutable_results(0));
  return out;
}

}  // namespace vigil::remote
