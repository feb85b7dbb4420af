// A SampleIterator walks the samples of one series in timestamp order.
//
// Iterators report errors once, through status(), after Next() or Seek()
// returns false (LevelDB's Iterator::status()); a false return with an OK
// status means the series is exhausted. Values are float64; the stale
// marker (model/value.h) is returned bit-exact.
//
// Thread safety: an iterator is used by one thread at a time.

#ifndef VIGIL_LIBTSDB_STORAGE_SAMPLE_ITERATOR_H_
#define VIGIL_LIBTSDB_STORAGE_SAMPLE_ITERATOR_H_

#include <cstdint>

#include "absl/status/status.h"

namespace vigil::storage {

class SampleIterator {
 public:
  virtual ~SampleIterator() = default;

  // Advances to the next sample. Returns false at the end or on error.
  virtual bool Next() = 0;

  // Advances to the first sample with timestamp >= t; stays put when the
  // current sample already qualifies (the iterator never moves backwards).
  // Returns false when no such sample exists or on error.
  virtual bool Seek(int64_t t) = 0;

  // The current sample. REQUIRES: the last Next()/Seek() returned true.
  virtual int64_t timestamp() const = 0;
  virtual double value() const = 0;

  virtual absl::Status status() const = 0;

  // Reads up to `max` (> 0) of the samples that Next() would return, in
  // order, into ts[0..) and vs[0..). Returns how many; 0 means what a false
  // Next() means. After a non-zero return the iterator stands on the last
  // sample read. The default calls Next(); storages that decode in batches
  // override it, and readers use it through SampleReader.
  virtual int NextBatch(int64_t* ts, double* vs, int max);
};

// An iterator over no samples.
class EmptySampleIterator final : public SampleIterator {
 public:
  bool Next() override { return false; }
  bool Seek(int64_t) override { return false; }
  int64_t timestamp() const override { return 0; }
  double value() const override { return 0; }
  absl::Status status() const override { return absl::OkStatus(); }
  int NextBatch(int64_t*, double*, int) override { return 0; }
};

}  // namespace vigil::storage

#endif  // VIGIL_LIBTSDB_STORAGE_SAMPLE_ITERATOR_H_
