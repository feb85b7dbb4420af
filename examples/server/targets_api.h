// JSON of /api/v1/targets from a libscrape Manager, in Prometheus's shape:
//
//   {"activeTargets":[{"discoveredLabels":{..},"labels":{..},
//     "scrapePool":"job","scrapeUrl":"http://h:9100/metrics",
//     "globalUrl":"http://h:9100/metrics","lastError":"",
//     "lastScrape":"2026-..Z","lastScrapeDuration":0.0012,"health":"up",
//     "scrapeInterval":"15s","scrapeTimeout":"10s"}],
//    "droppedTargets":[{"discoveredLabels":{..}}]}
//
// Parameters: state=active|dropped|any (default any), scrapePool=<job>.
//
// globalUrl is the scrape URL as seen from elsewhere, as Prometheus builds
// it: a target on localhost/127.0.0.1/::1 gets the external URL's host (and,
// when it is this server's own listen port, the external URL's scheme and
// host:port); other targets keep their URL.
//
// Thread safety: reentrant.

#ifndef VIGIL_EXAMPLES_SERVER_TARGETS_API_H_
#define VIGIL_EXAMPLES_SERVER_TARGETS_API_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libweb/http/router.h"
#include "libscrape/manager.h"

namespace vigil::server {

// Where this server is reachable, for globalUrl. Empty `host` keeps
// globalUrl equal to scrapeUrl.
struct GlobalUrlOptions {
  std::string scheme = "http";
  std::string host;         // host[:port] of the external URL
  std::string listen_port;  // this server's own port
};

// Prometheus's --web.external-url default: "http://<hostname>:<port>"
// ("http://localhost:<port>" when the hostname is unknown).
std::string DefaultExternalUrl(int listen_port);

// Prometheus's default when --web.external-url is empty:
// http://<hostname>:<listen port>; else the flag's scheme and host[:port].
GlobalUrlOptions MakeGlobalUrlOptions(absl::string_view external_url, int listen_port);

// The globalUrl of `scrape_url` (unchanged when it is not on localhost).
std::string GlobalUrl(absl::string_view scrape_url, const GlobalUrlOptions& opts);

absl::StatusOr<std::string> TargetsJson(const scrape::Manager& manager,
                                        const web::Request& req,
                                        const GlobalUrlOptions& global = {});

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_TARGETS_API_H_
