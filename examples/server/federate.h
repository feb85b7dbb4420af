// `/federate`: the newest sample of every series matching the `match[]`
// selectors, in the Prometheus text exposition format (version 0.0.4), as
// Prometheus's web/federate.go serves it: samples no older than the
// lookback delta, stale markers skipped, external labels added where a
// series lacks them, series grouped by metric name under a
// `# TYPE <name> untyped` line. Scrape it with `honor_labels: true`.
//
// Thread safety: Handle() may run concurrently.

#ifndef VIGIL_EXAMPLES_SERVER_FEDERATE_H_
#define VIGIL_EXAMPLES_SERVER_FEDERATE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "libweb/http/router.h"
#include "libtsdb/storage/querier.h"
#include "model/labels.h"
#include "model/matcher.h"

namespace vigil::server {

class Federation {
 public:
  using SelectorParser =
      std::function<absl::StatusOr<std::vector<model::Matcher>>(absl::string_view)>;

  struct Options {
    int64_t lookback_delta_ms = 5 * 60 * 1000;
    model::Labels external_labels;
    std::function<int64_t()> now_ms;  // wall clock unless set
  };

  Federation(storage::Queryable* db, SelectorParser parser, Options options);

  // The exposition text for the given selectors. InvalidArgument for a
  // selector that does not parse; storage errors pass through.
  absl::StatusOr<std::string> Render(const std::vector<std::string>& selectors);

  void Register(web::Router* server, const std::string& path);

  // Replaces the external labels (a config reload); later renders use them.
  void SetExternalLabels(model::Labels labels);

 private:
  storage::Queryable* db_;
  SelectorParser parser_;
  Options options_;  // external_labels only under mu_
  absl::Mutex mu_;
};

// Go's strconv.FormatFloat(v, 'g', -1, 64) as the exposition format
// writes values: "1", "0.5", "1.5e+06", "1e-05", "+Inf", "NaN".
std::string FormatExpositionValue(double v);

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_FEDERATE_H_
