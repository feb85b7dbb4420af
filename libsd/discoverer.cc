#include "libsd/discoverer.h"

#include <cstdio>
#include <string>

#include "absl/synchronization/mutex.h"

namespace vigil::sd {
namespace {

struct Logger {
  absl::Mutex mu;
  std::function<void(absl::string_view, absl::string_view)> fn
      ABSL_GUARDED_BY(mu);
};

Logger& GetLogger() {
  static Logger* logger = new Logger();
  return *logger;
}

}  // namespace

void LogDiscoveryError(absl::string_view provider, absl::string_view msg) {
  Logger& l = GetLogger();
  absl::MutexLock lock(&l.mu);
  if (l.fn) {
    l.fn(provider, msg);
    return;
  }
  std::string p(provider), m(msg);
  std::fprintf(stderr, "level=error component=discovery provider=%s msg=%s\n",
               p.c_str(), m.c_str());
}

void SetDiscoveryErrorLogger(
    std::function<void(absl::string_view provider, absl::string_view msg)> fn) {
  Logger& l = GetLogger();
  absl::MutexLock lock(&l.mu);
  l.fn = std::move(fn);
}

}  // namespace vigil::sd
