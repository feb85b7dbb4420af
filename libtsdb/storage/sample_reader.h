// SampleReader reads a SampleIterator a batch at a time
// (SampleIterator::NextBatch) and hands samples out through inline,
// non-virtual calls, so a reader pays one virtual call per batch instead
// of three per sample. It has the iterator's Next/Seek/timestamp/value
// semantics and is what query engines should loop over:
//
//   SampleReader r(it.get());
//   for (bool ok = r.Seek(from); ok && r.timestamp() <= to; ok = r.Next()) {
//     use(r.timestamp(), r.value());
//   }
//   if (!r.status().ok()) ...
//
// The reader runs ahead of the iterator by up to one batch; once it is in
// use, drive the iterator through the reader only.
//
// Thread safety: used by one thread at a time, like the iterator.

#ifndef VIGIL_LIBTSDB_STORAGE_SAMPLE_READER_H_
#define VIGIL_LIBTSDB_STORAGE_SAMPLE_READER_H_

#include <cstdint>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "libtsdb/storage/sample_iterator.h"

namespace vigil::storage {

class SampleReader {
 public:
  // `it` must outlive the reader.
  explicit SampleReader(SampleIterator* it) : it_(it) {}

  SampleReader(const SampleReader&) = delete;
  SampleReader& operator=(const SampleReader&) = delete;

  // As SampleIterator::Next.
  bool Next() {
    if (ABSL_PREDICT_TRUE(i_ + 1 < n_)) {
      ++i_;
      return true;
    }
    return Refill();
  }

  // As SampleIterator::Seek: the first sample with timestamp >= t, staying
  // put when the current one qualifies.
  bool Seek(int64_t t) {
    for (int j = i_; j < n_; ++j) {
      if (ts_[j] >= t) {
        i_ = j;
        return true;
      }
    }
    // Nothing buffered qualifies; the iterator stands on the last buffered
    // sample (or before the first), so its Seek moves forward only.
    i_ = n_ = 0;
    if (!it_->Seek(t)) return false;
    ts_[0] = it_->timestamp();
    vs_[0] = it_->value();
    n_ = 1;
    return true;
  }

  // The current sample. REQUIRES: the last Next()/Seek() returned true.
  int64_t timestamp() const { return ts_[i_]; }
  double value() const { return vs_[i_]; }

  absl::Status status() const { return it_->status(); }

 private:
  static constexpr int kBatch = 64;

  // Out of line and cold, so a caller's loop keeps its state in registers
  // across the once-a-batch call.
  ABSL_ATTRIBUTE_NOINLINE bool Refill() {
    i_ = 0;
    n_ = it_->NextBatch(ts_, vs_, kBatch);
    return n_ > 0;
  }

  SampleIterator* it_;
  int i_ = 0, n_ = 0;  // current sample, samples buffered (valid: i_ < n_)
  int64_t ts_[kBatch];
  double vs_[kBatch];
};

}  // namespace vigil::storage

#endif  // VIGIL_LIBTSDB_STORAGE_SAMPLE_READER_H_
