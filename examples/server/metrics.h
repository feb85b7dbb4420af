// ServerMetrics: the server's own /metrics, built on prometheus-cpp (the
// maintained C++ client library). Names follow Prometheus's so existing
// dashboards work: prometheus_http_requests_total{handler,code},
// prometheus_http_request_duration_seconds{handler},
// prometheus_config_last_reload_successful, prometheus_ready,
// prometheus_build_info, process_start_time_seconds, plus any gauge a
// component registers as a callback (head series, samples received, ...).
//
// prometheus-cpp stays out of this header: its `prometheus` namespace
// clashes with the remote-write protos' package of the same name.
//
// Thread safety: all methods may be called concurrently.

#ifndef VIGIL_EXAMPLES_SERVER_METRICS_H_
#define VIGIL_EXAMPLES_SERVER_METRICS_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libweb/http/router.h"

namespace vigil::server {

class ServerMetrics {
 public:
  ServerMetrics(absl::string_view version, absl::string_view revision);
  ~ServerMetrics();

  // Counts one served request; `handler` is the route pattern. A negative
  // `response_bytes` observes no size.
  void ObserveRequest(absl::string_view handler, int code, absl::Duration took,
                      int64_t response_bytes = -1);

  void SetReloadResult(bool ok, absl::Time when);
  void SetReady(bool ready);

  // A value computed at scrape time. `type` is "gauge" or "counter".
  void AddCallback(const std::string& name, const std::string& help,
                   const std::string& type, std::function<double()> fn);

  // One sample of a labelled family computed at scrape time. Histograms
  // use `buckets` (cumulative counts by upper bound, +Inf last), `count`
  // and `sum`; gauges and counters use `value`.
  struct FamilySample {
    std::vector<std::pair<std::string, std::string>> labels;
    double value = 0;
    std::vector<std::pair<double, uint64_t>> buckets;
    uint64_t count = 0;
    double sum = 0;
  };
  // A labelled family (e.g. one sample per remote-write queue). `type` is
  // "gauge", "counter" or "histogram".
  void AddFamilyCallback(const std::string& name, const std::string& help,
                         const std::string& type,
                         std::function<std::vector<FamilySample>()> fn);

  // A summary family with client_golang's usual objectives (quantiles
  // 0.01, 0.05, 0.5, 0.9, 0.99) over a 10-minute window, as Prometheus's
  // own summaries. Returns a thread-safe function observing one value
  // for the label values given in `label_names`' order.
  using SummaryObserver =
      std::function<void(const std::vector<std::string>& label_values, double value)>;
  SummaryObserver AddSummary(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names);

  // The text exposition format (version 0.0.4) of every metric.
  std::string Render() const;

  // Serves GET `path` with Render().
  void Register(web::Router* router, const std::string& path);
  // An on_response hook for web::ServerOptions that observes every request
  // in prometheus_http_requests_total and _request_duration_seconds.
  std::function<void(const web::Request&, const web::Response&, absl::Duration)>
  RequestObserver();

  // The route pattern a request path belongs to, so label values stay
  // bounded: "/api/v1/label/:name/values", "/static/*", or "other".
  static std::string HandlerLabel(absl::string_view path);

 private:
  class Callbacks;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_METRICS_H_
