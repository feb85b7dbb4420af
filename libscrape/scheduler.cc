#include "libscrape/scheduler.h"

#include <algorithm>

namespace vigil::scrape {

Scheduler::Scheduler(int workers) {
  workers = std::max(1, workers);
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { Work(); });
}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Schedule(absl::Time when, std::function<void()> fn) {
  absl::MutexLock l(&mu_);
  if (stopped_) return;
  tasks_.push(Task{when, seq_++, std::move(fn)});
}

size_t Scheduler::Pending() const {
  absl::MutexLock l(&mu_);
  return tasks_.size();
}

void Scheduler::Stop() {
  {
    absl::MutexLock l(&mu_);
    if (stopped_ && workers_.empty()) return;
    stopped_ = true;
    while (!tasks_.empty()) tasks_.pop();
  }
  for (std::thread& t : workers_) {
    if (t.joinable()) t.join();
  }
  workers_.clear();
}

void Scheduler::Work() {
  for (;;) {
    std::function<void()> fn;
    {
      absl::MutexLock l(&mu_);
      for (;;) {
        if (stopped_) return;
        if (!tasks_.empty() && tasks_.top().when <= absl::Now()) break;
        // Wake when the earliest task is due, a new task arrives, or Stop().
        absl::Time deadline = tasks_.empty()
                                  ? absl::Now() + absl::Milliseconds(200)
                                  : tasks_.top().when;
        const uint64_t seq = seq_;
        auto changed = [this, seq]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
          return stopped_ || seq_ != seq;
        };
        mu_.AwaitWithDeadline(absl::Condition(&changed), deadline);
      }
      fn = std::move(const_cast<Task&>(tasks_.top()).fn);
      tasks_.pop();
    }
    fn();
  }
}

}  // namespace vigil::scrape
