#include "libweb/http/message.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace vigil::web {
namespace {

const std::string& Empty() {
  static const std::string* const kEmpty = new std::string();
  return *kEmpty;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

const std::string& FindHeader(const Headers& headers, absl::string_view name) {
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(k, name)) return v;
  }
  return Empty();
}

bool Request::HasParam(absl::string_view name) const {
  return params.find(std::string(name)) != params.end();
}

const std::string& Request::Param(absl::string_view name) const {
  auto it = params.find(std::string(name));
  return it == params.end() ? Empty() : it->second;
}

bool Request::HasHeader(absl::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(k, name)) return true;
  }
  return false;
}

void Response::SetContent(std::string content, absl::string_view content_type) {
  body = std::move(content);
  SetHeader("Content-Type", content_type);
}

void Response::SetHeader(absl::string_view name, absl::string_view value) {
  for (auto it = headers.begin(); it != headers.end();) {
    it = absl::EqualsIgnoreCase(it->first, name) ? headers.erase(it) : it + 1;
  }
  headers.emplace_back(std::string(name), std::string(value));
}

void Response::SetRedirect(absl::string_view location) {
  status = 302;
  SetHeader("Location", location);
}

bool PercentDecode(absl::string_view in, bool plus_is_space, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

void ParseQueryString(absl::string_view query,
                      std::multimap<std::string, std::string>* params) {
  std::string name, value;
  for (absl::string_view pair : absl::StrSplit(query, '&')) {
    // Go (since 1.17) refuses ';' as a separator and drops such a pair.
    if (pair.empty() || absl::StrContains(pair, ';')) continue;
    size_t eq = pair.find('=');
    absl::string_view raw_name = pair.substr(0, eq);
    absl::string_view raw_value =
        eq == absl::string_view::npos ? absl::string_view() : pair.substr(eq + 1);
    if (!PercentDecode(raw_name, true, &name) || !PercentDecode(raw_value, true, &value)) {
      continue;
    }
    params->emplace(name, value);
  }
}

absl::string_view StatusText(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Request Entity Too Large";
    case 414: return "Request URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 499: return "Client Closed Request";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

}  // namespace vigil::web
