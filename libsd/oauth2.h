// OAuth2TokenSource: the access token of an `oauth2` client-credentials
// config (prometheus/common's oauth2 round tripper, golang.org/x/oauth2's
// clientcredentials): POSTs grant_type=client_credentials, the scopes and
// endpoint_params to token_url with the client id and secret as HTTP basic
// auth (as form fields instead when the server refuses that, and from then
// on), and caches the token until 10s before `expires_in` runs out (forever
// when the response has none). A changed client_secret_file drops the
// cached token, as Prometheus rebuilds its token source then. The token
// request uses the config's own tls_config and proxy_url, through
// HttpClient.
//
//   std::shared_ptr<OAuth2TokenSource> ts = OAuth2TokenSource::Shared(cfg);
//   absl::StatusOr<std::string> h = ts->AuthorizationHeader(timeout, cancel);
//   // "Bearer eyJ..."; errors say "oauth2: cannot fetch token: ..."
//
// Thread safety: thread-safe. Concurrent callers wait for one token
// request instead of sending their own.

#ifndef VIGIL_LIBSD_OAUTH2_H_
#define VIGIL_LIBSD_OAUTH2_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "libsd/http_client.h"

namespace vigil::sd {

class OAuth2TokenSource {
 public:
  // `now` is the clock (tests move it).
  explicit OAuth2TokenSource(OAuth2Config cfg,
                             std::function<absl::Time()> now = absl::Now);
  ~OAuth2TokenSource();
  OAuth2TokenSource(const OAuth2TokenSource&) = delete;
  OAuth2TokenSource& operator=(const OAuth2TokenSource&) = delete;

  // One source per distinct config in the process (by Fingerprint), shared
  // by every client holding it, so all targets of a job share one token.
  static std::shared_ptr<OAuth2TokenSource> Shared(const OAuth2Config& cfg);

  // The Authorization header value "<type> <access_token>", from the cache
  // or a new token request bounded by `timeout`. Unavailable "oauth2:
  // cannot fetch token: ..." when the request fails, the server answers a
  // non-2xx status or no access_token; FailedPrecondition when
  // client_secret_file cannot be read; Cancelled when `cancel` fires.
  absl::StatusOr<std::string> AuthorizationHeader(
      absl::Duration timeout, const absl::Notification* cancel = nullptr);

  // Token requests sent so far (for tests and debugging).
  int requests() const;

 private:
  enum class AuthStyle { kUnknown, kHeader, kParams };

  absl::StatusOr<HttpResponse> Request(const std::string& secret,
                                       AuthStyle style, absl::Duration timeout,
                                       const absl::Notification* cancel)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const OAuth2Config cfg_;
  const std::function<absl::Time()> now_;
  mutable absl::Mutex mu_;
  HttpClient client_ ABSL_GUARDED_BY(mu_);
  AuthStyle style_ ABSL_GUARDED_BY(mu_) = AuthStyle::kUnknown;
  std::string secret_ ABSL_GUARDED_BY(mu_);  // the one the token is for
  std::string header_ ABSL_GUARDED_BY(mu_);  // "" when none is cached
  absl::Time expiry_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  int requests_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace vigil::sd

#endif  // VIGIL_LIBSD_OAUTH2_H_
