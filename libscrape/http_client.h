// HttpScraper fetches one target's metrics page over HTTP(S) with libcurl,
// the way Prometheus's scraper does: `Accept` from the scrape protocols,
// `Accept-Encoding: gzip` (or `identity` when compression is off),
// `X-Prometheus-Scrape-Timeout-Seconds`, a User-Agent, the configured
// authentication (basic auth, `authorization`/bearer token with files
// re-read on every request, or an oauth2 client-credentials token from
// sd::OAuth2TokenSource, shared by all scrapers of equal configs and
// refreshed shortly before it expires) and TLS options, a whole-request
// timeout and a limit on the uncompressed body size.
//
// One HttpScraper belongs to one target and keeps its connection alive
// between scrapes. The response body is written into a caller-owned
// buffer, which is reused across scrapes.
//
// Errors: Unavailable (connection failure, non-2xx status: `server returned
// HTTP status 500 Internal Server Error`), DeadlineExceeded (timeout),
// ResourceExhausted (`body size limit exceeded`), InvalidArgument (bad URL,
// unreadable credential file), Internal (libcurl setup); a failed oauth2
// token request is Unavailable `Get "<url>": oauth2: cannot fetch token:
// ...` and no scrape request is sent.
//
// Thread safety: one thread at a time per HttpScraper; different scrapers
// may run concurrently.

#ifndef VIGIL_LIBSCRAPE_HTTP_CLIENT_H_
#define VIGIL_LIBSCRAPE_HTTP_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libscrape/scrape_config.h"

namespace vigil::scrape {

inline constexpr char kUserAgent[] = "Vigil/0.1 (Prometheus-compatible scraper)";

struct ScrapeRequest {
  std::string url;
  absl::Duration timeout = absl::Seconds(10);
  std::string accept;  // textparse::AcceptHeader(...)
  bool enable_compression = true;
  uint64_t body_size_limit = 0;  // 0 = none
};

struct ScrapeResponse {
  int http_status = 0;
  std::string content_type;
  std::string body;  // uncompressed
};

class HttpScraper {
 public:
  // Returns InvalidArgument when a TLS file named in `config` is unreadable.
  static absl::StatusOr<std::unique_ptr<HttpScraper>> Create(
      const HttpClientConfig& config);
  ~HttpScraper();
  HttpScraper(const HttpScraper&) = delete;
  HttpScraper& operator=(const HttpScraper&) = delete;

  // Performs one GET. On success `resp` holds the body and Content-Type.
  absl::Status Scrape(const ScrapeRequest& req, ScrapeResponse* resp);

 private:
  struct Impl;
  explicit HttpScraper(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Go's strconv.FormatFloat(d.Seconds(), 'f', -1, 64): "10", "0.5".
std::string FormatTimeoutSeconds(absl::Duration d);

}  // namespace vigil::scrape

#endif  // VIGIL_LIBSCRAPE_HTTP_CLIENT_H_
