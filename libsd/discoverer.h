// The Discoverer interface: one running instance of a service-discovery
// mechanism (a file_sd_config, a kubernetes_sd_config, ...), and
// DiscovererConfig, the parsed configuration that makes one.
//
// A Discoverer's Run() blocks until `stop` is notified, sending target
// groups through `send` whenever they change. Each call to `send` carries
// the changed groups only (by `source`); a group with no targets removes
// that source. The first call should carry everything known at start.
//
// Thread safety: Run() is called once, on a thread of the Manager's; it
// must return promptly (within about a second) after `stop` is notified.
// `send` may be called from any thread until Run() returns.

#ifndef VIGIL_LIBSD_DISCOVERER_H_
#define VIGIL_LIBSD_DISCOVERER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "libsd/target_group.h"

namespace vigil::sd {

using SendFn = std::function<void(std::vector<TargetGroup>)>;

// Counters a Discoverer may keep, for the server's /metrics
// (prometheus_sd_refresh_{duration,failures}_total and the like).
struct RefreshMetrics {
  std::atomic<uint64_t> refreshes{0};
  std::atomic<uint64_t> failures{0};
};

class Discoverer {
 public:
  virtual ~Discoverer() = default;

  // Discovers until `stop` is notified (see the file comment).
  virtual void Run(const absl::Notification& stop, const SendFn& send) = 0;

  // Counters, or nullptr when the discoverer keeps none. Owned by the
  // Discoverer; valid while it lives.
  virtual const RefreshMetrics* metrics() const { return nullptr; }
};

// Logs a discovery error (stderr by default). Providers call this for
// errors they recover from, such as an unreadable file or a down server.
void LogDiscoveryError(absl::string_view provider, absl::string_view msg);
// Replaces the log sink (nullptr restores stderr), e.g. for tests or to
// route into a server's logger.
void SetDiscoveryErrorLogger(
    std::function<void(absl::string_view provider, absl::string_view msg)> fn);

class DiscovererConfig {
 public:
  virtual ~DiscovererConfig() = default;

  // The mechanism: "static", "file", "kubernetes", "dns", "http".
  virtual std::string Name() const = 0;

  // A string equal for two configs exactly when they discover the same
  // thing; the Manager keeps a running discoverer across reloads, and
  // shares it between jobs, when fingerprints match.
  virtual std::string Fingerprint() const = 0;

  // Makes a discoverer. InvalidArgument/FailedPrecondition when the config
  // cannot be instantiated (e.g. in-cluster config without its files).
  virtual absl::StatusOr<std::unique_ptr<Discoverer>> NewDiscoverer() const = 0;
};

}  // namespace vigil::sd

#endif  // VIGIL_LIBSD_DISCOVERER_H_
