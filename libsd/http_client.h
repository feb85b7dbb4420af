// HTTP access for discoverers (http_sd, kubernetes): Prometheus's
// <http_config> (prometheus/common HTTPClientConfig) parsed from YAML and a
// small libcurl client that applies it.
//
// Supported: basic_auth (username/password, *_file), authorization
// (type + credentials or credentials_file), legacy bearer_token and
// bearer_token_file (files re-read on every request, so rotated tokens are
// picked up), tls_config (ca, ca_file, cert(_file), key(_file),
// insecure_skip_verify, min_version), proxy_url, no_proxy,
// proxy_from_environment, proxy_connect_header, follow_redirects,
// enable_http2, and oauth2 with the client-credentials grant (the token is
// fetched from token_url and cached until shortly before it expires, see
// oauth2.h). tls_config.server_name, http_headers and the oauth2 JWT-bearer
// grant are rejected with Unimplemented at parse time rather than ignored.
//
// Thread safety: HTTPClientConfig is a value type. An HttpClient may be
// used by one thread at a time.

#ifndef VIGIL_LIBSD_HTTP_CLIENT_H_
#define VIGIL_LIBSD_HTTP_CLIENT_H_

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace YAML {
class Node;
}

namespace vigil::sd {

struct TLSConfig {
  std::string ca;         // PEM text
  std::string ca_file;
  std::string cert;       // PEM text
  std::string cert_file;
  std::string key;        // PEM text
  std::string key_file;
  bool insecure_skip_verify = false;
  std::string min_version;  // TLS10..TLS13, "" = library default
};

// `oauth2`: the client-credentials grant of prometheus/common. Requests
// carry "Authorization: <token_type> <access_token>" from token_url.
struct OAuth2Config {
  std::string client_id;
  std::string client_secret;
  std::string client_secret_file;  // re-read on every request
  std::vector<std::string> scopes;
  std::string token_url;
  std::map<std::string, std::string> endpoint_params;
  // For the token request only.
  TLSConfig tls;
  std::string proxy_url;
  std::string no_proxy;
  bool proxy_from_environment = false;
  std::map<std::string, std::vector<std::string>> proxy_connect_header;

  // Every field, for sharing a token cache among equal configs.
  std::string Fingerprint() const;
};

struct HTTPClientConfig {
  bool has_basic_auth = false;
  std::string username, username_file, password, password_file;
  // Authorization header: "<type> <credentials>"; bearer_token(_file)
  // arrive here with type "Bearer".
  std::string auth_type;
  std::string credentials, credentials_file;
  std::optional<OAuth2Config> oauth2;
  TLSConfig tls;
  std::string proxy_url;
  std::string no_proxy;                 // hosts that bypass the proxy
  bool proxy_from_environment = false;  // HTTP(S)_PROXY / NO_PROXY
  // Sent to the proxy with CONNECT.
  std::map<std::string, std::vector<std::string>> proxy_connect_header;
  bool follow_redirects = true;
  bool enable_http2 = true;

  // Every field, for discoverer fingerprints (a change restarts them).
  std::string Fingerprint() const;
};

// The <http_config> keys, which are inline in the parent map (for the
// parent's unknown-field check).
const std::vector<absl::string_view>& HTTPClientConfigFields();

// Reads the <http_config> keys of `node`, ignoring others. InvalidArgument
// with Prometheus's words ("at most one of basic_auth, oauth2, bearer_token
// & bearer_token_file must be configured", "at most one of bearer_token &
// bearer_token_file must be configured", "authorization type cannot be set
// to \"basic\", use \"basic_auth\" instead", ...).
absl::StatusOr<HTTPClientConfig> ParseHTTPClientConfig(
    const YAML::Node& node, absl::string_view source);

// Parses an `oauth2` map with prometheus/common's checks ("oauth2 client_id
// must be configured", "oauth2 token_url must be configured", "at most one
// of oauth2 client_secret, client_secret_file & client_secret_ref must be
// configured using grant-type=client_credentials"). Unimplemented for the
// JWT-bearer grant and for *_ref secrets. Shared with libscrape.
absl::StatusOr<OAuth2Config> ParseOAuth2Config(const YAML::Node& node,
                                               absl::string_view source);

// Parses a `tls_config` map (ca, cert, key inline or as files,
// insecure_skip_verify, min_version). Unimplemented for server_name.
absl::StatusOr<TLSConfig> ParseTLSConfig(const YAML::Node& node,
                                         absl::string_view source);

struct HttpResponse {
  long status = 0;
  std::string content_type;
  std::string content_encoding;  // response header, as sent
  std::string retry_after;       // response header, as sent ("" if none)
  std::string body;
};

class HttpClient {
 public:
  explicit HttpClient(HTTPClientConfig cfg);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // GET `url` with extra "Name: value" `headers`. The body is limited to
  // `max_body` bytes (ResourceExhausted beyond). Unavailable for transport
  // errors and for a failed oauth2 token request ("Get \"<url>\": oauth2:
  // cannot fetch token: ..."), DeadlineExceeded on timeout, Cancelled when
  // `cancel` fires, FailedPrecondition when a credentials file cannot be
  // read. Any HTTP status is returned as a response.
  absl::StatusOr<HttpResponse> Get(const std::string& url,
                                   const std::vector<std::string>& headers,
                                   absl::Duration timeout, size_t max_body,
                                   const absl::Notification* cancel = nullptr);

  // POST `body` with extra `headers` (remote write and remote read). As
  // Get, except that the response body is returned exactly as sent (no
  // Accept-Encoding from curl, no decompression) and errors say "Post".
  absl::StatusOr<HttpResponse> Post(const std::string& url,
                                    const std::vector<std::string>& headers,
                                    absl::string_view body,
                                    absl::Duration timeout, size_t max_body,
                                    const absl::Notification* cancel = nullptr);

  // GET that hands the body to `on_data` as it arrives (a watch stream).
  // `on_status` sees the status code before the first byte; returning
  // false from either aborts. Ends when the server closes, on `cancel`, or
  // after `idle_timeout` without data. Returns the status code, or an error
  // as for Get(); an abort requested by a callback is not an error.
  absl::StatusOr<long> Stream(
      const std::string& url, const std::vector<std::string>& headers,
      const std::function<bool(long status)>& on_status,
      const std::function<bool(absl::string_view data)>& on_data,
      absl::Duration idle_timeout, const absl::Notification* cancel);

 private:
  // Get (body null) or Post; `method` names it in errors.
  absl::StatusOr<HttpResponse> Send(absl::string_view method,
                                    const std::string& url,
                                    const std::vector<std::string>& headers,
                                    const absl::string_view* body,
                                    absl::Duration timeout, size_t max_body,
                                    const absl::Notification* cancel);

  struct Impl;
  Impl* impl_;
};

}  // namespace vigil::sd

#endif  // VIGIL_LIBSD_HTTP_CLIENT_H_
