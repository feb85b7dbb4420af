#include "libscrape/scrape_pool.h"

#include <algorithm>
#include <functional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libsd/target.h"
#include "model/duration.h"
#include "model/timestamp.h"

namespace vigil::scrape {
namespace {

// Go's url.QueryEscape.
std::string QueryEscape(absl::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

sd::TargetSettings SettingsFor(const ScrapeConfig& c) {
  sd::TargetSettings s;
  s.job_name = c.job_name;
  s.scheme = c.scheme;
  s.metrics_path = c.metrics_path;
  s.scrape_interval = c.scrape_interval;
  s.scrape_timeout = c.scrape_timeout;
  s.params = c.params;
  s.relabel_configs = c.relabel_configs;
  return s;
}

ScrapeLoopOptions LoopOptionsFor(const ScrapeConfig& c) {
  ScrapeLoopOptions o;
  o.interval = c.scrape_interval;
  o.timeout = c.scrape_timeout;
  o.honor_labels = c.honor_labels;
  o.honor_timestamps = c.honor_timestamps;
  o.track_timestamps_staleness = c.track_timestamps_staleness;
  o.sample_limit = c.sample_limit;
  o.label_limit = c.label_limit;
  o.label_name_length_limit = c.label_name_length_limit;
  o.label_value_length_limit = c.label_value_length_limit;
  o.legacy_name_validation = c.metric_name_validation_scheme == "legacy";
  o.fallback_protocol = c.fallback_scrape_protocol;
  o.metric_relabel_configs = c.metric_relabel_configs;
  o.extra_scrape_metrics = c.extra_scrape_metrics;
  return o;
}

}  // namespace

std::string TargetUrl(
    const model::Labels& populated,
    const std::map<std::string, std::vector<std::string>>& params) {
  std::map<std::string, std::vector<std::string>> p = params;
  for (model::LabelView l : populated) {
    if (!absl::StartsWith(l.name, sd::kParamLabelPrefix)) continue;
    std::string k(l.name.substr(sd::kParamLabelPrefix.size()));
    std::vector<std::string>& v = p[k];
    if (v.empty()) {
      v.push_back(std::string(l.value));
    } else {
      v[0] = std::string(l.value);
    }
  }
  std::string url = absl::StrCat(populated.Get(sd::kSchemeLabel), "://",
                                 populated.Get(sd::kAddressLabel),
                                 populated.Get(sd::kMetricsPathLabel));
  std::string query;
  for (const auto& [k, vs] : p) {
    for (const std::string& v : vs) {
      absl::StrAppend(&query, query.empty() ? "" : "&", QueryEscape(k), "=",
                      QueryEscape(v));
    }
  }
  if (!query.empty()) absl::StrAppend(&url, "?", query);
  return url;
}

struct ScrapePool::LoopState {
  TargetStatus info;  // health filled on read
  ScrapeTiming timing;
  std::unique_ptr<ScrapeLoop> loop;
  absl::Mutex mu;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  bool staleness ABSL_GUARDED_BY(mu) = true;
};

ScrapePool::ScrapePool(ScrapeConfig config, storage::Appendable* appendable,
                       Scheduler* scheduler, uint64_t offset_seed,
                       std::shared_ptr<ScrapeCounters> counters, ScrapeTiming timing)
    : config_(std::move(config)),
      appendable_(appendable),
      scheduler_(scheduler),
      offset_seed_(offset_seed),
      counters_(std::move(counters)),
      timing_(timing) {}

ScrapePool::~ScrapePool() { Stop(/*write_staleness=*/false); }

void ScrapePool::Sync(const std::vector<sd::TargetGroup>& groups) {
  const absl::Time start = absl::Now();
  SyncTargets(groups);
  if (counters_ != nullptr && counters_->observe_sync) {
    counters_->observe_sync(config_.job_name, absl::Now() - start);
  }
}

void ScrapePool::SyncTargets(const std::vector<sd::TargetGroup>& groups) {
  const sd::TargetSettings settings = SettingsFor(config_);
  uint64_t failures = 0;
  absl::flat_hash_map<model::Labels, TargetStatus> wanted;
  std::vector<TargetStatus> dropped, errored;
  for (const sd::TargetGroup& g : groups) {
    for (sd::PipelineTarget& pt : sd::TargetsFromGroup(settings, g)) {
      TargetStatus ts;
      ts.job = config_.job_name;
      ts.discovered = pt.discovered;
      if (!pt.status.ok()) {
        ++failures;
        ts.error = std::string(pt.status.message());
        errored.push_back(std::move(ts));
        continue;
      }
      if (!pt.labels.has_value()) {
        dropped.push_back(std::move(ts));
        continue;
      }
      const model::Labels& full = *pt.labels;
      ts.labels = sd::TargetSeriesLabels(full);
      ts.url = TargetUrl(full, config_.params);
      absl::StatusOr<absl::Duration> iv =
          model::ParseDuration(full.Get(sd::kScrapeIntervalLabel));
      absl::StatusOr<absl::Duration> to =
          model::ParseDuration(full.Get(sd::kScrapeTimeoutLabel));
      ts.interval = iv.ok() ? *iv : config_.scrape_interval;
      ts.timeout = to.ok() ? *to : config_.scrape_timeout;
      wanted.emplace(full, std::move(ts));
    }
  }
  absl::MutexLock l(&mu_);
  if (stopped_) return;
  ++syncs_;
  sync_failures_ += failures;
  if (config_.target_limit > 0 && wanted.size() > config_.target_limit) {
    ++target_limit_hits_;
    const std::string err =
        absl::StrCat("target_limit exceeded (number of targets: ",
                     wanted.size(), ", limit: ", config_.target_limit, ")");
    for (auto& [full, ts] : wanted) {
      ts.error = err;
      errored.push_back(std::move(ts));
    }
    wanted.clear();
  }
  // Stop loops whose target is gone.
  for (auto it = loops_.begin(); it != loops_.end();) {
    if (wanted.contains(it->first)) {
      ++it;
      continue;
    }
    {
      absl::MutexLock sl(&it->second->mu);
      it->second->stopping = true;
      it->second->staleness = true;
    }
    loops_.erase(it++);
  }
  // Start new ones.
  for (auto& [full, ts] : wanted) {
    if (loops_.contains(full)) continue;
    auto s = std::make_shared<LoopState>();
    s->info = std::move(ts);
    s->timing = timing_;
    absl::StatusOr<std::unique_ptr<TargetScraper>> scraper =
        NewHttpTargetScraper(s->info.url, config_.http,
                             config_.scrape_protocols,
                             config_.enable_compression,
                             config_.body_size_limit);
    if (!scraper.ok()) {
      s->info.error = std::string(scraper.status().message());
      errored.push_back(s->info);
      continue;
    }
    ScrapeLoopOptions opts = LoopOptionsFor(config_);
    opts.counters = counters_;
    opts.interval = s->info.interval;
    opts.timeout = s->info.timeout;
    s->loop = std::make_unique<ScrapeLoop>(s->info.labels, std::move(*scraper),
                                           appendable_, std::move(opts));
    loops_.emplace(full, s);
    StartLoop(s);
  }
  dropped_ = std::move(dropped);
  if (config_.keep_dropped_targets > 0 &&
      dropped_.size() > config_.keep_dropped_targets) {
    dropped_.resize(config_.keep_dropped_targets);
  }
  errored_ = std::move(errored);
}

void ScrapePool::StartLoop(const std::shared_ptr<LoopState>& s) {
  // Prometheus's offset: ticks fall at (hash ^ seed) mod interval.
  const int64_t interval_ns = absl::ToInt64Nanoseconds(s->info.interval);
  const int64_t now_ns = absl::ToUnixNanos(absl::Now());
  const uint64_t h = s->info.labels.Hash() ^
                     std::hash<std::string>{}(s->info.url) ^ offset_seed_;
  int64_t base = interval_ns - now_ns % interval_ns;
  int64_t offset = static_cast<int64_t>(h % static_cast<uint64_t>(interval_ns));
  int64_t next = base + offset;
  if (next > interval_ns) next -= interval_ns;
  const absl::Time first = absl::FromUnixNanos(now_ns + next);
  Scheduler* sched = scheduler_;
  sched->Schedule(first, [sched, s, first] { RunTick(sched, s, first); });
}

void ScrapePool::RunTick(Scheduler* scheduler, std::shared_ptr<LoopState> s,
                         absl::Time tick) {
  {
    absl::MutexLock l(&s->mu);
    if (s->stopping) {
      if (s->staleness) {
        // Wait 10% of the interval past the tick so a target that comes
        // back can scrape first; markers carry the tick's time.
        const int64_t t_ms = model::ToMillis(tick);
        ScrapeLoop* loop = s->loop.get();
        scheduler->Schedule(tick + s->info.interval / 10, [s, loop, t_ms] {
          (void)loop->EndOfRunStaleness(t_ms);
        });
      }
      return;
    }
  }
  const absl::Duration iv = s->info.interval;
  (void)s->loop->ScrapeAndReport(ScrapeTimestampMs(s->timing, iv, tick, absl::Now()));
  absl::Time next = tick + iv;
  const absl::Time now = absl::Now();
  if (next <= now) {
    // Missed ticks (a slow scrape): skip to the next one in the grid.
    absl::Duration rem;
    next = tick + iv * (absl::IDivDuration(now - tick, iv, &rem) + 1);
  }
  scheduler->Schedule(next,
                      [scheduler, s, next] { RunTick(scheduler, s, next); });
}

int64_t ScrapeTimestampMs(const ScrapeTiming& timing, absl::Duration interval,
                          absl::Time tick, absl::Time now) {
  if (timing.align && now >= tick &&
      now - tick <= std::min(interval / 100, timing.tolerance)) {
    return model::ToMillis(tick);
  }
  return model::ToMillis(now);
}

void ScrapePool::Stop(bool write_staleness) {
  absl::MutexLock l(&mu_);
  stopped_ = true;
  for (auto& [full, s] : loops_) {
    absl::MutexLock sl(&s->mu);
    s->stopping = true;
    s->staleness = write_staleness;
  }
  loops_.clear();
}

std::vector<TargetStatus> ScrapePool::ActiveTargets() const {
  absl::MutexLock l(&mu_);
  std::vector<TargetStatus> out;
  for (const auto& [full, s] : loops_) {
    TargetStatus ts = s->info;
    ts.health = s->loop->Health();
    ts.metadata = s->loop->metadata();
    out.push_back(std::move(ts));
  }
  for (const TargetStatus& e : errored_) out.push_back(e);
  std::sort(out.begin(), out.end(),
            [](const TargetStatus& a, const TargetStatus& b) {
              return a.labels < b.labels;
            });
  return out;
}

PoolStats ScrapePool::Stats() const {
  absl::MutexLock l(&mu_);
  PoolStats st;
  st.targets = loops_.size();
  st.syncs = syncs_;
  st.sync_failures = sync_failures_;
  st.target_limit_hits = target_limit_hits_;
  for (const auto& [full, s] : loops_) {
    if (const MetadataStore* m = s->loop->metadata().get()) {
      st.metadata_entries += m->size();
    }
  }
  return st;
}

std::vector<TargetStatus> ScrapePool::DroppedTargets() const {
  absl::MutexLock l(&mu_);
  return dropped_;
}

}  // namespace vigil::scrape
