// Appender and Appendable: the write side of storage. The scraper, rule
// evaluation and the remote-write receiver append through these only.
//
// An Appender batches samples; nothing is visible to readers until
// Commit(). Commit() or Rollback() ends it, and it must not be reused.
//
// Thread safety: an Appendable is safe for concurrent use; each Appender is
// used by one thread at a time.

#ifndef VIGIL_LIBTSDB_STORAGE_APPENDER_H_
#define VIGIL_LIBTSDB_STORAGE_APPENDER_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/labels.h"

namespace vigil::storage {

// Storage's handle for a series, returned by Append and accepted by later
// Appends to skip the label lookup. 0 means "unknown".
using SeriesRef = uint64_t;

// Why a single sample was rejected. Append returns the status with the
// matching message below; callers count rejections by kind.
//   FailedPrecondition "out of order sample"
//   FailedPrecondition "out of bounds"          (older than the head allows)
//   FailedPrecondition "too far in the future"  (newer than the wall clock
//                                                plus the storage's tolerance)
//   FailedPrecondition "duplicate sample for timestamp"
//   InvalidArgument    bad labels (empty, duplicate or invalid names)
// "too far in the future" is of the "out of bounds" family (Prometheus
// returns ErrOutOfBounds for both) and callers treat the two alike: the
// scraper and rules skip the sample, count it and go on.
enum class AppendError {
  kNone,
  kOutOfOrder,
  kOutOfBounds,
  kTooFarInFuture,
  kDuplicate,
  kInvalid,
  kOther
};

inline constexpr char kErrOutOfOrder[] = "out of order sample";
inline constexpr char kErrOutOfBounds[] = "out of bounds";
inline constexpr char kErrTooFarInFuture[] = "too far in the future";
inline constexpr char kErrDuplicate[] = "duplicate sample for timestamp";

// Classifies a status returned by Append.
AppendError ClassifyAppendError(const absl::Status& status);

class Appender {
 public:
  virtual ~Appender() = default;

  // Adds a sample for the series `ref` (when non-zero and still known) or
  // `labels`. Returns the series' ref for later calls, or an error for this
  // sample alone: the appender stays usable.
  virtual absl::StatusOr<SeriesRef> Append(SeriesRef ref,
                                           const model::Labels& labels,
                                           int64_t t_ms, double value) = 0;

  // Makes all appended samples durable (as the storage defines it) and
  // visible. The appender is finished afterwards, whatever the result.
  virtual absl::Status Commit() = 0;

  // Discards all appended samples. The appender is finished afterwards.
  virtual absl::Status Rollback() = 0;
};

class Appendable {
 public:
  virtual ~Appendable() = default;
  virtual std::unique_ptr<Appender> NewAppender() = 0;
};

}  // namespace vigil::storage

#endif  // VIGIL_LIBTSDB_STORAGE_APPENDER_H_
