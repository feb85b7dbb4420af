// Test helper: runs a Discoverer on its own thread and folds what it sends
// into the current groups by source (an empty group removes its source),
// with bounded waits for a condition.
//
// Thread safety: all methods may be called from the test thread while the
// discoverer runs.

#ifndef VIGIL_LIBSD_TESTING_COLLECTOR_H_
#define VIGIL_LIBSD_TESTING_COLLECTOR_H_

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libsd/discoverer.h"

namespace vigil::sd::testing {

class Collector {
 public:
  using State = std::map<std::string, TargetGroup>;

  explicit Collector(std::unique_ptr<Discoverer> d) : d_(std::move(d)) {
    thread_ = std::thread([this] {
      d_->Run(stop_, [this](std::vector<TargetGroup> gs) {
        absl::MutexLock l(&mu_);
        ++sends_;
        for (auto& g : gs) {
          if (g.targets.empty()) {
            state_.erase(g.source);
          } else {
            std::string s = g.source;
            state_[s] = std::move(g);
          }
        }
      });
    });
  }
  ~Collector() { Stop(); }

  void Stop() {
    if (!stop_.HasBeenNotified()) stop_.Notify();
    if (thread_.joinable()) thread_.join();
  }

  State state() {
    absl::MutexLock l(&mu_);
    return state_;
  }
  int sends() {
    absl::MutexLock l(&mu_);
    return sends_;
  }
  const Discoverer& discoverer() const { return *d_; }

  // Waits up to `timeout` for pred(state) to hold; returns whether it did.
  bool WaitFor(const std::function<bool(const State&)>& pred,
               absl::Duration timeout = absl::Seconds(10)) {
    absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      {
        absl::MutexLock l(&mu_);
        if (sends_ > 0 && pred(state_)) return true;
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
    return false;
  }

  // All targets of all groups, each merged with its group labels (target
  // labels win), sorted by their text form.
  std::vector<model::Labels> Targets() {
    std::vector<model::Labels> out;
    for (const auto& [src, g] : state()) {
      for (const auto& t : g.targets) {
        model::LabelsBuilder b(g.labels);
        for (auto l : t) b.Set(l.name, l.value);
        out.push_back(b.Build());
      }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return a.ToString() < b.ToString();
    });
    return out;
  }

 private:
  std::unique_ptr<Discoverer> d_;
  absl::Notification stop_;
  std::thread thread_;
  absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_);
  int sends_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace vigil::sd::testing

#endif  // VIGIL_LIBSD_TESTING_COLLECTOR_H_
