// Request and Response: one HTTP/1.1 exchange as handlers see it.
//
// A Request is complete when a handler runs: headers, the whole body, the
// percent-decoded path, and the parameters of both the query string and an
// `application/x-www-form-urlencoded` body (POST, PUT and PATCH), parsed as
// Go's `Request.ParseForm` does, which Prometheus's clients rely on:
//   - pairs split at '&' (and not ';'), each at its FIRST '=', so an
//     unencoded `query=up{job="a"}` keeps its value whole;
//   - '+' is a space and %XX is decoded in names and values; a pair whose
//     escape is malformed is dropped;
//   - body parameters come before query parameters with the same name.
// Header names compare case-insensitively.
//
// A Response starts as 200 with no body; a handler sets what it needs. The
// server adds Content-Length, Date and the connection headers itself.
//
// Thread safety: plain values; a Request is read-only while handlers run.

#ifndef VIGIL_LIBWEB_HTTP_MESSAGE_H_
#define VIGIL_LIBWEB_HTTP_MESSAGE_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace vigil::web {

// Ordered (name, value) pairs; names keep their case as received.
using Headers = std::vector<std::pair<std::string, std::string>>;

// Returns the first value of header `name` (any case), or "".
const std::string& FindHeader(const Headers& headers, absl::string_view name);

struct Request {
  std::string method;  // "GET", "POST", ... as sent
  std::string target;  // the request-target as sent: path and query
  std::string path;    // percent-decoded path, without the query
  Headers headers;
  std::string body;
  // Query and form parameters, in the order described above.
  std::multimap<std::string, std::string> params;
  // Capture groups of the route pattern that matched (group 1 at index 0).
  std::vector<std::string> path_groups;
  std::string remote_addr;  // "ip:port" of the peer
  // The authenticated user (basic auth), or "".
  std::string user;

  bool HasParam(absl::string_view name) const;
  // The first value of parameter `name`, or "".
  const std::string& Param(absl::string_view name) const;
  bool HasHeader(absl::string_view name) const;
  const std::string& Header(absl::string_view name) const {
    return FindHeader(headers, name);
  }
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  // Sets the body and its Content-Type.
  void SetContent(std::string content, absl::string_view content_type);
  // Replaces every header `name` with one `value`.
  void SetHeader(absl::string_view name, absl::string_view value);
  const std::string& Header(absl::string_view name) const {
    return FindHeader(headers, name);
  }
  // 302 to `location`.
  void SetRedirect(absl::string_view location);
};

// Decodes %XX escapes (and '+' as a space when `plus_is_space`); false on a
// malformed escape.
bool PercentDecode(absl::string_view in, bool plus_is_space, std::string* out);

// Appends the pairs of a query string or form body to `params` as described
// at the top of this file.
void ParseQueryString(absl::string_view query,
                      std::multimap<std::string, std::string>* params);

// The reason phrase of a status code ("Not Found"), "" if unknown.
absl::string_view StatusText(int status);

}  // namespace vigil::web

#endif  // VIGIL_LIBWEB_HTTP_MESSAGE_H_
