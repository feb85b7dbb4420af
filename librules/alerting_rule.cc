#include "librules/alerting_rule.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "model/matcher.h"
#include "model/value.h"

namespace vigil::rules {
namespace {

constexpr absl::string_view kAlertMetricName = "ALERTS";
constexpr absl::string_view kAlertForStateMetricName = "ALERTS_FOR_STATE";
constexpr absl::string_view kAlertNameLabel = "alertname";
constexpr absl::string_view kAlertStateLabel = "alertstate";

}  // namespace

absl::string_view AlertStateName(AlertState s) {
  switch (s) {
    case AlertState::kPending: return "pending";
    case AlertState::kFiring: return "firing";
    case AlertState::kInactive: break;
  }
  return "inactive";
}

AlertingRule::AlertingRule(AlertingRuleOptions opts)
    : Rule(opts.name, opts.expr, opts.labels), opts_(std::move(opts)) {}

absl::StatusOr<std::unique_ptr<AlertingRule>> AlertingRule::Create(
    AlertingRuleOptions options) {
  std::unique_ptr<AlertingRule> r(new AlertingRule(std::move(options)));
  std::string tname = absl::StrCat("__alert_", r->opts_.name);
  for (const model::LabelView l : r->opts_.labels) {
    absl::StatusOr<tmpl::AlertTemplate> t =
        tmpl::AlertTemplate::Parse(tname, l.value);
    if (!t.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "label ", model::QuoteString(l.name), ": ", t.status().message()));
    }
    r->label_tmpls_.emplace_back(std::string(l.name), std::move(*t));
  }
  for (const auto& [k, v] : r->opts_.annotations) {
    absl::StatusOr<tmpl::AlertTemplate> t = tmpl::AlertTemplate::Parse(tname, v);
    if (!t.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "annotation ", model::QuoteString(k), ": ", t.status().message()));
    }
    r->annotation_tmpls_.emplace_back(k, std::move(*t));
  }
  return r;
}

std::string AlertingRule::Expand(const tmpl::AlertTemplate& t,
                                 const model::Labels& l, double v,
                                 const tmpl::ExecOptions& exec) const {
  absl::StatusOr<std::string> s = t.Expand(l, opts_.external_labels, v, exec);
  if (!s.ok()) {
    return absl::StrCat("<error expanding template: ", s.status().message(),
                        ">");
  }
  return std::move(*s);
}

absl::StatusOr<promql::Vector> AlertingRule::Eval(int64_t ts_ms,
                                                  int64_t query_offset_ms,
                                                  const QueryFunc& query,
                                                  int limit) {
  const int64_t qt = ts_ms - query_offset_ms;
  absl::StatusOr<promql::Vector> res = query(expr(), qt);
  if (!res.ok()) return res.status();

  tmpl::ExecOptions exec;
  exec.external_url = opts_.external_url;
  exec.time_ms = qt;
  exec.query = [&query, qt](absl::string_view q)
      -> absl::StatusOr<std::vector<tmpl::QuerySample>> {
    absl::StatusOr<promql::Vector> v = query(q, qt);
    if (!v.ok()) return v.status();
    std::vector<tmpl::QuerySample> out;
    out.reserve(v->size());
    for (const promql::Sample& s : *v) out.push_back({s.metric, s.v});
    return out;
  };

  absl::flat_hash_map<model::Labels, Alert> fresh;
  fresh.reserve(res->size());
  model::LabelsBuilder b;
  for (const promql::Sample& s : *res) {
    b.Reset(s.metric);
    b.Del(model::kMetricName);
    for (const auto& [name, t] : label_tmpls_) {
      b.Set(name, t.is_plain_text() ? std::string(opts_.labels.Get(name))
                                    : Expand(t, s.metric, s.v, exec));
    }
    b.Set(kAlertNameLabel, name());
    Alert a;
    a.labels = b.Build();
    a.annotations.reserve(annotation_tmpls_.size());
    for (const auto& [name, t] : annotation_tmpls_) {
      a.annotations.emplace_back(name, Expand(t, s.metric, s.v, exec));
    }
    a.state = AlertState::kPending;
    a.active_at_ms = ts_ms;
    a.value = s.v;
    model::Labels key = a.labels;
    if (!fresh.emplace(std::move(key), std::move(a)).second) {
      return absl::InvalidArgumentError(
          "vector contains metrics with the same labelset after applying "
          "alert labels");
    }
  }

  absl::MutexLock lock(&mu_);
  for (auto& [key, a] : fresh) {
    auto it = active_.find(key);
    if (it != active_.end() && it->second.state != AlertState::kInactive) {
      it->second.value = a.value;
      it->second.annotations = std::move(a.annotations);
      continue;
    }
    active_[key] = std::move(a);
  }

  promql::Vector vec;
  int num_active = 0;
  const bool emit = restored_.load();
  for (auto it = active_.begin(); it != active_.end();) {
    Alert& a = it->second;
    if (!fresh.contains(it->first)) {
      bool keep_firing = false;
      if (a.state == AlertState::kFiring && opts_.keep_firing_for_ms > 0) {
        if (a.keep_firing_since_ms == kNoTime) a.keep_firing_since_ms = ts_ms;
        if (ts_ms - a.keep_firing_since_ms < opts_.keep_firing_for_ms) {
          keep_firing = true;
        }
      }
      if (a.state == AlertState::kPending ||
          (a.resolved_at_ms != kNoTime &&
           ts_ms - a.resolved_at_ms > kResolvedRetentionMs)) {
        active_.erase(it++);
        continue;
      }
      if (a.state != AlertState::kInactive && !keep_firing) {
        a.state = AlertState::kInactive;
        a.resolved_at_ms = ts_ms;
      }
      if (!keep_firing) {
        ++it;
        continue;
      }
    } else {
      a.keep_firing_since_ms = kNoTime;
    }
    ++num_active;
    if (a.state == AlertState::kPending &&
        ts_ms - a.active_at_ms >= opts_.hold_ms) {
      a.state = AlertState::kFiring;
      a.fired_at_ms = ts_ms;
    }
    if (emit) {
      model::LabelsBuilder sb(a.labels);
      sb.Set(model::kMetricName, kAlertMetricName);
      sb.Set(kAlertStateLabel, AlertStateName(a.state));
      vec.push_back({sb.Build(), qt, 1});
      sb.Reset(a.labels);
      sb.Set(model::kMetricName, kAlertForStateMetricName);
      vec.push_back({sb.Build(), qt,
                     static_cast<double>(
                         a.active_at_ms >= 0 ? a.active_at_ms / 1000
                                             : -((-a.active_at_ms + 999) / 1000))});
    }
    ++it;
  }
  if (limit > 0 && num_active > limit) {
    active_.clear();
    return absl::InvalidArgumentError(absl::StrCat(
        "exceeded limit of ", limit, " with ", num_active, " alerts"));
  }
  return vec;
}

std::vector<Alert> AlertingRule::AlertsToSend(int64_t ts_ms,
                                              int64_t resend_delay_ms,
                                              int64_t interval_ms) {
  std::vector<Alert> out;
  absl::MutexLock lock(&mu_);
  for (auto& [key, a] : active_) {
    if (a.state == AlertState::kPending) continue;
    bool due = a.last_sent_at_ms == kNoTime ||
               a.resolved_at_ms > a.last_sent_at_ms ||
               a.last_sent_at_ms + resend_delay_ms < ts_ms;
    if (!due) continue;
    a.last_sent_at_ms = ts_ms;
    a.valid_until_ms = ts_ms + 4 * std::max(interval_ms, resend_delay_ms);
    out.push_back(a);
  }
  std::sort(out.begin(), out.end(), [](const Alert& x, const Alert& y) {
    return x.labels < y.labels;
  });
  return out;
}

std::vector<Alert> AlertingRule::ActiveAlerts() const {
  std::vector<Alert> out;
  {
    absl::MutexLock lock(&mu_);
    out.reserve(active_.size());
    for (const auto& [k, a] : active_) out.push_back(a);
  }
  std::sort(out.begin(), out.end(), [](const Alert& x, const Alert& y) {
    return x.labels < y.labels;
  });
  return out;
}

AlertState AlertingRule::state() const {
  absl::MutexLock lock(&mu_);
  AlertState s = AlertState::kInactive;
  for (const auto& [k, a] : active_) {
    if (static_cast<int>(a.state) > static_cast<int>(s)) s = a.state;
  }
  return s;
}

void AlertingRule::CopyStateFrom(const AlertingRule& old) {
  if (&old == this) return;
  absl::MutexLock l1(&old.mu_);
  absl::MutexLock l2(&mu_);
  active_ = old.active_;
  // Annotations may have changed with the new rule; the next Eval updates
  // them.
}

absl::Status AlertingRule::RestoreForState(storage::Querier* querier,
                                           int64_t ts_ms,
                                           int64_t grace_period_ms) {
  if (opts_.hold_ms < grace_period_ms) {
    // Restoring could only delay firing past `for`; Prometheus skips it.
    set_restored(true);
    return absl::OkStatus();
  }
  std::vector<model::Matcher> ms;
  ms.push_back(model::Matcher::Equal(model::kMetricName,
                                     kAlertForStateMetricName));
  ms.push_back(model::Matcher::Equal(kAlertNameLabel, name()));
  for (const model::LabelView l : labels()) {
    // Templated values differ per alert; Prometheus matches them literally
    // (so restoring fails for such rules), Vigil leaves them out.
    if (l.name == kAlertNameLabel || absl::StrContains(l.value, "{{")) continue;
    ms.push_back(model::Matcher::Equal(l.name, l.value));
  }
  std::unique_ptr<storage::SeriesSet> set = querier->Select(false, nullptr, ms);
  // Last sample of each series, keyed by its labels minus __name__.
  absl::flat_hash_map<model::Labels, std::pair<int64_t, double>> last;
  while (set->Next()) {
    model::LabelsBuilder b(set->labels());
    b.Del(model::kMetricName);
    std::unique_ptr<storage::SampleIterator> it = set->NewIterator();
    bool any = false;
    int64_t t = 0;
    double v = 0;
    while (it->Next()) {
      t = it->timestamp();
      v = it->value();
      any = true;
    }
    if (!it->status().ok()) return it->status();
    if (any) last[b.Build()] = {t, v};
  }
  if (!set->status().ok()) return set->status();

  absl::MutexLock lock(&mu_);
  for (auto& [key, a] : active_) {
    auto f = last.find(a.labels);
    if (f == last.end()) continue;
    auto [t, v] = f->second;
    if (model::IsStaleNaN(v) || std::isnan(v)) continue;
    int64_t down_at = (t / 1000) * 1000;
    int64_t restored_active_at = static_cast<int64_t>(v) * 1000;
    int64_t spent_pending = down_at - restored_active_at;
    int64_t remaining = opts_.hold_ms - spent_pending;
    if (remaining <= 0) {
      // Was firing when we went down; the next Eval fires it again.
    } else if (remaining < grace_period_ms) {
      restored_active_at = ts_ms + grace_period_ms - opts_.hold_ms;
    } else {
      restored_active_at += ts_ms - down_at;
    }
    a.active_at_ms = restored_active_at;
  }
  set_restored(true);
  return absl::OkStatus();
}

}  // namespace vigil::rules
