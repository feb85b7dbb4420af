#include "libremote/read_client.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libtsdb/chunkenc/xor_chunk.h"
#include "libtsdb/encoding/crc32c.h"
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
  if (options_.accept_streamed) {
    req.add_accepted_response_types(prometheus::ReadRequest::STREAMED_XOR_CHUNKS);
  }
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
    return DecodeStreamed(resp->body);
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

absl::StatusOr<prometheus::QueryResult> ReadClient::DecodeStreamed(
    absl::string_view body) const {
  prometheus::QueryResult out;
  std::string prev_labels;  // serialized labels of the last series
  std::vector<int64_t> ts(256);
  std::vector<double> vs(256);
  while (!body.empty()) {
    uint64_t len = 0;
    int shift = 0;
    size_t i = 0;
    for (; i < body.size() && i < 10; ++i) {
      uint8_t b = static_cast<uint8_t>(body[i]);
      len |= uint64_t{b & 0x7f} << shift;
      shift += 7;
      if ((b & 0x80) == 0) break;
    }
    size_t rest = i < body.size() ? body.size() - i - 1 : 0;
    if (i >= body.size() || i == 10 || rest < 4 || len > rest - 4) {
      return absl::DataLossError(
          absl::StrCat("remote read ", config_.url, ": truncated chunked frame"));
    }
    body.remove_prefix(i + 1);
    uint32_t want = (uint32_t{static_cast<uint8_t>(body[0])} << 24) |
                    (uint32_t{static_cast<uint8_t>(body[1])} << 16) |
                    (uint32_t{static_cast<uint8_t>(body[2])} << 8) |
                    uint32_t{static_cast<uint8_t>(body[3])};
    absl::string_view msg = body.substr(4, len);
    body.remove_prefix(4 + len);
    if (tsdb::Crc32c(msg) != want) {
      return absl::DataLossError(absl::StrCat("remote read ", config_.url,
                                              ": chunked frame checksum mismatch"));
    }
    prometheus::ChunkedReadResponse frame;
    if (!frame.ParseFromArray(msg.data(), static_cast<int>(msg.size()))) {
      return absl::DataLossError(absl::StrCat(
          "remote read ", config_.url, ": frame is not a prometheus.ChunkedReadResponse"));
    }
    if (frame.query_index() != 0) {
      return absl::DataLossError(absl::StrCat("remote read ", config_.url,
                                              ": frame for query ", frame.query_index(),
                                              ", only query 0 was sent"));
    }
    for (const prometheus::ChunkedSeries& cs : frame.chunked_series()) {
      std::string key;
      for (const prometheus::Label& l : cs.labels()) {
        absl::StrAppend(&key, l.name(), "\xff", l.value(), "\xff");
      }
      prometheus::TimeSeries* series;
      if (out.timeseries_size() > 0 && key == prev_labels) {
        series = out.mutable_timeseries(out.timeseries_size() - 1);
      } else {
        series = out.add_timeseries();
        *series->mutable_labels() = cs.labels();
        prev_labels = std::move(key);
      }
      for (const prometheus::Chunk& c : cs.chunks()) {
        if (c.type() != prometheus::Chunk::XOR) {
          return absl::UnimplementedError(absl::StrCat(
              "remote read ", config_.url, ": chunk encoding ",
              prometheus::Chunk::Encoding_Name(c.type()), " is not supported"));
        }
        tsdb::chunkenc::XorIterator it(c.data());
        int n;
        while ((n = it.NextBatch(ts.data(), vs.data(), static_cast<int>(ts.size()))) > 0) {
          for (int k = 0; k < n; ++k) {
            prometheus::Sample* smp = series->add_samples();
            smp->set_timestamp(ts[k]);
            smp->set_value(vs[k]);
          }
        }
        if (!it.status().ok()) {
          return absl::DataLossError(absl::StrCat("remote read ", config_.url,
                                                  ": corrupt chunk: ", it.status().message()));
        }
      }
    }
  }
  return out;
}

}  // namespace vigil::remote
