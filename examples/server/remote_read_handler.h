// The remote-read endpoint (`POST /api/v1/read`): answers a snappy
// prompb.ReadRequest from a Queryable, as Prometheus does.
//
// Response types: SAMPLES (snappy ReadResponse, `application/x-protobuf`)
// and STREAMED_XOR_CHUNKS (`application/x-streamed-protobuf;
// proto=prometheus.ChunkedReadResponse`: frames of uvarint length,
// big-endian CRC32C and one ChunkedReadResponse, each series' samples
// re-encoded as XOR chunks of at most 120 samples). The first response
// type the client accepts wins; none listed means SAMPLES.
//
// External labels are applied like Prometheus: equality matchers on an
// external label with its value are dropped from the query, and the
// external labels are added to every returned series lacking them.
//
// Errors: 400 for an undecodable body, a bad matcher or a result over the
// sample limit; 500 for storage failures.
//
// Thread safety: Handle() may run concurrently if the Queryable allows it.

#ifndef VIGIL_EXAMPLES_SERVER_REMOTE_READ_HANDLER_H_
#define VIGIL_EXAMPLES_SERVER_REMOTE_READ_HANDLER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "libweb/http/router.h"
#include "libtsdb/storage/querier.h"
#include "model/labels.h"

namespace vigil::server {

class RemoteReadHandler {
 public:
  struct Options {
    model::Labels external_labels;
    // Prometheus's --storage.remote.read-sample-limit (0: none).
    int64_t sample_limit = 50000000;
    // Frame size cap for streamed responses (Prometheus: 1 MiB).
    size_t max_bytes_in_frame = 1 << 20;
    // Reads served at once (--storage.remote.read-concurrent-limit); more
    // wait for a slot. 0: no limit.
    int max_concurrent = 10;
  };

  RemoteReadHandler(storage::Queryable* db, Options options);

  struct Response {
    std::string content_type;
    std::string content_encoding;  // "snappy" for SAMPLES, "" when streamed
    std::string body;
  };

  // Answers one request body (snappy-compressed ReadRequest). Returns
  // InvalidArgument for bad input, ResourceExhausted over the sample limit,
  // or the storage's error.
  absl::StatusOr<Response> Read(absl::string_view snappy_body);

  void Register(web::Router* server, const std::string& path);
  void Handle(const web::Request& req, web::Response* res);

 private:
  storage::Queryable* db_;
  Options options_;
  absl::Mutex slots_mu_;
  int in_use_ ABSL_GUARDED_BY(slots_mu_) = 0;
};

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_REMOTE_READ_HANDLER_H_
