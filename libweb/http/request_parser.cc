#include "libweb/http/request_parser.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libweb/http/internal/beast_request.h"

namespace vigil::web {
namespace http_internal {
namespace {

bool IsFormRequest(const Request& req) {
  if (req.method != "POST" && req.method != "PUT" && req.method != "PATCH") return false;
  absl::string_view ct = req.Header("Content-Type");
  ct = ct.substr(0, ct.find(';'));
  return absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(ct),
                                "application/x-www-form-urlencoded");
}

}  // namespace

void ApplyLimits(const RequestLimits& limits, BeastRequestParser* parser) {
  parser->header_limit(
      static_cast<std::uint32_t>(std::min<size_t>(limits.max_header_bytes, UINT32_MAX)));
  parser->body_limit(limits.max_body_bytes);
}

bool ToRequest(BeastRequest&& msg, Request* req) {
  req->method = std::string(msg.method_string());
  req->target = std::string(msg.target());
  absl::string_view target = req->target;
  size_t q = target.find('?');
  if (!PercentDecode(target.substr(0, q), false, &req->path)) return false;
  for (const auto& f : msg) {
    req->headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  }
  req->body = std::move(msg.body());
  if (IsFormRequest(*req)) ParseQueryString(req->body, &req->params);
  if (q != absl::string_view::npos) ParseQueryString(target.substr(q + 1), &req->params);
  return true;
}

}  // namespace http_internal

absl::StatusOr<Request> ParseRequest(absl::string_view bytes, const RequestLimits& limits,
                                     size_t* consumed) {
  namespace bhttp = boost::beast::http;
  http_internal::BeastRequestParser parser;
  http_internal::ApplyLimits(limits, &parser);
  parser.eager(true);
  size_t used = 0;
  boost::beast::error_code ec;
  while (!parser.is_done()) {
    // As Beast's read loop does: hand the parser everything buffered; on
    // need_more a server reads more before the next call (Beast requires
    // that), and here there is no more.
    size_t n = parser.put(boost::asio::const_buffer(bytes.data() + used, bytes.size() - used), ec);
    used += n;
    if (ec == bhttp::error::need_more) return absl::OutOfRangeError("incomplete request");
    if (ec == bhttp::error::header_limit) {
      return absl::ResourceExhaustedError("request header too large");
    }
    if (ec == bhttp::error::body_limit) {
      return absl::ResourceExhaustedError(
          absl::StrCat("request body larger than ", limits.max_body_bytes, " bytes"));
    }
    if (ec) return absl::InvalidArgumentError(absl::StrCat("malformed HTTP request: ", ec.message()));
    if (!parser.is_done() && (n == 0 || used == bytes.size())) {
      return absl::OutOfRangeError("incomplete request");
    }
  }
  Request req;
  if (!http_internal::ToRequest(parser.release(), &req)) {
    return absl::InvalidArgumentError("malformed HTTP request: invalid URL escape");
  }
  if (consumed != nullptr) *consumed = used;
  return req;
}

}  // namespace vigil::web
