// Server: an HTTP/1.1 server (plain or TLS) for one handler, event-driven.
//
// Built on Boost.Beast/Asio. I/O runs on a few event-loop threads, so an
// idle keep-alive connection costs a socket and a small buffer, never a
// thread; each complete request runs on a bounded pool of handler threads,
// so a slow query blocks only its own connection. Per connection:
//   - requests are answered in order; pipelined requests already in the
//     buffer are read after the previous answer is written;
//   - framing is strict: conflicting, repeated or negative Content-Length,
//     Transfer-Encoding with Content-Length, or a malformed start line
//     answer 400 and close the connection;
//   - the header block (request line included) may be up to
//     `max_header_bytes` (Go's default, 1 MiB), the body up to
//     `max_body_bytes`; beyond them 431 or 413, then the connection closes;
//   - `Expect: 100-continue` gets its interim answer before the body;
//   - a request must arrive whole within `read_timeout` of its first byte
//     being awaited (Go's ReadTimeout), which bounds idle keep-alive time
//     too; an expired connection is closed without an answer.
// At most `max_connections` connections are open at once (Prometheus's
// --web.max-connections). When the limit is reached the longest-idle
// keep-alive connection (one waiting for its next request) is closed to
// admit the new one; when none is idle, accepting pauses until one closes.
// Responses are gzip-compressed when the client accepts it, the body is at
// least 1 KiB and the handler set no Content-Encoding.
//
// The listening socket has SO_REUSEADDR but not SO_REUSEPORT, so a second
// server on a busy port fails with "address already in use"; its backlog is
// the system's maximum (SOMAXCONN).
//
// Thread safety: Listen, Start and Stop from one owning thread; the
// handler runs concurrently on the handler threads and must be safe for
// that.

#ifndef VIGIL_LIBWEB_HTTP_SERVER_H_
#define VIGIL_LIBWEB_HTTP_SERVER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libweb/http/message.h"
#include "libweb/http/router.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace vigil::web {

struct ServerOptions {
  size_t max_header_bytes = size_t{1} << 20;
  size_t max_body_bytes = size_t{64} << 20;
  // Open connections at most; 0: unlimited.
  int max_connections = 512;
  // Time to read one whole request, and to wait for the next one on a
  // keep-alive connection. Zero: no limit.
  absl::Duration read_timeout = absl::Minutes(5);
  // Time to write one response. Zero: no limit.
  absl::Duration write_timeout = absl::Minutes(10);
  // Stop waits this long for requests being handled to be answered.
  absl::Duration shutdown_grace = absl::Seconds(5);
  // Threads running handlers, and threads running the event loop.
  int handler_threads = 64;
  int io_threads = 1;
  // TLS: when set, every new connection is TLS, and this returns the
  // context for it (called once per connection, so a rotated certificate
  // is picked up). An error closes that connection.
  std::function<absl::StatusOr<std::shared_ptr<SSL_CTX>>()> tls_context;
  // Fills the answer to a request the server refuses itself (bad framing,
  // limits): `status`, a message, and the request-target when known.
  // Unset: a text/plain body with the message.
  std::function<void(int status, absl::string_view message,
                     absl::string_view target, Response* res)>
      error_response;
  // Called after each answer with the request, the response (before
  // compression) and the time from the whole request being read to the
  // answer being ready. Runs on a handler thread.
  std::function<void(const Request&, const Response&, absl::Duration)> on_response;
};

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  // Stops if running.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds `host`:`port` (port 0: any free port) and listens. Returns the
  // port, or Unavailable naming the address ("address already in use")
  // and InvalidArgument for a host that is not an IP address or "".
  // An empty host or "0.0.0.0" listens on every IPv4 address, "::" on all.
  absl::StatusOr<int> Listen(absl::string_view host, int port);

  // Serves on background threads until Stop. REQUIRES: Listen succeeded.
  void Start();

  // Closes the listener, lets requests already being handled be answered
  // (for at most shutdown_grace; their connections then close), closes
  // every connection and joins the threads. Idempotent. REQUIRES: not
  // called from a handler.
  void Stop();

  int port() const;
  // Connections open now.
  int open_connections() const;

  // Defined in server.cc; its connections reach it directly.
  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::web

#endif  // VIGIL_LIBWEB_HTTP_SERVER_H_
