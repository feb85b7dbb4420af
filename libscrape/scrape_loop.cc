#include "libscrape/scrape_loop.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libscrape/textparse/parser.h"
#include "model/status_macros.h"
#include "model/value.h"

namespace vigil::scrape {
namespace {

// The five report series, then the three of `extra_scrape_metrics`.
constexpr int kNumReport = 5;
constexpr int kNumExtraReport = 8;
constexpr absl::string_view kReportNames[kNumExtraReport] = {
    "up",
    "scrape_duration_seconds",
    "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling",
    "scrape_series_added",
    "scrape_timeout_seconds",
    "scrape_sample_limit",
    "scrape_body_size_bytes"};

// Go's %.50s: at most 50 bytes (names here are mostly ASCII).
absl::string_view Trunc50(absl::string_view s) { return s.substr(0, 50); }

class HttpTargetScraper final : public TargetScraper {
 public:
  HttpTargetScraper(std::unique_ptr<HttpScraper> http, ScrapeRequest req)
      : http_(std::move(http)), req_(std::move(req)) {}

  absl::Status Scrape(absl::Duration timeout, ScrapeResponse* resp) override {
    req_.timeout = timeout;
    return http_->Scrape(req_, resp);
  }

 private:
  std::unique_ptr<HttpScraper> http_;
  ScrapeRequest req_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<TargetScraper>> NewHttpTargetScraper(
    std::string url, const HttpClientConfig& http,
    std::vector<textparse::ScrapeProtocol> protocols, bool enable_compression,
    uint64_t body_size_limit) {
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<HttpScraper> client,
                         HttpScraper::Create(http));
  ScrapeRequest req;
  req.url = std::move(url);
  req.accept = textparse::AcceptHeader(protocols);
  req.enable_compression = enable_compression;
  req.body_size_limit = body_size_limit;
  return std::unique_ptr<TargetScraper>(
      new HttpTargetScraper(std::move(client), std::move(req)));
}

ScrapeLoop::ScrapeLoop(model::Labels target_labels,
                       std::unique_ptr<TargetScraper> scraper,
                       storage::Appendable* appendable,
                       ScrapeLoopOptions options)
    : target_labels_(std::move(target_labels)),
      scraper_(std::move(scraper)),
      appendable_(appendable),
      options_(std::move(options)) {
  if (options_.metadata_limit > 0) {
    metadata_ = std::make_shared<MetadataStore>(options_.metadata_limit);
  }
  for (int i = 0; i < kNumExtraReport; ++i) {
    model::LabelsBuilder b(target_labels_);
    b.Set(model::kMetricName, kReportNames[i]);
    report_[i].labels = b.Build();
  }
}

absl::StatusOr<std::optional<model::Labels>> ScrapeLoop::MutateLabels(
    const model::Labels& scraped) const {
  model::LabelsBuilder lb(scraped);
  if (options_.honor_labels) {
    for (model::LabelView t : target_labels_) {
      if (scraped.Get(t.name).empty()) lb.Set(t.name, t.value);
    }
  } else {
    std::vector<std::pair<std::string, std::string>> conflicting;
    for (model::LabelView t : target_labels_) {
      absl::string_view existing = scraped.Get(t.name);
      if (!existing.empty()) {
        conflicting.emplace_back(std::string(t.name), std::string(existing));
      }
      lb.Set(t.name, t.value);
    }
    std::stable_sort(conflicting.begin(), conflicting.end(),
                     [](const auto& a, const auto& b) {
                       return a.first.size() < b.first.size();
                     });
    for (const auto& [name, value] : conflicting) {
      std::string new_name = name;
      for (int guard = 0; guard < 64; ++guard) {
        new_name = absl::StrCat("exported_", new_name);
        if (lb.Get(new_name).empty()) {
          lb.Set(new_name, value);
          break;
        }
      }
    }
  }
  model::Labels mutated = lb.Build();
  if (options_.metric_relabel_configs.empty()) return {std::move(mutated)};
  return sd::Process(mutated, options_.metric_relabel_configs);
}

absl::Status ScrapeLoop::CheckLimits(const model::Labels& l) const {
  absl::string_view metric = l.MetricName();
  if (metric.empty()) {
    return absl::InvalidArgumentError("missing metric name (__name__ label)");
  }
  bool valid = true;
  for (model::LabelView lv : l) {
    if (options_.legacy_name_validation) {
      valid = lv.name == model::kMetricName
                  ? model::IsValidLegacyMetricName(lv.value)
                  : model::IsValidLegacyLabelName(lv.name);
    } else {
      valid = model::IsValidLabelName(lv.name) && model::IsValidUtf8(lv.value);
    }
    if (!valid) break;
  }
  if (!valid) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid metric name or label names: ", l.ToString()));
  }
  if (options_.label_limit > 0 && l.size() > options_.label_limit) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "label_limit exceeded (metric: %s, number of labels: %d, limit: %d)",
        Trunc50(metric), l.size(), options_.label_limit));
  }
  if (options_.label_name_length_limit == 0 &&
      options_.label_value_length_limit == 0) {
    return absl::OkStatus();
  }
  for (model::LabelView lv : l) {
    if (options_.label_name_length_limit > 0 &&
        lv.name.size() > options_.label_name_length_limit) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "label_name_length_limit exceeded (metric: %s, label name: %s, "
          "length: %d, limit: %d)",
          Trunc50(metric), Trunc50(lv.name), lv.name.size(),
          options_.label_name_length_limit));
    }
    if (options_.label_value_length_limit > 0 &&
        lv.value.size() > options_.label_value_length_limit) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "label_value_length_limit exceeded (metric: %s, label name: %s, "
          "value: %s, length: %d, limit: %d)",
          Trunc50(metric), Trunc50(lv.name),
          model::QuoteString(Trunc50(lv.value)), lv.value.size(),
          options_.label_value_length_limit));
    }
  }
  return absl::OkStatus();
}

void ScrapeLoop::CollectMetadata(const textparse::Parser& p,
                                 textparse::Entry e, absl::string_view body) {
  // Views into the body stay valid until AppendSamples returns; anything
  // else (an unescaped copy in the parser) is copied.
  auto stable = [&](absl::string_view v) -> absl::string_view {
    if (v.empty() || (v.data() >= body.data() &&
                      v.data() + v.size() <= body.data() + body.size())) {
      return v;
    }
    meta_scratch_.emplace_back(v.data(), v.size());
    return meta_scratch_.back();
  };
  MetadataStore::Update u;
  switch (e) {
    case textparse::Entry::kType:
      u.kind = MetadataStore::Update::Kind::kType;
      u.type = p.Type();
      break;
    case textparse::Entry::kHelp:
      u.kind = MetadataStore::Update::Kind::kHelp;
      u.text = stable(p.Help());
      break;
    case textparse::Entry::kUnit:
      u.kind = MetadataStore::Update::Kind::kUnit;
      u.text = stable(p.Unit());
      break;
    default:
      return;
  }
  u.metric = stable(p.MetaName());
  meta_updates_.push_back(u);
}

absl::Status ScrapeLoop::AppendSamples(storage::Appender* app,
                                       absl::string_view body,
                                       absl::string_view content_type,
                                       int64_t now_ms, ScrapeStats* stats) {
  absl::StatusOr<textparse::FormatChoice> choice =
      textparse::SelectFormat(content_type, options_.fallback_protocol);
  if (!choice.ok()) {
    // An empty body needs no format (Prometheus accepts it).
    if (body.empty()) return absl::OkStatus();
    return choice.status();
  }
  textparse::ParserOptions popts;
  popts.normalize_le_quantile = options_.normalize_le_quantile;
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<textparse::Parser> p,
                         textparse::NewParser(choice->format, body, popts));
  model::Labels scraped;
  bool limit_exceeded = false;
  meta_updates_.clear();
  meta_scratch_.clear();
  for (;;) {
    textparse::Entry e = p->Next();
    if (e == textparse::Entry::kEOF) break;
    if (e == textparse::Entry::kError) return p->status();
    if (e != textparse::Entry::kSeries) {
      if (metadata_ != nullptr) CollectMetadata(*p, e, body);
      continue;
    }
    ++stats->samples_scraped;
    const absl::string_view key = p->Series();
    CacheEntry* ce;
    bool is_new = false;
    auto it = cache_.find(key);
    if (it == cache_.end()) {
      VIGIL_RETURN_IF_ERROR(p->BuildLabels(&scraped));
      VIGIL_ASSIGN_OR_RETURN(std::optional<model::Labels> final_labels,
                             MutateLabels(scraped));
      if (final_labels.has_value()) {
        absl::Status limits = CheckLimits(*final_labels);
        if (!limits.ok()) {
          stats->label_limits_exceeded =
              absl::StartsWith(limits.message(), "label_");
          return limits;
        }
      }
      auto ins = cache_.emplace(std::string(key), CacheEntry{});
      created_.push_back(ins.first->first);
      ce = &ins.first->second;
      if (!final_labels.has_value()) {
        ce->dropped = true;
        cur_.push_back(ce);
        continue;
      }
      ce->labels = std::move(*final_labels);
      is_new = true;
    } else {
      ce = &it->second;
      if (ce->dropped) {
        cur_.push_back(ce);
        continue;
      }
    }
    // Past the limit keep counting (Prometheus reports every sample left
    // after relabeling); the scrape fails below.
    ++stats->samples_post_relabel;
    if (options_.sample_limit > 0 &&
        stats->samples_post_relabel > options_.sample_limit) {
      limit_exceeded = true;
      continue;
    }
    cur_.push_back(ce);
    int64_t t = now_ms;
    const bool own_ts = p->HasTimestamp() && options_.honor_timestamps;
    if (own_ts) t = p->TimestampMs();
    ce->track_stale = !own_ts || options_.track_timestamps_staleness;
    absl::StatusOr<storage::SeriesRef> r =
        app->Append(ce->ref, ce->labels, t, p->Value());
    if (r.ok()) {
      ce->ref = *r;
      if (is_new) ++stats->series_added;
      continue;
    }
    switch (storage::ClassifyAppendError(r.status())) {
      case storage::AppendError::kOutOfOrder:
        ++stats->out_of_order;
        break;
      case storage::AppendError::kDuplicate:
        ++stats->duplicates;
        break;
      case storage::AppendError::kOutOfBounds:
      case storage::AppendError::kTooFarInFuture:  // Prometheus: ErrOutOfBounds
        ++stats->out_of_bounds;
        break;
      default:
        return r.status();
    }
  }
  if (limit_exceeded) {
    return absl::ResourceExhaustedError("sample limit exceeded");
  }
  if (metadata_ != nullptr) metadata_->Apply(meta_updates_);
  return absl::OkStatus();
}

void ScrapeLoop::FinishIteration(storage::Appender* app, bool success,
                                 int64_t now_ms, ScrapeStats* stats) {
  if (success) {
    for (CacheEntry* e : cur_) e->seen_iter = iter_;
  } else {
    for (const std::string& k : created_) cache_.erase(k);
  }
  cur_.clear();
  created_.clear();
  const double stale = model::StaleNaN();
  for (auto it = cache_.begin(); it != cache_.end();) {
    CacheEntry& e = it->second;
    if (e.seen_iter == iter_) {
      ++it;
      continue;
    }
    if (e.seen_iter + 1 == iter_ && e.seen_iter > 0) {
      if (!e.dropped && e.track_stale) {
        absl::StatusOr<storage::SeriesRef> r =
            app->Append(e.ref, e.labels, now_ms, stale);
        if (r.ok()) {
          e.ref = *r;
          ++stats->stale_markers;
        }
      }
      ++it;
      continue;
    }
    cache_.erase(it++);
  }
}

void ScrapeLoop::AppendReport(storage::Appender* app, int64_t now_ms, bool up,
                              absl::Duration duration, const ScrapeStats& stats,
                              int64_t body_bytes) {
  const double values[kNumExtraReport] = {
      up ? 1.0 : 0.0,
      absl::ToDoubleSeconds(duration),
      static_cast<double>(stats.samples_scraped),
      static_cast<double>(stats.samples_post_relabel),
      static_cast<double>(stats.series_added),
      absl::ToDoubleSeconds(options_.timeout),
      static_cast<double>(options_.sample_limit),
      static_cast<double>(body_bytes)};
  const int n = options_.extra_scrape_metrics ? kNumExtraReport : kNumReport;
  for (int i = 0; i < n; ++i) {
    absl::StatusOr<storage::SeriesRef> r =
        app->Append(report_[i].ref, report_[i].labels, now_ms, values[i]);
    if (r.ok()) report_[i].ref = *r;
  }
  reported_ = true;
}

absl::Status ScrapeLoop::AppendBody(absl::string_view body,
                                    absl::string_view content_type,
                                    int64_t now_ms, ScrapeStats* stats) {
  ++iter_;
  std::unique_ptr<storage::Appender> app = appendable_->NewAppender();
  absl::Status st = AppendSamples(app.get(), body, content_type, now_ms, stats);
  if (!st.ok()) {
    (void)app->Rollback();
    app = appendable_->NewAppender();
  }
  FinishIteration(app.get(), st.ok(), now_ms, stats);
  absl::Status commit = app->Commit();
  return st.ok() ? commit : st;
}

absl::Status ScrapeLoop::ScrapeAndReport(int64_t now_ms, ScrapeStats* out) {
  ScrapeStats stats;
  ++iter_;
  const absl::Time start = absl::Now();
  if (options_.counters != nullptr && options_.counters->observe_interval &&
      last_start_ != absl::InfinitePast()) {
    options_.counters->observe_interval(options_.interval, start - last_start_);
  }
  last_start_ = start;
  absl::Status st =
      scraper_ != nullptr
          ? scraper_->Scrape(options_.timeout, &resp_)
          : absl::FailedPreconditionError("scrape loop has no scraper");
  const absl::Duration duration = absl::Now() - start;
  std::unique_ptr<storage::Appender> app = appendable_->NewAppender();
  if (st.ok()) {
    st = AppendSamples(app.get(), resp_.body, resp_.content_type, now_ms,
                       &stats);
    if (!st.ok()) {
      (void)app->Rollback();
      app = appendable_->NewAppender();
    }
  }
  FinishIteration(app.get(), st.ok(), now_ms, &stats);
  // Prometheus reports -1 bytes when the body limit cut the scrape.
  const int64_t body_bytes =
      st.code() == absl::StatusCode::kResourceExhausted &&
              st.message() == "body size limit exceeded"
          ? -1
          : static_cast<int64_t>(resp_.body.size());
  AppendReport(app.get(), now_ms, st.ok(), duration, stats, body_bytes);
  absl::Status commit = app->Commit();
  if (ScrapeCounters* c = options_.counters.get()) {
    const bool sample_limit = st.code() == absl::StatusCode::kResourceExhausted &&
                              st.message() == "sample limit exceeded";
    if (sample_limit) c->exceeded_sample_limit.fetch_add(1, std::memory_order_relaxed);
    if (body_bytes < 0) c->exceeded_body_size_limit.fetch_add(1, std::memory_order_relaxed);
    if (stats.label_limits_exceeded) {
      c->exceeded_label_limits.fetch_add(1, std::memory_order_relaxed);
    }
    if (stats.out_of_order > 0) {
      c->sample_out_of_order.fetch_add(stats.out_of_order, std::memory_order_relaxed);
    }
    if (stats.duplicates > 0) {
      c->sample_duplicate_timestamp.fetch_add(stats.duplicates, std::memory_order_relaxed);
    }
    if (stats.out_of_bounds > 0) {
      c->sample_out_of_bounds.fetch_add(stats.out_of_bounds, std::memory_order_relaxed);
    }
  }
  {
    absl::MutexLock l(&health_mu_);
    health_.state = st.ok() ? TargetHealthState::kUp : TargetHealthState::kDown;
    // A scrape that worked but could not be stored (a full disk, say)
    // says so on the targets page; Prometheus only logs it.
    health_.last_error = !st.ok()       ? std::string(st.message())
                         : commit.ok() ? ""
                                       : absl::StrCat("storing the scrape failed: ", commit.message());
    health_.last_scrape_ms = now_ms;
    health_.last_scrape_duration = duration;
    health_.last_samples = stats.samples_scraped;
  }
  if (out != nullptr) *out = stats;
  return st.ok() ? commit : st;
}

absl::Status ScrapeLoop::EndOfRunStaleness(int64_t t_ms) {
  if (ended_) return absl::OkStatus();
  ended_ = true;
  std::unique_ptr<storage::Appender> app = appendable_->NewAppender();
  const double stale = model::StaleNaN();
  if (iter_ > 0) {
    for (auto& [key, e] : cache_) {
      if (e.seen_iter == iter_ && !e.dropped && e.track_stale) {
        (void)app->Append(e.ref, e.labels, t_ms, stale);
      }
    }
  }
  if (reported_) {
    const int n = options_.extra_scrape_metrics ? kNumExtraReport : kNumReport;
    for (int i = 0; i < n; ++i) {
      (void)app->Append(report_[i].ref, report_[i].labels, t_ms, stale);
    }
  }
  return app->Commit();
}

TargetHealth ScrapeLoop::Health() const {
  absl::MutexLock l(&health_mu_);
  return health_;
}

}  // namespace vigil::scrape
