#include "librules/group.h"

#include <utility>

#include "model/timestamp.h"
#include "model/value.h"

namespace vigil::rules {
namespace {

void Count(const absl::Status& s, AppendCounts* counts) {
  switch (storage::ClassifyAppendError(s)) {
    case storage::AppendError::kOutOfOrder: ++counts->out_of_order; break;
    case storage::AppendError::kOutOfBounds:
    case storage::AppendError::kTooFarInFuture: ++counts->out_of_bounds; break;
    case storage::AppendError::kDuplicate: ++counts->duplicate; break;
    default: ++counts->other; break;
  }
}

}  // namespace

Group::Group(std::string name, std::string file, int64_t interval_ms,
             int limit, int64_t query_offset_ms,
             std::vector<std::unique_ptr<Rule>> rules, GroupOptions options)
    : name_(std::move(name)),
      file_(std::move(file)),
      interval_ms_(interval_ms > 0 ? interval_ms : 60000),
      limit_(limit),
      query_offset_ms_(query_offset_ms),
      rules_(std::move(rules)),
      opts_(std::move(options)),
      prev_series_(rules_.size()) {
  if (opts_.restore_for_state && opts_.queryable != nullptr) {
    for (auto& r : rules_) {
      if (r->is_alerting()) static_cast<AlertingRule*>(r.get())->set_restored(false);
    }
  } else {
    opts_.restore_for_state = false;
  }
}

Group::~Group() { Stop(false); }

int64_t Group::Now() const {
  return opts_.now_ms ? opts_.now_ms() : model::NowMillis();
}

int64_t Group::EvalTimestamp(int64_t now_ms) const {
  model::Labels l = model::Labels::FromPairs({{"name", name_}, {"file", file_}});
  int64_t offset = static_cast<int64_t>(l.Hash() % static_cast<uint64_t>(interval_ms_));
  int64_t adj = now_ms - offset;
  int64_t mod = adj % interval_ms_;
  if (mod < 0) mod += interval_ms_;
  return adj - mod + offset;
}

void Group::AppendStale(const std::vector<model::Labels>& series,
                        int64_t t_ms) {
  if (opts_.appendable == nullptr || series.empty()) return;
  std::unique_ptr<storage::Appender> app = opts_.appendable->NewAppender();
  for (const model::Labels& l : series) {
    // Out-of-order/duplicate errors are expected when another rule now
    // produces the series; they are ignored as in Prometheus.
    (void)app->Append(0, l, t_ms, model::StaleNaN());
  }
  (void)app->Commit();
}

void Group::Eval(int64_t ts_ms) {
  absl::Time start = absl::Now();
  AppendCounts counts;
  int64_t samples = 0;
  for (size_t i = 0; i < rules_.size(); ++i) {
    Rule* rule = rules_[i].get();
    absl::Time rstart = absl::Now();
    evaluations_.fetch_add(1);
    absl::StatusOr<promql::Vector> vec =
        rule->Eval(ts_ms, query_offset_ms_, opts_.query, limit_);
    if (opts_.observe_rule_eval) opts_.observe_rule_eval(absl::Now() - rstart);
    if (!vec.ok()) {
      failures_.fetch_add(1);
      rule->SetEvalStatus(vec.status(), ts_ms, absl::Now() - rstart);
      continue;
    }
    samples += static_cast<int64_t>(vec->size());
    if (rule->is_alerting() && opts_.notify) {
      std::vector<Alert> due = static_cast<AlertingRule*>(rule)->AlertsToSend(
          ts_ms, opts_.resend_delay_ms, interval_ms_);
      if (!due.empty()) opts_.notify(rule->expr(), due);
    }
    absl::Status status;
    absl::flat_hash_set<model::Labels> returned;
    returned.reserve(vec->size());
    if (opts_.appendable != nullptr) {
      std::unique_ptr<storage::Appender> app = opts_.appendable->NewAppender();
      for (const promql::Sample& s : *vec) {
        absl::StatusOr<storage::SeriesRef> r =
            app->Append(0, s.metric, s.t, s.v);
        if (!r.ok()) {
          status = r.status();
          Count(r.status(), &counts);
          continue;
        }
        returned.insert(s.metric);
      }
      for (const model::Labels& l : prev_series_[i]) {
        if (!returned.contains(l)) {
          (void)app->Append(0, l, ts_ms - query_offset_ms_, model::StaleNaN());
        }
      }
      absl::Status c = app->Commit();
      if (!c.ok()) {
        // Storages may check order only at commit.
        status = c;
        Count(c, &counts);
      }
    } else {
      for (const promql::Sample& s : *vec) returned.insert(s.metric);
    }
    prev_series_[i] = std::move(returned);
    rule->SetEvalStatus(status, ts_ms, absl::Now() - rstart);
  }
  if (!stale_series_.empty()) {
    AppendStale(stale_series_, ts_ms - query_offset_ms_);
    stale_series_.clear();
  }
  iterations_.fetch_add(1);
  last_samples_.store(samples);
  absl::Duration took = absl::Now() - start;
  if (opts_.observe_group_eval) opts_.observe_group_eval(took);
  if (took > absl::Milliseconds(interval_ms_)) slow_.fetch_add(1);
  absl::MutexLock l(&mu_);
  last_eval_ms_ = ts_ms;
  eval_duration_ = took;
  append_errors_.out_of_order += counts.out_of_order;
  append_errors_.out_of_bounds += counts.out_of_bounds;
  append_errors_.duplicate += counts.duplicate;
  append_errors_.other += counts.other;
}

void Group::RestoreForState(int64_t ts_ms) {
  if (opts_.queryable == nullptr) return;
  absl::StatusOr<std::unique_ptr<storage::Querier>> q =
      opts_.queryable->NewQuerier(ts_ms - opts_.outage_tolerance_ms, ts_ms);
  for (auto& r : rules_) {
    if (!r->is_alerting()) continue;
    auto* ar = static_cast<AlertingRule*>(r.get());
    if (!q.ok()) {
      ar->set_restored(true);
      continue;
    }
    absl::Status s = ar->RestoreForState(q->get(), ts_ms, opts_.for_grace_period_ms);
    if (!s.ok()) ar->set_restored(true);
  }
}

void Group::CopyState(Group& old) {
  // Rules are matched by name and labels, in order among duplicates.
  std::vector<bool> used(old.rules_.size(), false);
  for (size_t i = 0; i < rules_.size(); ++i) {
    for (size_t j = 0; j < old.rules_.size(); ++j) {
      if (used[j]) continue;
      const Rule& o = *old.rules_[j];
      if (o.name() != rules_[i]->name() || o.labels() != rules_[i]->labels()) {
        continue;
      }
      used[j] = true;
      prev_series_[i] = old.prev_series_[j];
      if (rules_[i]->is_alerting() && o.is_alerting()) {
        static_cast<AlertingRule*>(rules_[i].get())
            ->CopyStateFrom(static_cast<const AlertingRule&>(o));
      }
      break;
    }
  }
  stale_series_ = old.stale_series_;
  for (size_t j = 0; j < old.rules_.size(); ++j) {
    if (used[j]) continue;
    for (const model::Labels& l : old.prev_series_[j]) stale_series_.push_back(l);
  }
  old.prev_series_.assign(old.rules_.size(), {});
  iterations_.store(old.iterations_.load());
  missed_.store(old.missed_.load());
  slow_.store(old.slow_.load());
  failures_.store(old.failures_.load());
  evaluations_.store(old.evaluations_.load());
  last_samples_.store(old.last_samples_.load());
  absl::MutexLock l(&mu_);
  absl::MutexLock ol(&old.mu_);
  last_eval_ms_ = old.last_eval_ms_;
  eval_duration_ = old.eval_duration_;
}

void Group::Start() {
  absl::MutexLock l(&mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void Group::Stop(bool mark_stale) {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  if (mark_stale) {
    std::vector<model::Labels> all;
    for (auto& set : prev_series_) {
      for (const model::Labels& s : set) all.push_back(s);
      set.clear();
    }
    AppendStale(all, Now());
  }
}

void Group::Run() {
  // Wait for the first grid point after now.
  auto wait_until = [this](int64_t target_ms) {
    // Returns true when stopped. Waits in wall time.
    absl::MutexLock l(&mu_);
    while (!stopping_) {
      int64_t now = Now();
      if (now >= target_ms) return false;
      mu_.AwaitWithTimeout(absl::Condition(&stopping_),
                           absl::Milliseconds(std::min<int64_t>(target_ms - now, 1000)));
    }
    return true;
  };
  int64_t eval_ts = EvalTimestamp(Now()) + interval_ms_;
  if (wait_until(eval_ts)) return;
  while (true) {
    Eval(eval_ts);
    if (opts_.restore_for_state && --evals_before_restore_ == 0) {
      RestoreForState(Now());
      opts_.restore_for_state = false;
    }
    int64_t next = eval_ts + interval_ms_;
    if (wait_until(next)) return;
    int64_t missed = (Now() - next) / interval_ms_;
    if (missed > 0) {
      missed_.fetch_add(missed);
      next += missed * interval_ms_;
    }
    eval_ts = next;
  }
}

int64_t Group::last_eval_ms() const {
  absl::MutexLock l(&mu_);
  return last_eval_ms_;
}

absl::Duration Group::eval_duration() const {
  absl::MutexLock l(&mu_);
  return eval_duration_;
}

AppendCounts Group::append_errors() const {
  absl::MutexLock l(&mu_);
  return append_errors_;
}

}  // namespace vigil::rules
