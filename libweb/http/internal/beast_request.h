// The Beast side of request parsing, shared by Server and ParseRequest.
// Logically private to libweb/http: it exposes Boost.Beast types.

#ifndef VIGIL_LIBWEB_HTTP_INTERNAL_BEAST_REQUEST_H_
#define VIGIL_LIBWEB_HTTP_INTERNAL_BEAST_REQUEST_H_

#include <boost/beast/http.hpp>

#include "libweb/http/message.h"
#include "libweb/http/request_parser.h"

namespace vigil::web::http_internal {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastRequestParser =
    boost::beast::http::request_parser<boost::beast::http::string_body>;

// Applies `limits` to a fresh parser (a header limit beyond 4 GiB is 4 GiB).
void ApplyLimits(const RequestLimits& limits, BeastRequestParser* parser);

// Fills `req` from a parsed message; false when the target's path has a
// malformed escape.
bool ToRequest(BeastRequest&& msg, Request* req);

}  // namespace vigil::web::http_internal

#endif  // VIGIL_LIBWEB_HTTP_INTERNAL_BEAST_REQUEST_H_
