#include "libsd/oauth2.h"

#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace vigil::sd {
namespace {

using json = nlohmann::json;

// A token is replaced this long before it expires (golang.org/x/oauth2's
// expiryDelta).
constexpr absl::Duration kExpiryDelta = absl::Seconds(10);

// Go's url.QueryEscape: unreserved bytes stay, space is '+', the rest %XX.
std::string QueryEscape(absl::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      absl::StrAppend(&out, "%", absl::AsciiStrToUpper(absl::StrCat(absl::Hex(c, absl::kZeroPad2))));
    }
  }
  return out;
}

// Go's url.Values.Encode: keys sorted.
std::string EncodeForm(const std::map<std::string, std::string>& values) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : values) {
    parts.push_back(absl::StrCat(QueryEscape(k), "=", QueryEscape(v)));
  }
  return absl::StrJoin(parts, "&");
}

std::string QueryUnescape(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() &&
               absl::ascii_isxdigit(s[i + 1]) && absl::ascii_isxdigit(s[i + 2])) {
      out.push_back(static_cast<char>(
          std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// golang.org/x/oauth2 Token.Type().
std::string TokenType(absl::string_view t) {
  std::string lower = absl::AsciiStrToLower(t);
  if (lower.empty() || lower == "bearer") return "Bearer";
  if (lower == "mac") return "MAC";
  if (lower == "basic") return "Basic";
  return std::string(t);
}

absl::Status FetchError(absl::string_view detail) {
  return absl::UnavailableError(absl::StrCat("oauth2: cannot fetch token: ", detail));
}

struct Token {
  std::string access_token;
  std::string token_type;
  int64_t expires_in = 0;
};

// The token response: JSON, or a form for text/plain and
// application/x-www-form-urlencoded (as golang.org/x/oauth2 reads them).
absl::StatusOr<Token> ParseToken(const HttpResponse& r) {
  Token t;
  std::string media = absl::AsciiStrToLower(
      absl::StripAsciiWhitespace(r.content_type.substr(0, r.content_type.find(';'))));
  std::string error_code, error_description;
  if (media == "application/x-www-form-urlencoded" || media == "text/plain") {
    std::map<std::string, std::string> form;
    for (absl::string_view kv : absl::StrSplit(r.body, '&', absl::SkipEmpty())) {
      std::pair<absl::string_view, absl::string_view> p =
          absl::StrSplit(kv, absl::MaxSplits('=', 1));
      form.emplace(QueryUnescape(p.first), QueryUnescape(p.second));
    }
    t.access_token = form["access_token"];
    t.token_type = form["token_type"];
    if (!form["expires_in"].empty()) (void)absl::SimpleAtoi(form["expires_in"], &t.expires_in);
    error_code = form["error"];
    error_description = form["error_description"];
  } else {
    json j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      return FetchError(absl::StrCat("cannot parse json response from token endpoint"));
    }
    auto str = [&](const char* k) {
      auto it = j.find(k);
      return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    t.access_token = str("access_token");
    t.token_type = str("token_type");
    error_code = str("error");
    error_description = str("error_description");
    auto e = j.find("expires_in");
    if (e != j.end()) {
      if (e->is_number()) {
        t.expires_in = static_cast<int64_t>(e->get<double>());
      } else if (e->is_string()) {
        (void)absl::SimpleAtoi(e->get<std::string>(), &t.expires_in);
      }
    }
  }
  if (!error_code.empty()) {
    std::string msg = absl::StrCat("oauth2: \"", error_code, "\"");
    if (!error_description.empty()) absl::StrAppend(&msg, " \"", error_description, "\"");
    return absl::UnavailableError(msg);
  }
  if (t.access_token.empty()) {
    return absl::UnavailableError("oauth2: server response missing access_token");
  }
  return t;
}

HTTPClientConfig TokenClientConfig(const OAuth2Config& cfg) {
  HTTPClientConfig h;
  h.tls = cfg.tls;
  h.proxy_url = cfg.proxy_url;
  h.no_proxy = cfg.no_proxy;
  h.proxy_from_environment = cfg.proxy_from_environment;
  h.proxy_connect_header = cfg.proxy_connect_header;
  return h;
}

}  // namespace

std::string OAuth2Config::Fingerprint() const {
  std::string params;
  for (const auto& [k, v] : endpoint_params) absl::StrAppend(&params, k, "=", v, "&");
  for (const auto& [k, vs] : proxy_connect_header) {
    absl::StrAppend(&params, "\x1e", k, ":", absl::StrJoin(vs, ","));
  }
  return absl::StrCat(client_id, "\x1f", client_secret, "\x1f", client_secret_file,
                      "\x1f", absl::StrJoin(scopes, "\x1e"), "\x1f", token_url, "\x1f",
                      params, "\x1f", tls.ca, tls.ca_file, "\x1e", tls.cert,
                      tls.cert_file, "\x1e", tls.key, tls.key_file, "\x1e",
                      tls.insecure_skip_verify, tls.min_version, "\x1f", proxy_url,
                      "\x1f", no_proxy, proxy_from_environment);
}

OAuth2TokenSource::OAuth2TokenSource(OAuth2Config cfg,
                                     std::function<absl::Time()> now)
    : cfg_(std::move(cfg)), now_(std::move(now)), client_(TokenClientConfig(cfg_)) {}

OAuth2TokenSource::~OAuth2TokenSource() = default;

std::shared_ptr<OAuth2TokenSource> OAuth2TokenSource::Shared(const OAuth2Config& cfg) {
  static absl::Mutex mu(absl::kConstInit);
  static auto* sources = new std::map<std::string, std::weak_ptr<OAuth2TokenSource>>();
  std::string key = cfg.Fingerprint();
  absl::MutexLock l(&mu);
  auto it = sources->find(key);
  if (it != sources->end()) {
    if (std::shared_ptr<OAuth2TokenSource> s = it->second.lock()) return s;
  }
  for (auto i = sources->begin(); i != sources->end();) {
    i = i->second.expired() ? sources->erase(i) : std::next(i);
  }
  auto s = std::make_shared<OAuth2TokenSource>(cfg);
  (*sources)[key] = s;
  return s;
}

int OAuth2TokenSource::requests() const {
  absl::MutexLock l(&mu_);
  return requests_;
}

absl::StatusOr<HttpResponse> OAuth2TokenSource::Request(
    const std::string& secret, AuthStyle style, absl::Duration timeout,
    const absl::Notification* cancel) {
  std::map<std::string, std::string> form;
  form["grant_type"] = "client_credentials";
  if (!cfg_.scopes.empty()) form["scope"] = absl::StrJoin(cfg_.scopes, " ");
  for (const auto& [k, v] : cfg_.endpoint_params) {
    if (form.count(k) && k != "grant_type") {
      return absl::InvalidArgumentError(
          absl::StrCat("oauth2: cannot overwrite parameter \"", k, "\""));
    }
    form[k] = v;
  }
  std::vector<std::string> headers = {
      "Content-Type: application/x-www-form-urlencoded"};
  if (style == AuthStyle::kParams) {
    form["client_id"] = cfg_.client_id;
    if (!secret.empty()) form["client_secret"] = secret;
  } else {
    headers.push_back(absl::StrCat(
        "Authorization: Basic ",
        absl::Base64Escape(absl::StrCat(QueryEscape(cfg_.client_id), ":",
                                        QueryEscape(secret)))));
  }
  ++requests_;
  absl::StatusOr<HttpResponse> r = client_.Post(cfg_.token_url, headers, EncodeForm(form),
                                                timeout, 1 << 20, cancel);
  if (!r.ok()) {
    return absl::Status(r.status().code(),
                        absl::StrCat("oauth2: cannot fetch token: ", r.status().message()));
  }
  if (r->status < 200 || r->status > 299) {
    std::string body = r->body.substr(0, 512);
    return FetchError(absl::StrCat("HTTP status ", r->status,
                                   body.empty() ? "" : ", response: ", body));
  }
  return r;
}

absl::StatusOr<std::string> OAuth2TokenSource::AuthorizationHeader(
    absl::Duration timeout, const absl::Notification* cancel) {
  absl::MutexLock l(&mu_);
  std::string secret = cfg_.client_secret;
  if (!cfg_.client_secret_file.empty()) {
    std::ifstream in(cfg_.client_secret_file, std::ios::binary);
    if (!in) {
      return absl::FailedPreconditionError(absl::StrCat(
          "unable to read oauth2 client secret: open ", cfg_.client_secret_file,
          ": no such file or directory"));
    }
    std::stringstream ss;
    ss << in.rdbuf();
    secret = std::string(absl::StripAsciiWhitespace(ss.str()));
  }
  if (secret != secret_) {  // a rotated secret: start over
    header_.clear();
    style_ = AuthStyle::kUnknown;
    secret_ = secret;
  }
  if (!header_.empty() && now_() <= expiry_ - kExpiryDelta) return header_;

  header_.clear();
  AuthStyle style = style_ == AuthStyle::kUnknown ? AuthStyle::kHeader : style_;
  absl::StatusOr<HttpResponse> r = Request(secret, style, timeout, cancel);
  absl::StatusOr<Token> t = r.ok() ? ParseToken(*r) : absl::StatusOr<Token>(r.status());
  if (!t.ok() && style_ == AuthStyle::kUnknown &&
      t.status().code() != absl::StatusCode::kCancelled &&
      t.status().code() != absl::StatusCode::kInvalidArgument) {
    // The server may want the credentials as form fields instead.
    style = AuthStyle::kParams;
    r = Request(secret, style, timeout, cancel);
    t = r.ok() ? ParseToken(*r) : absl::StatusOr<Token>(r.status());
  }
  if (!t.ok()) return t.status();
  style_ = style;
  header_ = absl::StrCat(TokenType(t->token_type), " ", t->access_token);
  expiry_ = t->expires_in > 0 ? now_() + absl::Seconds(t->expires_in)
                              : absl::InfiniteFuture();
  return header_;
}

}  // namespace vigil::sd
