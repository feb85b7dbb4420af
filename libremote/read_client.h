// A ReadClient asks one `remote_read` endpoint for samples: it POSTs a
// snappy prompb.ReadRequest holding one query with
// the remote-read headers (`Content-Encoding: snappy`, `Accept-Encoding:
// snappy`, `Content-Type: application/x-protobuf`,
// `X-Prometheus-Remote-Read-Version: 0.1.0`, User-Agent, configured
// headers and <http_config> authentication) and decodes the answer: a
// snappy prompb.ReadResponse (SAMPLES) or, when the endpoint chooses it,
// STREAMED_XOR_CHUNKS frames (`uvarint length | big-endian CRC32C |
// ChunkedReadResponse`, each series' XOR chunks decoded to samples; a
// series split over several frames is joined again).
//
// Errors: Unavailable (transport failure, 5xx), DeadlineExceeded
// (`remote_timeout`), InvalidArgument (4xx: the endpoint refused the
// query), DataLoss (undecodable response, bad frame checksum, corrupt
// chunk), ResourceExhausted (response over `max_response_bytes`),
// Unimplemented (a chunk encoding other than XOR). Messages name the URL.
//
// Thread safety: Read() may be called concurrently (connections are
// pooled).

#ifndef VIGIL_LIBREMOTE_READ_CLIENT_H_
#define VIGIL_LIBREMOTE_READ_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "libremote/remote_config.h"
#include "libsd/http_client.h"
#include "model/proto/remote.pb.h"

namespace vigil::remote {

inline constexpr char kRemoteReadUserAgent[] = "Vigil/0.1 (Prometheus-compatible remote read)";

class ReadClient {
 public:
  struct Options {
    std::string user_agent = kRemoteReadUserAgent;
    // Compressed response size limit.
    size_t max_response_bytes = size_t{512} << 20;
    // Offer STREAMED_XOR_CHUNKS before SAMPLES (the server picks).
    bool accept_streamed = true;
  };

  explicit ReadClient(RemoteReadConfig config) : ReadClient(std::move(config), Options()) {}
  ReadClient(RemoteReadConfig config, Options options);
  ~ReadClient();

  // Runs `query` and returns its result (the series as the endpoint sent
  // them).
  absl::StatusOr<prometheus::QueryResult> Read(const prometheus::Query& query);

  const RemoteReadConfig& config() const { return config_; }

 private:
  absl::StatusOr<prometheus::QueryResult> DecodeStreamed(absl::string_view body) const;
  std::unique_ptr<sd::HttpClient> Acquire();
  void Release(std::unique_ptr<sd::HttpClient> c);

  const RemoteReadConfig config_;
  const Options options_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<sd::HttpClient>> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vigil::remote

#endif  // VIGIL_LIBREMOTE_READ_CLIENT_H_
