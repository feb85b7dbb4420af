// A SeriesSet is the result of Querier::Select: a forward-only sequence of
// series, each a label set plus a way to iterate its samples.
//
//   std::unique_ptr<SeriesSet> set = querier->Select(...);
//   while (set->Next()) {
//     const model::Labels& l = set->labels();
//     std::unique_ptr<SampleIterator> it = set->NewIterator();
//     ...
//   }
//   if (!set->status().ok()) ...
//
// Iterators from NewIterator() stay valid after the set advances, and until
// the Querier that produced the set is destroyed.
//
// Thread safety: a SeriesSet is used by one thread at a time.

#ifndef VIGIL_LIBTSDB_STORAGE_SERIES_SET_H_
#define VIGIL_LIBTSDB_STORAGE_SERIES_SET_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "libtsdb/storage/sample_iterator.h"
#include "model/labels.h"

namespace vigil::storage {

class SeriesSet {
 public:
  virtual ~SeriesSet() = default;

  // Advances to the next series. Returns false at the end or on error.
  virtual bool Next() = 0;

  // The current series. REQUIRES: the last Next() returned true.
  virtual const model::Labels& labels() const = 0;
  virtual std::unique_ptr<SampleIterator> NewIterator() const = 0;

  virtual absl::Status status() const = 0;

  // Non-fatal problems met while selecting (a partial remote result, a
  // block that could not be read and was skipped).
  virtual std::vector<std::string> warnings() const { return {}; }
};

// A set of no series, optionally failed with `status`.
std::unique_ptr<SeriesSet> EmptySeriesSet(absl::Status status = absl::OkStatus());

}  // namespace vigil::storage

#endif  // VIGIL_LIBTSDB_STORAGE_SERIES_SET_H_
