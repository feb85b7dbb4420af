// The remote-write receiver (`POST /api/v1/write`): decodes a Prometheus
// remote write 1.0 request (snappy block-compressed prompb.WriteRequest)
// and appends its samples to an Appendable in one transaction.
//
// Answers as Prometheus does: 204 on success; 400 for a body that is not
// snappy/protobuf and for samples storage rejects as out of order, out of
// bounds or duplicate (the whole request is rolled back, so the sender does
// not retry it); 400 also when series carry invalid labels (those series
// are skipped, the rest is stored); 415 for a remote write 2.0 body; 500
// for other storage failures (the sender retries).
//
// Thread safety: Handle() may run concurrently; counters are atomic.

#ifndef VIGIL_EXAMPLES_SERVER_REMOTE_WRITE_HANDLER_H_
#define VIGIL_EXAMPLES_SERVER_REMOTE_WRITE_HANDLER_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "libweb/http/router.h"
#include "libtsdb/storage/appender.h"

namespace vigil::server {

class RemoteWriteHandler {
 public:
  struct Options {
    // Largest decompressed request accepted (Prometheus has no limit; a
    // sender batches ~2000 samples, far below this).
    size_t max_decoded_bytes = 64 << 20;
  };

  RemoteWriteHandler(storage::Appendable* db, Options options);
  explicit RemoteWriteHandler(storage::Appendable* db)
      : RemoteWriteHandler(db, Options()) {}

  // Decodes and appends one request body. Returns InvalidArgument for a bad
  // body or invalid labels, FailedPrecondition for rejected samples (both
  // mean 400), other codes for storage failures (500).
  absl::Status Write(absl::string_view snappy_body);

  // Registers `POST <path>`.
  void Register(web::Router* server, const std::string& path);

  // HTTP entry point.
  void Handle(const web::Request& req, web::Response* res);

  int64_t samples_appended() const { return samples_.load(); }
  int64_t requests_failed() const { return failed_.load(); }
  int64_t series_invalid() const { return invalid_series_.load(); }

 private:
  storage::Appendable* db_;
  Options options_;
  std::atomic<int64_t> samples_{0};
  std::atomic<int64_t> failed_{0};
  std::atomic<int64_t> invalid_series_{0};
};

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_REMOTE_WRITE_HANDLER_H_
