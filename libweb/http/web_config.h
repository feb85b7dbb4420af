// WebConfig: Prometheus's --web.config.file (the exporter-toolkit format),
// which secures a server's own endpoints:
//
//   tls_server_config:
//     cert_file: server.crt        # or cert: <PEM>; paths relative to the file
//     key_file: server.key         # or key: <PEM>
//     client_auth_type: RequireAndVerifyClientCert
//     client_ca_file: ca.crt
//     min_version: TLS12           # TLS10 | TLS11 | TLS12 (default) | TLS13
//     max_version: TLS13
//     cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]   # Go's names
//     curve_preferences: [X25519, CurveP256]
//     prefer_server_cipher_suites: true
//   http_server_config:
//     headers: {Strict-Transport-Security: max-age=31536000}
//   basic_auth_users:
//     alice: $2y$10$...            # bcrypt hashes only, as Prometheus
//
// client_auth_type is one of NoClientCert (default), RequestClientCert,
// RequireAnyClientCert, VerifyClientCertIfGiven and
// RequireAndVerifyClientCert, with Go's meaning; the verifying ones check
// the chain against client_ca_file and the validity dates, so an expired
// client certificate fails the handshake. Unknown fields, versions, cipher
// suites and curves are errors naming the file, line and value.
// client_allowed_sans is refused as Unimplemented rather than ignored.
//
// WebConfigSource serves a file to a running server: TLS is on or off for
// the life of the server, as decided when it opened; the TLS context is
// rebuilt when the config file or a certificate, key or CA file it names
// changes (checked per new connection, so certificates rotate without a
// restart), and users and headers are re-read the same way per request. A
// change that does not load keeps the last good configuration and is
// reported by last_error().
//
// Thread safety: WebConfigSource's methods may be called concurrently.

#ifndef VIGIL_LIBWEB_HTTP_WEB_CONFIG_H_
#define VIGIL_LIBWEB_HTTP_WEB_CONFIG_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "libweb/http/message.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace vigil::web {

struct TlsServerConfig {
  // Files (resolved against the config file's directory) or inline PEM.
  std::string cert_file, key_file, cert, key;
  std::string client_ca_file;
  std::string client_auth_type = "NoClientCert";
  int min_version = 0;  // OpenSSL's TLS1_x_VERSION; 0: TLS 1.2
  int max_version = 0;  // 0: the newest
  // OpenSSL names of the TLS 1.2 cipher suites; empty: OpenSSL's default.
  std::vector<std::string> cipher_suites;
  // OpenSSL group names ("X25519", "P-256").
  std::vector<std::string> curves;
  bool prefer_server_cipher_suites = true;
};

struct WebConfig {
  // Set when tls_server_config names a certificate.
  std::unique_ptr<TlsServerConfig> tls;
  Headers headers;
  // User -> bcrypt hash.
  std::map<std::string, std::string> basic_auth_users;
};

// Parses the YAML; `path` names the file in errors and anchors relative
// paths. InvalidArgument "<path>:<line>:<col>: ..." for bad input.
absl::StatusOr<WebConfig> ParseWebConfig(absl::string_view yaml, absl::string_view path);

// A server-side TLS context for `tls`: certificate and key loaded and
// matched, client verification, versions, suites and curves set.
// InvalidArgument naming the file for an unreadable or mismatched file.
absl::StatusOr<std::shared_ptr<SSL_CTX>> NewServerTlsContext(const TlsServerConfig& tls);

// True when `password` matches the bcrypt `hash` ($2a$, $2b$, $2y$).
bool BcryptMatches(absl::string_view password, const std::string& hash);

class WebConfigSource {
 public:
  // Loads `path` (it must load: a server does not start on a bad file).
  static absl::StatusOr<std::unique_ptr<WebConfigSource>> Open(const std::string& path);

  bool tls_enabled() const { return tls_enabled_; }
  // The configuration now in force (reloaded first if a file changed).
  std::shared_ptr<const WebConfig> config();

  // The TLS context for a new connection (for ServerOptions::tls_context).
  absl::StatusOr<std::shared_ptr<SSL_CTX>> TlsContext();

  // True when `req` may proceed: no users are configured, or its basic
  // auth names one with a matching password. Otherwise fills `res` with
  // 401 and a WWW-Authenticate challenge and returns false.
  bool Authorize(const Request& req, Response* res);

  // True when no users are configured, or `authorization` (an
  // Authorization header's value, e.g. from gRPC metadata) is Basic auth
  // of a configured user with a matching password.
  bool CheckBasicAuth(absl::string_view authorization);

  // Adds http_server_config.headers to `res`.
  void AddHeaders(Response* res);

  // The error of the last reload that failed, OK after a good one.
  absl::Status last_error() const;

 private:
  struct Loaded;
  explicit WebConfigSource(std::string path) : path_(std::move(path)) {}
  // Reloads when a watched file changed; returns the current config.
  std::shared_ptr<const Loaded> Current();
  absl::StatusOr<std::shared_ptr<const Loaded>> Load() const;

  const std::string path_;
  bool tls_enabled_ = false;
  mutable absl::Mutex mu_;
  std::shared_ptr<const Loaded> current_ ABSL_GUARDED_BY(mu_);
  absl::Status last_error_ ABSL_GUARDED_BY(mu_);
  // (user, password, hash) digest -> whether it matched: bcrypt is slow by
  // design, and clients send the same credentials on every request.
  absl::flat_hash_map<std::string, bool> auth_cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vigil::web

#endif  // VIGIL_LIBWEB_HTTP_WEB_CONFIG_H_
