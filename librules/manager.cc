#include "librules/manager.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "librules/expr_check.h"
#include "librules/recording_rule.h"
#include "librules/template/functions.h"

namespace vigil::rules {
namespace {

void AppendPairs(const std::vector<std::pair<std::string, std::string>>& v,
                 std::string* out) {
  for (const auto& [k, val] : v) {
    absl::StrAppend(out, k.size(), ":", k, val.size(), ":", val);
  }
  out->push_back(';');
}

// Everything that makes a built group behave differently, length-prefixed.
std::string Fingerprint(const RuleGroupNode& g, int64_t interval_ms,
                        int64_t offset_ms, const ManagerOptions& o) {
  std::string f = absl::StrCat(g.name.size(), ":", g.name, "|", interval_ms,
                               "|", offset_ms, "|", g.limit, "|");
  AppendPairs(g.labels, &f);
  for (const RuleNode& r : g.rules) {
    absl::StrAppend(&f, "R", r.record.size(), ":", r.record, r.alert.size(),
                    ":", r.alert, r.expr.size(), ":", r.expr, "|", r.for_ms,
                    "|", r.keep_firing_for_ms, "|");
    AppendPairs(r.labels, &f);
    AppendPairs(r.annotations, &f);
  }
  absl::StrAppend(&f, "E", o.external_labels.ToString(), "|",
                  o.external_url.size(), ":", o.external_url);
  return f;
}

}  // namespace

absl::StatusOr<std::vector<std::unique_ptr<Group>>> BuildGroups(
    const std::vector<RuleFile>& files, const ManagerOptions& options,
    bool restore_for_state) {
  std::vector<std::unique_ptr<Group>> out;
  std::vector<std::string> errs;
  const auto& check_expr = options.file_options.check_expr;
  for (const RuleFile& f : files) {
    for (const RuleGroupNode& g : f.groups) {
      if (check_expr) {
        for (size_t i = 0; i < g.rules.size(); ++i) {
          const RuleNode& r = g.rules[i];
          absl::Status s = check_expr(r.expr);
          if (s.ok()) continue;
          std::string at = r.expr_pos.line > 0
                               ? absl::StrCat(r.expr_pos.line, ":",
                                              r.expr_pos.column, ": ")
                               : "";
          errs.push_back(absl::StrCat(
              f.path, ": ", at, "group ", model::QuoteString(g.name),
              ", rule ", i + 1, ", ", model::QuoteString(r.name()),
              ": could not parse expression: ", s.message()));
        }
      }
      std::vector<std::unique_ptr<Rule>> rules;
      for (size_t i = 0; i < g.rules.size(); ++i) {
        const RuleNode& r = g.rules[i];
        std::vector<std::pair<std::string, std::string>> lp = g.labels;
        for (const auto& kv : r.labels) lp.push_back(kv);  // rule labels win
        model::Labels labels = model::Labels::FromPairs(lp);
        if (!r.is_alert()) {
          rules.push_back(
              std::make_unique<RecordingRule>(r.record, r.expr, labels));
          continue;
        }
        AlertingRuleOptions ao;
        ao.name = r.alert;
        ao.expr = r.expr;
        ao.hold_ms = r.for_ms;
        ao.keep_firing_for_ms = r.keep_firing_for_ms;
        ao.labels = labels;
        ao.annotations = r.annotations;
        ao.external_labels = options.external_labels;
        ao.external_url = options.external_url;
        absl::StatusOr<std::unique_ptr<AlertingRule>> ar =
            AlertingRule::Create(std::move(ao));
        if (!ar.ok()) {
          errs.push_back(absl::StrCat(f.path, ": group ",
                                      model::QuoteString(g.name), ", rule ",
                                      i + 1, ", ", model::QuoteString(r.alert),
                                      ": ", ar.status().message()));
          continue;
        }
        rules.push_back(std::move(*ar));
      }
      GroupOptions go;
      go.query = options.query;
      go.appendable = options.appendable;
      go.queryable = options.queryable;
      go.notify = options.notify;
      go.resend_delay_ms = options.resend_delay_ms;
      go.outage_tolerance_ms = options.outage_tolerance_ms;
      go.for_grace_period_ms = options.for_grace_period_ms;
      go.restore_for_state = restore_for_state;
      go.now_ms = options.now_ms;
      go.observe_rule_eval = options.observe_rule_eval;
      go.observe_group_eval = options.observe_group_eval;
      const int64_t interval = g.interval_ms.value_or(options.default_interval_ms);
      const int64_t offset =
          g.query_offset_ms.value_or(options.default_query_offset_ms);
      auto group = std::make_unique<Group>(g.name, f.path, interval, g.limit,
                                           offset, std::move(rules), std::move(go));
      group->set_fingerprint(Fingerprint(g, interval, offset, options));
      out.push_back(std::move(group));
    }
  }
  if (!errs.empty()) return absl::InvalidArgumentError(absl::StrJoin(errs, "\n"));
  return out;
}

Manager::Manager(ManagerOptions options) : opts_(std::move(options)) {
  if (!opts_.file_options.check_expr) {
    opts_.file_options.check_expr = CheckPromQLExpr;
  }
}

Manager::~Manager() { Stop(); }

absl::Status Manager::Update(const std::vector<std::string>& patterns) {
  return Update(patterns, globals());
}

absl::Status Manager::Update(const std::vector<std::string>& patterns,
                             const Globals& globals) {
  RuleFileOptions fo;
  {
    absl::MutexLock l(&mu_);
    fo = opts_.file_options;
  }
  // LoadRuleFiles validates every file, expressions included, before the
  // running groups are touched.
  absl::StatusOr<std::vector<RuleFile>> files = LoadRuleFiles(patterns, fo);
  if (!files.ok()) return files.status();
  return Install(*files, globals, /*exprs_checked=*/true);
}

Manager::Globals Manager::globals() const {
  absl::MutexLock l(&mu_);
  return {opts_.default_interval_ms, opts_.default_query_offset_ms,
          opts_.external_labels};
}

absl::Status Manager::UpdateFromFiles(const std::vector<RuleFile>& files) {
  return UpdateFromFiles(files, globals());
}

absl::Status Manager::UpdateFromFiles(const std::vector<RuleFile>& files,
                                      const Globals& globals) {
  return Install(files, globals, /*exprs_checked=*/false);
}

absl::Status Manager::Install(const std::vector<RuleFile>& files,
                              const Globals& globals, bool exprs_checked) {
  absl::MutexLock l(&mu_);
  ManagerOptions o = opts_;
  o.default_interval_ms = globals.default_interval_ms;
  o.default_query_offset_ms = globals.default_query_offset_ms;
  o.external_labels = globals.external_labels;
  ManagerOptions build = o;
  if (exprs_checked) build.file_options.check_expr = nullptr;
  absl::StatusOr<std::vector<std::unique_ptr<Group>>> built =
      BuildGroups(files, build, !restored_ && o.queryable != nullptr);
  if (!built.ok()) return built.status();
  opts_ = std::move(o);
  restored_ = true;
  std::map<std::string, std::shared_ptr<Group>> old;
  for (auto& g : groups_) old[g->key()] = g;
  std::vector<std::shared_ptr<Group>> next;
  for (auto& g : *built) {
    std::shared_ptr<Group> ng(std::move(g));
    auto it = old.find(ng->key());
    if (it != old.end()) {
      if (it->second->fingerprint() == ng->fingerprint()) {
        // Unchanged: keep the running group (Prometheus's Group.Equals).
        next.push_back(std::move(it->second));
        old.erase(it);
        continue;
      }
      it->second->Stop(false);
      ng->CopyState(*it->second);
      old.erase(it);
    }
    next.push_back(std::move(ng));
  }
  for (auto& [k, g] : old) g->Stop(true);
  std::sort(next.begin(), next.end(), [](const auto& a, const auto& b) {
    return a->file() != b->file() ? a->file() < b->file() : a->name() < b->name();
  });
  groups_ = std::move(next);
  if (running_) {
    for (auto& g : groups_) g->Start();
  }
  return absl::OkStatus();
}

void Manager::Start() {
  absl::MutexLock l(&mu_);
  running_ = true;
  for (auto& g : groups_) g->Start();
}

void Manager::Stop() {
  absl::MutexLock l(&mu_);
  running_ = false;
  for (auto& g : groups_) g->Stop(false);
}

std::vector<std::shared_ptr<Group>> Manager::Groups() const {
  absl::MutexLock l(&mu_);
  return groups_;
}

std::vector<Alert> Manager::ActiveAlerts() const {
  std::vector<Alert> out;
  for (const auto& g : Groups()) {
    for (const auto& r : g->rules()) {
      if (!r->is_alerting()) continue;
      for (Alert& a : static_cast<const AlertingRule&>(*r).ActiveAlerts()) {
        if (a.state != AlertState::kInactive) out.push_back(std::move(a));
      }
    }
  }
  return out;
}

NotifyFunc SendAlertsTo(std::function<void(std::vector<notifier::Alert>)> send,
                        std::string external_url) {
  return [send = std::move(send), url = std::move(external_url)](
             absl::string_view expr, const std::vector<Alert>& alerts) {
    std::vector<notifier::Alert> out;
    out.reserve(alerts.size());
    std::string gen = absl::StrCat(url, "/graph?g0.expr=",
                                   tmpl::QueryEscape(expr), "&g0.tab=1");
    for (const Alert& a : alerts) {
      notifier::Alert n;
      n.labels = a.labels;
      n.annotations = a.annotations;
      n.starts_at_ms = a.fired_at_ms == kNoTime ? 0 : a.fired_at_ms;
      n.ends_at_ms = a.resolved_at_ms != kNoTime ? a.resolved_at_ms
                                                 : a.valid_until_ms;
      n.generator_url = gen;
      out.push_back(std::move(n));
    }
    if (!out.empty()) send(std::move(out));
  };
}

}  // namespace vigil::rules
