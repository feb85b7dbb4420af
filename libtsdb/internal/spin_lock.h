// Internal: a one-byte test-and-test-and-set lock for the head's per-series
// and per-stripe critical sections, which are a few hundred nanoseconds at
// most. (Debian's absl::Mutex runs deadlock-detection bookkeeping on every
// acquisition, which dominated the append path.)
//
// Thread safety: that is its purpose. Not reentrant.

#ifndef VIGIL_LIBTSDB_INTERNAL_SPIN_LOCK_H_
#define VIGIL_LIBTSDB_INTERNAL_SPIN_LOCK_H_

#include <atomic>
#include <thread>

#include "absl/base/thread_annotations.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace vigil::tsdb::internal {

class ABSL_LOCKABLE SpinLock {
 public:
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    int spins = 0;
    while (locked_.exchange(true, std::memory_order_acquire)) {
      while (locked_.load(std::memory_order_relaxed)) {
        if (++spins < 64) {
#if defined(__x86_64__)
          _mm_pause();
#endif
        } else {
          std::this_thread::yield();
        }
      }
    }
  }
  void Unlock() ABSL_UNLOCK_FUNCTION() {
    locked_.store(false, std::memory_order_release);
  }

 private:
  std::atomic<bool> locked_{false};
};

class ABSL_SCOPED_LOCKABLE SpinGuard {
 public:
  explicit SpinGuard(SpinLock& l) ABSL_EXCLUSIVE_LOCK_FUNCTION(l) : l_(l) {
    l_.Lock();
  }
  ~SpinGuard() ABSL_UNLOCK_FUNCTION() { l_.Unlock(); }
  SpinGuard(const SpinGuard&) = delete;
  SpinGuard& operator=(const SpinGuard&) = delete;

 private:
  SpinLock& l_;
};

}  // namespace vigil::tsdb::internal

#endif  // VIGIL_LIBTSDB_INTERNAL_SPIN_LOCK_H_
