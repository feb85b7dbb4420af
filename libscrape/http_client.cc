#include "libscrape/http_client.h"

#include <curl/curl.h>

#include <fstream>
#include <mutex>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "libsd/oauth2.h"

namespace vigil::scrape {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_ALL); });
}

absl::StatusOr<std::string> ReadSecretFile(const std::string& path,
                                           absl::string_view what) {
  std::ifstream f(path, std::ios::binary);
  if (!f.good()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unable to read ", what, " file ", path));
  }
  std::stringstream ss;
  ss << f.rdbuf();
  return std::string(absl::StripAsciiWhitespace(ss.str()));
}

struct Sink {
  std::string* body;
  uint64_t limit;
  bool exceeded = false;
  std::string reason;  // from the status line
};

size_t WriteCb(char* data, size_t size, size_t nmemb, void* user) {
  Sink* s = static_cast<Sink*>(user);
  size_t n = size * nmemb;
  if (s->limit > 0 && s->body->size() + n > s->limit) {
    s->exceeded = true;
    return 0;  // aborts the transfer
  }
  s->body->append(data, n);
  return n;
}

size_t HeaderCb(char* data, size_t size, size_t nmemb, void* user) {
  Sink* s = static_cast<Sink*>(user);
  size_t n = size * nmemb;
  absl::string_view line(data, n);
  if (absl::StartsWith(line, "HTTP/")) {
    // "HTTP/1.1 500 Internal Server Error\r\n" -> "500 Internal Server Error"
    line = absl::StripTrailingAsciiWhitespace(line);
    size_t sp = line.find(' ');
    s->reason = sp == absl::string_view::npos
                    ? ""
                    : std::string(line.substr(sp + 1));
  }
  return n;
}

long TlsVersion(const std::string& v) {
  if (v == "TLS10") return CURL_SSLVERSION_TLSv1_0;
  if (v == "TLS11") return CURL_SSLVERSION_TLSv1_1;
  if (v == "TLS12") return CURL_SSLVERSION_TLSv1_2;
  if (v == "TLS13") return CURL_SSLVERSION_TLSv1_3;
  return CURL_SSLVERSION_DEFAULT;
}

long TlsMaxVersion(const std::string& v) {
  if (v == "TLS10") return CURL_SSLVERSION_MAX_TLSv1_0;
  if (v == "TLS11") return CURL_SSLVERSION_MAX_TLSv1_1;
  if (v == "TLS12") return CURL_SSLVERSION_MAX_TLSv1_2;
  if (v == "TLS13") return CURL_SSLVERSION_MAX_TLSv1_3;
  return CURL_SSLVERSION_MAX_DEFAULT;
}

// Splits "scheme://host:port/..." into host and port (default by scheme).
bool HostPort(absl::string_view url, std::string* host, std::string* port) {
  size_t p = url.find("://");
  if (p == absl::string_view::npos) return false;
  absl::string_view scheme = url.substr(0, p);
  absl::string_view rest = url.substr(p + 3);
  size_t e = rest.find_first_of("/?");
  absl::string_view hp = rest.substr(0, e);
  size_t at = hp.rfind('@');
  if (at != absl::string_view::npos) hp = hp.substr(at + 1);
  size_t colon = hp.rfind(':');
  if (colon != absl::string_view::npos && hp.find(']', colon) == absl::string_view::npos) {
    *host = std::string(hp.substr(0, colon));
    *port = std::string(hp.substr(colon + 1));
  } else {
    *host = std::string(hp);
    *port = scheme == "https" ? "443" : "80";
  }
  return true;
}

}  // namespace

struct HttpScraper::Impl {
  HttpClientConfig config;
  CURL* curl = nullptr;
  // Shared by every scraper with the same oauth2 config.
  std::shared_ptr<sd::OAuth2TokenSource> oauth2;
  ~Impl() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
};

HttpScraper::HttpScraper(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpScraper::~HttpScraper() = default;

absl::StatusOr<std::unique_ptr<HttpScraper>> HttpScraper::Create(
    const HttpClientConfig& config) {
  GlobalInit();
  const TlsConfig& t = config.tls_config;
  for (const std::string* f : {&t.ca_file, &t.cert_file, &t.key_file}) {
    if (!f->empty() && !std::ifstream(*f).good()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unable to read TLS file ", *f));
    }
  }
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->curl = curl_easy_init();
  if (config.oauth2) impl->oauth2 = sd::OAuth2TokenSource::Shared(*config.oauth2);
  if (impl->curl == nullptr) {
    return absl::InternalError("curl_easy_init failed");
  }
  return std::unique_ptr<HttpScraper>(new HttpScraper(std::move(impl)));
}

std::string FormatTimeoutSeconds(absl::Duration d) {
  std::string s = absl::StrFormat("%.9f", absl::ToDoubleSeconds(d));
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

absl::Status HttpScraper::Scrape(const ScrapeRequest& req,
                                 ScrapeResponse* resp) {
  CURL* c = impl_->curl;
  const HttpClientConfig& cfg = impl_->config;
  curl_easy_reset(c);
  resp->body.clear();
  resp->content_type.clear();
  resp->http_status = 0;
  Sink sink{&resp->body, req.body_size_limit};

  std::string url = req.url;
  std::string connect_to;
  if (!cfg.tls_config.server_name.empty() && absl::StartsWith(url, "https://")) {
    // Present server_name for SNI and verification; connect to the real
    // address.
    std::string host, port;
    if (HostPort(url, &host, &port)) {
      connect_to = absl::StrCat(cfg.tls_config.server_name, ":", port, ":",
                                host, ":", port);
      size_t hs = url.find(host, 8);
      url.replace(hs, host.size(), cfg.tls_config.server_name);
    }
  }

  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(req.timeout)));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &WriteCb);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &HeaderCb);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(c, CURLOPT_USERAGENT, kUserAgent);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, cfg.follow_redirects ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION,
                   cfg.enable_http2 ? CURL_HTTP_VERSION_2TLS
                                    : CURL_HTTP_VERSION_1_1);
  if (req.enable_compression) {
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
  }
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(
      nullptr, &curl_slist_free_all);
  auto add_header = [&](const std::string& h) {
    headers.reset(curl_slist_append(headers.release(), h.c_str()));
  };
  add_header(absl::StrCat("Accept: ", req.accept));
  if (!req.enable_compression) add_header("Accept-Encoding: identity");
  add_header(absl::StrCat("X-Prometheus-Scrape-Timeout-Seconds: ",
                          FormatTimeoutSeconds(req.timeout)));
  for (const auto& [name, values] : cfg.http_headers) {
    for (const std::string& v : values) add_header(absl::StrCat(name, ": ", v));
  }
  std::string userpwd;
  if (cfg.basic_auth) {
    std::string user = cfg.basic_auth->username;
    std::string pass = cfg.basic_auth->password;
    if (!cfg.basic_auth->username_file.empty()) {
      absl::StatusOr<std::string> u =
          ReadSecretFile(cfg.basic_auth->username_file, "basic auth username");
      if (!u.ok()) return u.status();
      user = *u;
    }
    if (!cfg.basic_auth->password_file.empty()) {
      absl::StatusOr<std::string> p =
          ReadSecretFile(cfg.basic_auth->password_file, "basic auth password");
      if (!p.ok()) return p.status();
      pass = *p;
    }
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, user.c_str());
    userpwd = pass;
    curl_easy_setopt(c, CURLOPT_PASSWORD, userpwd.c_str());
  }
  if (cfg.authorization) {
    std::string creds = cfg.authorization->credentials;
    if (!cfg.authorization->credentials_file.empty()) {
      absl::StatusOr<std::string> cr = ReadSecretFile(
          cfg.authorization->credentials_file, "authorization credentials");
      if (!cr.ok()) return cr.status();
      creds = *cr;
    }
    add_header(
        absl::StrCat("Authorization: ", cfg.authorization->type, " ", creds));
  }
  if (impl_->oauth2 != nullptr) {
    absl::StatusOr<std::string> auth = impl_->oauth2->AuthorizationHeader(req.timeout);
    if (!auth.ok()) {
      return absl::Status(auth.status().code(),
                          absl::StrCat("Get \"", req.url, "\": ", auth.status().message()));
    }
    add_header(absl::StrCat("Authorization: ", *auth));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());

  const TlsConfig& t = cfg.tls_config;
  curl_blob ca_blob{}, cert_blob{}, key_blob{};
  if (!t.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, t.ca_file.c_str());
  if (!t.ca.empty()) {
    ca_blob = {const_cast<char*>(t.ca.data()), t.ca.size(), CURL_BLOB_NOCOPY};
    curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &ca_blob);
  }
  if (!t.cert_file.empty()) {
    curl_easy_setopt(c, CURLOPT_SSLCERT, t.cert_file.c_str());
  }
  if (!t.cert.empty()) {
    cert_blob = {const_cast<char*>(t.cert.data()), t.cert.size(),
                 CURL_BLOB_NOCOPY};
    curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &cert_blob);
  }
  if (!t.key_file.empty()) curl_easy_setopt(c, CURLOPT_SSLKEY, t.key_file.c_str());
  if (!t.key.empty()) {
    key_blob = {const_cast<char*>(t.key.data()), t.key.size(), CURL_BLOB_NOCOPY};
    curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &key_blob);
  }
  if (t.insecure_skip_verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!t.min_version.empty() || !t.max_version.empty()) {
    curl_easy_setopt(c, CURLOPT_SSLVERSION,
                     TlsVersion(t.min_version) | TlsMaxVersion(t.max_version));
  }
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> connect(
      nullptr, &curl_slist_free_all);
  if (!connect_to.empty()) {
    connect.reset(curl_slist_append(nullptr, connect_to.c_str()));
    curl_easy_setopt(c, CURLOPT_CONNECT_TO, connect.get());
  }
  if (!cfg.proxy_url.empty()) {
    curl_easy_setopt(c, CURLOPT_PROXY, cfg.proxy_url.c_str());
  } else if (!cfg.proxy_from_environment) {
    curl_easy_setopt(c, CURLOPT_PROXY, "");  // ignore *_proxy variables
  }
  if (!cfg.no_proxy.empty()) {
    curl_easy_setopt(c, CURLOPT_NOPROXY, cfg.no_proxy.c_str());
  }

  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  resp->http_status = static_cast<int>(code);
  char* ct = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct) {
    resp->content_type = ct;
  }
  if (sink.exceeded) {
    return absl::ResourceExhaustedError("body size limit exceeded");
  }
  if (rc != CURLE_OK) {
    std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    std::string msg = absl::StrCat("Get \"", req.url, "\": ", detail);
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      return absl::DeadlineExceededError(
          absl::StrCat("Get \"", req.url, "\": context deadline exceeded (",
                       detail, ")"));
    }
    return absl::UnavailableError(msg);
  }
  if (code < 200 || code > 299) {
    return absl::UnavailableError(absl::StrCat(
        "server returned HTTP status ",
        sink.reason.empty() ? absl::StrCat(code) : sink.reason));
  }
  return absl::OkStatus();
}

}  // namespace vigil::scrape
