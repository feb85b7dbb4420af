// ParseRequest: one HTTP/1.1 request from bytes, exactly as Server reads it.
//
// The server reads with Boost.Beast's request parser, under the limits of
// ServerOptions, and converts the message to a Request (percent-decoded
// path; query and form parameters, see message.h). This is the same code
// path over a byte string, for tests and fuzzing; Beast stays out of this
// header. `bytes` may hold more than one request (pipelining): `*consumed`
// says where the next one starts.
//
// Thread safety: a pure function.

#ifndef VIGIL_LIBWEB_HTTP_REQUEST_PARSER_H_
#define VIGIL_LIBWEB_HTTP_REQUEST_PARSER_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libweb/http/message.h"

namespace vigil::web {

// The server's defaults (ServerOptions).
struct RequestLimits {
  // The header block, request line included.
  size_t max_header_bytes = size_t{1} << 20;
  size_t max_body_bytes = size_t{64} << 20;
};

// Parses the first request in `bytes`. On success sets `*consumed` (when
// not null) to its length. Errors, with the server's answer to each:
//   OutOfRange         the request is incomplete (the server waits for more)
//   ResourceExhausted  header block beyond max_header_bytes (431) or body
//                      beyond max_body_bytes (413)
//   InvalidArgument    bad framing or start line, or a malformed %-escape in
//                      the path (400)
// `remote_addr` and `user` of the result are empty.
absl::StatusOr<Request> ParseRequest(absl::string_view bytes,
                                     const RequestLimits& limits,
                                     size_t* consumed = nullptr);

}  // namespace vigil::web

#endif  // VIGIL_LIBWEB_HTTP_REQUEST_PARSER_H_
