// notifier::Alert is one alert as Prometheus posts it to Alertmanager's
// API v2 (`postableAlert`): labels, annotations, start and end times and
// the link back to the expression that produced it.
//
// Thread safety: a plain value type.

#ifndef VIGIL_LIBRULES_NOTIFIER_ALERT_H_
#define VIGIL_LIBRULES_NOTIFIER_ALERT_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/labels.h"

namespace vigil::notifier {

struct Alert {
  model::Labels labels;  // must contain alertname
  // In rule order; values may be empty.
  std::vector<std::pair<std::string, std::string>> annotations;
  int64_t starts_at_ms = 0;  // 0: unset (Alertmanager uses now)
  int64_t ends_at_ms = 0;    // 0: unset (Alertmanager adds resolve_timeout)
  std::string generator_url;

  // True once ends_at is set and lies at or before `now_ms`.
  bool Resolved(int64_t now_ms) const {
    return ends_at_ms != 0 && ends_at_ms <= now_ms;
  }
  const absl::string_view name() const { return labels.Get("alertname"); }
};

}  // namespace vigil::notifier

#endif  // VIGIL_LIBRULES_NOTIFIER_ALERT_H_
