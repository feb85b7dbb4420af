#include "examples/server/metrics.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"
#include "prometheus/summary.h"
#include "prometheus/text_serializer.h"

namespace vigil::server {

// Gauges and counters whose value a function computes at collection time.
class ServerMetrics::Callbacks : public prometheus::Collectable {
 public:
  void Add(const std::string& name, const std::string& help,
           const std::string& type, std::function<double()> fn) {
    absl::MutexLock l(&mu_);
    entries_.push_back({name, help, type, std::move(fn), nullptr});
  }

  void AddFamily(const std::string& name, const std::string& help,
                 const std::string& type,
                 std::function<std::vector<FamilySample>()> fn) {
    absl::MutexLock l(&mu_);
    entries_.push_back({name, help, type, nullptr, std::move(fn)});
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    absl::MutexLock l(&mu_);
    std::vector<prometheus::MetricFamily> out;
    for (const Entry& e : entries_) {
      prometheus::MetricFamily f;
      f.name = e.name;
      f.help = e.help;
      if (e.family) {
        f.type = e.type == "counter"     ? prometheus::MetricType::Counter
                 : e.type == "histogram" ? prometheus::MetricType::Histogram
                                         : prometheus::MetricType::Gauge;
        for (const FamilySample& s : e.family()) {
          prometheus::ClientMetric m;
          for (const auto& [n, v] : s.labels) m.label.push_back({n, v});
          // Sorted by name, as client_golang exposes them.
          std::sort(m.label.begin(), m.label.end(),
                    [](const prometheus::ClientMetric::Label& a,
                       const prometheus::ClientMetric::Label& b) { return a.name < b.name; });
          if (f.type == prometheus::MetricType::Histogram) {
            m.histogram.sample_count = s.count;
            m.histogram.sample_sum = s.sum;
            for (const auto& [le, c] : s.buckets) m.histogram.bucket.push_back({c, le});
          } else if (f.type == prometheus::MetricType::Counter) {
            m.counter.value = s.value;
          } else {
            m.gauge.value = s.value;
          }
          f.metric.push_back(std::move(m));
        }
        if (!f.metric.empty()) out.push_back(std::move(f));
        continue;
      }
      prometheus::ClientMetric m;
      double v = e.fn();
      if (e.type == "counter") {
        f.type = prometheus::MetricType::Counter;
        m.counter.value = v;
      } else {
        f.type = prometheus::MetricType::Gauge;
        m.gauge.value = v;
      }
      f.metric.push_back(std::move(m));
      out.push_back(std::move(f));
    }
    return out;
  }

 private:
  struct Entry {
    std::string name, help, type;
    std::function<double()> fn;
    std::function<std::vector<FamilySample>()> family;
  };
  mutable absl::Mutex mu_;
  std::vector<Entry> entries_ ABSL_GUARDED_BY(mu_);
};

struct ServerMetrics::Impl {
  std::shared_ptr<prometheus::Registry> registry;
  prometheus::Family<prometheus::Counter>* requests;
  prometheus::Family<prometheus::Histogram>* durations;
  prometheus::Family<prometheus::Histogram>* sizes;
  prometheus::Gauge* reload_ok;
  prometheus::Gauge* reload_time;
  prometheus::Gauge* ready;
  std::shared_ptr<Callbacks> callbacks;
};

ServerMetrics::ServerMetrics(absl::string_view version, absl::string_view revision)
    : impl_(std::make_unique<Impl>()) {
  impl_->registry = std::make_shared<prometheus::Registry>();
  impl_->callbacks = std::make_shared<Callbacks>();
  prometheus::Registry& registry = *impl_->registry;
  impl_->requests = &prometheus::BuildCounter()
                   .Name("prometheus_http_requests_total")
                   .Help("Counter of HTTP requests.")
                   .Register(registry);
  impl_->durations = &prometheus::BuildHistogram()
                    .Name("prometheus_http_request_duration_seconds")
                    .Help("Histogram of latencies for HTTP requests.")
                    .Register(registry);
  impl_->sizes = &prometheus::BuildHistogram()
                       .Name("prometheus_http_response_size_bytes")
                       .Help("Histogram of response size for HTTP requests.")
                       .Register(registry);
  auto& reload = prometheus::BuildGauge()
                     .Name("prometheus_config_last_reload_successful")
                     .Help("Whether the last configuration reload attempt was successful.")
                     .Register(registry);
  impl_->reload_ok = &reload.Add({});
  auto& reload_t = prometheus::BuildGauge()
                       .Name("prometheus_config_last_reload_success_timestamp_seconds")
                       .Help("Timestamp of the last successful configuration reload.")
                       .Register(registry);
  impl_->reload_time = &reload_t.Add({});
  auto& ready = prometheus::BuildGauge()
                    .Name("prometheus_ready")
                    .Help("Whether the server is ready to serve queries.")
                    .Register(registry);
  impl_->ready = &ready.Add({});
  auto& build = prometheus::BuildGauge()
                    .Name("prometheus_build_info")
                    .Help("A metric with a constant '1' value labeled by version, "
                          "revision, branch and toolchain from which Vigil was built.")
                    .Register(registry);
  build.Add({{"version", std::string(version)},
             {"revision", std::string(revision)},
             {"branch", "main"},
             {"goversion", "n/a (C++)"}})
      .Set(1);
  auto& start = prometheus::BuildGauge()
                    .Name("process_start_time_seconds")
                    .Help("Start time of the process since unix epoch in seconds.")
                    .Register(registry);
  start.Add({}).Set(absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch()));
}

ServerMetrics::~ServerMetrics() = default;

void ServerMetrics::ObserveRequest(absl::string_view handler, int code,
                                   absl::Duration took, int64_t response_bytes) {
  std::string h(handler);
  impl_->requests->Add({{"handler", h}, {"code", absl::StrCat(code)}}).Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.1, 0.2, 0.4, 1, 3, 8, 20, 60, 120};
  impl_->durations->Add({{"handler", h}}, kBuckets).Observe(absl::ToDoubleSeconds(took));
  if (response_bytes >= 0) {
    // Prometheus's buckets: 100 * 10^i for i in 0..7.
    static const prometheus::Histogram::BucketBoundaries kSizeBuckets = {
        1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    impl_->sizes->Add({{"handler", h}}, kSizeBuckets)
        .Observe(static_cast<double>(response_bytes));
  }
}

void ServerMetrics::SetReloadResult(bool ok, absl::Time when) {
  impl_->reload_ok->Set(ok ? 1 : 0);
  if (ok) impl_->reload_time->Set(absl::ToDoubleSeconds(when - absl::UnixEpoch()));
}

void ServerMetrics::SetReady(bool ready) { impl_->ready->Set(ready ? 1 : 0); }

void ServerMetrics::AddCallback(const std::string& name, const std::string& help,
                                const std::string& type, std::function<double()> fn) {
  impl_->callbacks->Add(name, help, type, std::move(fn));
}

void ServerMetrics::AddFamilyCallback(const std::string& name, const std::string& help,
                                      const std::string& type,
                                      std::function<std::vector<FamilySample>()> fn) {
  impl_->callbacks->AddFamily(name, help, type, std::move(fn));
}

ServerMetrics::SummaryObserver ServerMetrics::AddSummary(
    const std::string& name, const std::string& help,
    std::vector<std::string> label_names) {
  auto* family =
      &prometheus::BuildSummary().Name(name).Help(help).Register(*impl_->registry);
  return [family, names = std::move(label_names)](
             const std::vector<std::string>& values, double v) {
    static const prometheus::Summary::Quantiles kObjectives = {
        {0.01, 0.001}, {0.05, 0.005}, {0.5, 0.05}, {0.9, 0.01}, {0.99, 0.001}};
    prometheus::Labels labels;
    for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
      labels[names[i]] = values[i];
    }
    family->Add(labels, kObjectives, std::chrono::minutes(10), 5).Observe(v);
  };
}

std::string ServerMetrics::Render() const {
  std::vector<prometheus::MetricFamily> families = impl_->registry->Collect();
  for (prometheus::MetricFamily& f : impl_->callbacks->Collect()) {
    families.push_back(std::move(f));
  }
  return prometheus::TextSerializer().Serialize(families);
}

std::string ServerMetrics::HandlerLabel(absl::string_view path) {
  static const char* const kExact[] = {
      "/api/v1/query", "/api/v1/query_range", "/api/v1/query_exemplars",
      "/api/v1/format_query", "/api/v1/series", "/api/v1/labels",
      "/api/v1/metadata", "/api/v1/targets", "/api/v1/targets/metadata",
      "/api/v1/rules", "/api/v1/alerts", "/api/v1/alertmanagers",
      "/api/v1/status/config", "/api/v1/status/flags",
      "/api/v1/status/buildinfo", "/api/v1/status/runtimeinfo",
      "/api/v1/status/tsdb", "/api/v1/status/walreplay", "/api/v1/write",
      "/api/v1/parse_query", "/api/v1/notifications", "/api/v1/scrape_pools",
      "/api/v1/targets/relabel_steps", "/api/v1/features",
      "/api/v1/status/tsdb/blocks",
      "/api/v1/read", "/federate", "/metrics", "/-/healthy", "/-/ready",
      "/-/reload", "/-/quit", "/"};
  for (const char* e : kExact) {
    if (path == e) return e;
  }
  if (absl::StartsWith(path, "/api/v1/label/") && absl::EndsWith(path, "/values")) {
    return "/api/v1/label/:name/values";
  }
  if (absl::StartsWith(path, "/api/v1/admin/")) return "/api/v1/admin/*";
  if (absl::StartsWith(path, "/static/")) return "/static/*";
  return "other";
}

std::function<void(const web::Request&, const web::Response&, absl::Duration)>
ServerMetrics::RequestObserver() {
  return [this](const web::Request& req, const web::Response& res, absl::Duration took) {
    ObserveRequest(HandlerLabel(req.path), res.status, took,
                   static_cast<int64_t>(res.body.size()));
  };
}

void ServerMetrics::Register(web::Router* router, const std::string& path) {
  router->Get(path, [this](const web::Request&, web::Response* res) {
    res->SetContent(Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace vigil::server
