// Scheduler runs timed tasks on a small pool of worker threads: the scrape
// loops of every target share it, so scraping thousands of targets needs
// no thread per target. A scrape loop schedules its next tick when its
// current scrape ends.
//
// Thread safety: all methods may be called from any thread, including
// from inside a task.

#ifndef VIGIL_LIBSCRAPE_SCHEDULER_H_
#define VIGIL_LIBSCRAPE_SCHEDULER_H_

#include <cstdint>
#include <functional>
#include <queue>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace vigil::scrape {

class Scheduler {
 public:
  // Starts `workers` threads (at least 1).
  explicit Scheduler(int workers);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Runs `fn` on a worker at or after `when`. Ignored after Stop().
  void Schedule(absl::Time when, std::function<void()> fn);

  // Drops pending tasks and waits for running ones. Idempotent.
  void Stop();

  size_t Pending() const;

 private:
  struct Task {
    absl::Time when;
    uint64_t seq;
    std::function<void()> fn;
    bool operator>(const Task& o) const {
      return when != o.when ? when > o.when : seq > o.seq;
    }
  };
  void Work();

  mutable absl::Mutex mu_;
  std::priority_queue<Task, std::vector<Task>, std::greater<Task>> tasks_
      ABSL_GUARDED_BY(mu_);
  uint64_t seq_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

}  // namespace vigil::scrape

#endif  // VIGIL_LIBSCRAPE_SCHEDULER_H_
