#include "libscrape/manager.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace vigil::scrape {
namespace {

void AppendRelabel(std::string* out,
                   const std::vector<sd::RelabelConfig>& cfgs) {
  for (const sd::RelabelConfig& r : cfgs) {
    absl::StrAppend(out, "{", absl::StrJoin(r.source_labels, ","), "|",
                    r.separator, "|", r.regex.expr(), "|", r.modulus, "|",
                    r.target_label, "|", r.replacement, "|",
                    sd::RelabelActionName(r.action), "}");
  }
}

}  // namespace

std::string ConfigFingerprint(const ScrapeConfig& c) {
  std::string f = absl::StrCat(
      c.job_name, "\x1f", c.honor_labels, c.honor_timestamps,
      c.track_timestamps_staleness, "\x1f",
      absl::FormatDuration(c.scrape_interval), "\x1f",
      absl::FormatDuration(c.scrape_timeout), "\x1f");
  for (auto p : c.scrape_protocols) {
    absl::StrAppend(&f, textparse::ScrapeProtocolName(p), ",");
  }
  absl::StrAppend(&f, "\x1f",
                  c.fallback_scrape_protocol
                      ? textparse::ScrapeProtocolName(*c.fallback_scrape_protocol)
                      : "",
                  "\x1f", c.metrics_path, "\x1f", c.scheme, "\x1f");
  for (const auto& [k, vs] : c.params) {
    absl::StrAppend(&f, k, "=", absl::StrJoin(vs, ","), "&");
  }
  absl::StrAppend(&f, "\x1f", c.enable_compression, c.body_size_limit, "/",
                  c.sample_limit, "/", c.label_limit, "/",
                  c.label_name_length_limit, "/", c.label_value_length_limit,
                  "/", c.target_limit, "/", c.keep_dropped_targets, "\x1f",
                  c.metric_name_validation_scheme, "\x1f",
                  c.extra_scrape_metrics, "\x1f");
  const HttpClientConfig& h = c.http;
  if (h.basic_auth) {
    absl::StrAppend(&f, "ba:", h.basic_auth->username, ":",
                    h.basic_auth->username_file, ":", h.basic_auth->password,
                    ":", h.basic_auth->password_file);
  }
  if (h.authorization) {
    absl::StrAppend(&f, "au:", h.authorization->type, ":",
                    h.authorization->credentials, ":",
                    h.authorization->credentials_file);
  }
  const TlsConfig& t = h.tls_config;
  absl::StrAppend(&f, "\x1f", t.ca, t.ca_file, "|", t.cert, t.cert_file, "|",
                  t.key, t.key_file, "|", t.server_name, "|",
                  t.insecure_skip_verify, t.min_version, t.max_version, "|",
                  h.follow_redirects, h.enable_http2, h.proxy_url, "|",
                  h.no_proxy, h.proxy_from_environment);
  for (const auto& [k, vs] : h.http_headers) {
    absl::StrAppend(&f, k, ":", absl::StrJoin(vs, ","), ";");
  }
  absl::StrAppend(&f, "\x1frl:");
  AppendRelabel(&f, c.relabel_configs);
  absl::StrAppend(&f, "\x1fmrl:");
  AppendRelabel(&f, c.metric_relabel_configs);
  return f;
}

Manager::Manager(storage::Appendable* appendable, Options options)
    : appendable_(appendable),
      options_(options),
      scheduler_(options.workers),
      counters_(options.counters != nullptr
                    ? options.counters
                    : std::make_shared<ScrapeCounters>()) {}

Manager::~Manager() { Stop(); }

absl::Status Manager::ApplyConfig(const std::vector<ScrapeConfig>& configs) {
  std::set<std::string> names;
  for (const ScrapeConfig& c : configs) {
    if (!names.insert(c.job_name).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "found multiple scrape configs with job name \"", c.job_name, "\""));
    }
    absl::Status st = c.Validate();
    if (!st.ok()) return st;
  }
  absl::MutexLock l(&mu_);
  if (stopped_) {
    return absl::FailedPreconditionError("scrape manager is stopped");
  }
  // Jobs gone: stop with stale markers.
  for (auto it = pools_.begin(); it != pools_.end();) {
    if (names.count(it->first) > 0) {
      ++it;
      continue;
    }
    it->second->Stop(/*write_staleness=*/true);
    retired_target_limit_hits_ += it->second->Stats().target_limit_hits;
    fingerprints_.erase(it->first);
    it = pools_.erase(it);
  }
  for (const ScrapeConfig& c : configs) {
    const std::string fp = ConfigFingerprint(c);
    auto it = pools_.find(c.job_name);
    if (it != pools_.end() && fingerprints_[c.job_name] == fp) continue;
    if (it != pools_.end()) {
      it->second->Stop(/*write_staleness=*/false);
      retired_target_limit_hits_ += it->second->Stats().target_limit_hits;
      pools_.erase(it);
      ++pool_reloads_;
    } else {
      ++pools_created_;
    }
    auto pool = std::make_unique<ScrapePool>(c, appendable_, &scheduler_,
                                             options_.offset_seed, counters_, options_.timing);
    auto g = groups_.find(c.job_name);
    if (g != groups_.end()) pool->Sync(g->second);
    pools_[c.job_name] = std::move(pool);
    fingerprints_[c.job_name] = fp;
  }
  return absl::OkStatus();
}

void Manager::Sync(
    const std::map<std::string, std::vector<sd::TargetGroup>>& groups) {
  absl::MutexLock l(&mu_);
  if (stopped_) return;
  for (const auto& [job, gs] : groups) {
    groups_[job] = gs;
    auto it = pools_.find(job);
    if (it != pools_.end()) it->second->Sync(gs);
  }
}

std::map<std::string, std::vector<TargetStatus>> Manager::ActiveTargets()
    const {
  absl::MutexLock l(&mu_);
  std::map<std::string, std::vector<TargetStatus>> out;
  for (const auto& [job, pool] : pools_) out[job] = pool->ActiveTargets();
  return out;
}

std::map<std::string, std::vector<TargetStatus>> Manager::DroppedTargets()
    const {
  absl::MutexLock l(&mu_);
  std::map<std::string, std::vector<TargetStatus>> out;
  for (const auto& [job, pool] : pools_) out[job] = pool->DroppedTargets();
  return out;
}

ManagerStats Manager::Stats() const {
  ManagerStats st;
  const ScrapeCounters& c = *counters_;
  st.exceeded_sample_limit = c.exceeded_sample_limit.load();
  st.exceeded_body_size_limit = c.exceeded_body_size_limit.load();
  st.exceeded_label_limits = c.exceeded_label_limits.load();
  st.sample_out_of_order = c.sample_out_of_order.load();
  st.sample_duplicate_timestamp = c.sample_duplicate_timestamp.load();
  st.sample_out_of_bounds = c.sample_out_of_bounds.load();
  absl::MutexLock l(&mu_);
  st.pools_created = pools_created_;
  st.pool_reloads = pool_reloads_;
  st.target_limit_hits = retired_target_limit_hits_;
  for (const auto& [job, pool] : pools_) {
    PoolStats ps = pool->Stats();
    st.target_limit_hits += ps.target_limit_hits;
    st.pools[job] = ps;
  }
  return st;
}

void Manager::Stop() {
  {
    absl::MutexLock l(&mu_);
    if (!stopped_) {
      stopped_ = true;
      for (auto& [job, pool] : pools_) pool->Stop(/*write_staleness=*/false);
    }
  }
  scheduler_.Stop();
  absl::MutexLock l(&mu_);
  pools_.clear();
}

}  // namespace vigil::scrape
