#include "libsd/manager.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace vigil::sd {

// Lets a discoverer's send() outlive its provider safely: once the
// provider is stopped the gate is closed and late sends are dropped.
struct SendGate {
  explicit SendGate(Manager* m) : manager(m) {}
  absl::Mutex mu;
  Manager* manager ABSL_GUARDED_BY(mu);
};

struct Manager::Provider {
  std::shared_ptr<SendGate> gate;
  std::string fingerprint;
  std::string name;
  std::unique_ptr<Discoverer> discoverer;
  absl::Notification stop;
  std::thread thread;
  // Guarded by the Manager's mu_.
  std::set<std::string> jobs;
  std::map<std::string, TargetGroup> groups;  // by source
  bool removed = false;
};

Manager::Manager(Options options, SyncFn sync)
    : options_(options), sync_(std::move(sync)) {
  sender_ = std::thread([this] { SenderLoop(); });
}

Manager::~Manager() { Stop(); }

void Manager::Send(Provider* p, std::vector<TargetGroup> groups) {
  absl::MutexLock lock(&mu_);
  if (p->removed || stopped_) return;
  ++updates_;
  if (triggered_) ++delayed_;
  for (TargetGroup& g : groups) {
    if (g.targets.empty()) {
      p->groups.erase(g.source);
    } else {
      std::string source = g.source;
      p->groups[source] = std::move(g);
    }
  }
  triggered_ = true;
}

absl::Status Manager::ApplyConfig(const JobConfigs& jobs) {
  std::vector<std::unique_ptr<Provider>> to_stop;
  std::vector<std::string> errors;
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return absl::FailedPreconditionError("manager stopped");
    // Who uses which fingerprint now.
    std::map<std::string, std::set<std::string>> wanted;
    std::map<std::string, std::shared_ptr<const DiscovererConfig>> configs;
    for (const auto& [job, cfgs] : jobs) {
      for (const auto& cfg : cfgs) {
        if (cfg == nullptr) continue;
        std::string fp = absl::StrCat(cfg->Name(), "/", cfg->Fingerprint());
        wanted[fp].insert(job);
        configs.emplace(fp, cfg);
      }
    }
    for (auto it = providers_.begin(); it != providers_.end();) {
      if (wanted.count(it->first) == 0) {
        it->second->removed = true;
        if (const RefreshMetrics* m = it->second->discoverer->metrics()) {
          const std::string& mech = it->second->name;
          const uint64_t failures = m->failures.load();
          retired_refreshes_[mech] += m->refreshes.load();
          retired_failures_[mech] += failures;
          for (const std::string& job : it->second->jobs) {
            retired_failures_by_job_[{mech, job}] += failures;
          }
        }
        to_stop.push_back(std::move(it->second));
        it = providers_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& [fp, job_set] : wanted) {
      auto it = providers_.find(fp);
      if (it != providers_.end()) {
        it->second->jobs = job_set;
        continue;
      }
      const auto& cfg = configs[fp];
      auto d = cfg->NewDiscoverer();
      if (!d.ok()) {
        ++failed_configs_;
        errors.push_back(absl::StrCat(cfg->Name(), " discovery for job(s) ",
                                      absl::StrJoin(job_set, ","), ": ",
                                      d.status().message()));
        continue;
      }
      auto p = std::make_unique<Provider>();
      p->fingerprint = fp;
      p->name = cfg->Name();
      p->discoverer = *std::move(d);
      p->jobs = job_set;
      Provider* raw = p.get();
      p->gate = std::make_shared<SendGate>(this);
      std::shared_ptr<SendGate> gate = p->gate;
      SendFn send = [gate, raw](std::vector<TargetGroup> g) {
        absl::MutexLock gate_lock(&gate->mu);
        if (gate->manager != nullptr) gate->manager->Send(raw, std::move(g));
      };
      p->thread = std::thread([raw, send = std::move(send)] {
        raw->discoverer->Run(raw->stop, send);
      });
      providers_.emplace(fp, std::move(p));
    }
    failed_configs_current_ = errors.size();
    jobs_.clear();
    for (const auto& [job, cfgs] : jobs) jobs_.insert(job);
    triggered_ = true;
  }
  StopProviders(std::move(to_stop));
  if (!errors.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(errors, "; "));
  }
  return absl::OkStatus();
}

void Manager::StopProviders(std::vector<std::unique_ptr<Provider>> ps) {
  for (auto& p : ps) p->stop.Notify();
  for (auto& p : ps) {
    if (p->thread.joinable()) p->thread.join();
    absl::MutexLock gate_lock(&p->gate->mu);
    p->gate->manager = nullptr;
  }
}

Manager::GroupsByJob Manager::GroupsLocked() const {
  GroupsByJob out;
  for (const std::string& job : jobs_) out[job];
  for (const auto& [fp, p] : providers_) {
    for (const std::string& job : p->jobs) {
      auto& dst = out[job];
      for (const auto& [source, g] : p->groups) dst.push_back(g);
    }
  }
  return out;
}

Manager::GroupsByJob Manager::Groups() const {
  absl::MutexLock lock(&mu_);
  return GroupsLocked();
}

Manager::Stats Manager::stats() const {
  absl::MutexLock lock(&mu_);
  Stats s;
  s.updates_received = updates_;
  s.syncs_sent = syncs_;
  s.discoverers = providers_.size();
  s.failed_configs = failed_configs_;
  s.failed_configs_current = failed_configs_current_;
  s.updates_delayed = delayed_;
  s.refreshes = retired_refreshes_;
  s.refresh_failures = retired_failures_;
  s.refresh_failures_by_job = retired_failures_by_job_;
  for (const auto& [job, groups] : GroupsLocked()) {
    size_t n = 0;
    for (const auto& g : groups) n += g.targets.size();
    s.targets_per_job[job] = n;
  }
  for (const auto& [fp, p] : providers_) {
    const RefreshMetrics* m = p->discoverer->metrics();
    if (m == nullptr) continue;
    const uint64_t failures = m->failures.load();
    s.refreshes[p->name] += m->refreshes.load();
    s.refresh_failures[p->name] += failures;
    for (const std::string& job : p->jobs) {
      s.refresh_failures_by_job[{p->name, job}] += failures;
    }
  }
  return s;
}

void Manager::SenderLoop() {
  while (!stopping_.WaitForNotificationWithTimeout(options_.update_interval)) {
    GroupsByJob groups;
    {
      absl::MutexLock lock(&mu_);
      if (!triggered_ || stopped_) continue;
      triggered_ = false;
      groups = GroupsLocked();
      ++syncs_;
    }
    if (sync_) sync_(groups);
  }
}

void Manager::Stop() {
  absl::MutexLock stop_lock(&stop_mu_);
  std::vector<std::unique_ptr<Provider>> ps;
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = true;
    for (auto& [fp, p] : providers_) {
      p->removed = true;
      ps.push_back(std::move(p));
    }
    providers_.clear();
  }
  stopping_.Notify();
  if (sender_.joinable()) sender_.join();
  StopProviders(std::move(ps));
}

}  // namespace vigil::sd
