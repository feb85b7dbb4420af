// Querier and Queryable: the read side of storage. libpromql, remote read
// and the HTTP API read through these interfaces only, so any storage that
// implements them (Vigil's TSDB, a service's own in-memory data, a remote
// store) can sit under PromQL.
//
// Thread safety: a Queryable is safe for concurrent use. A Querier is used
// by one query at a time; its destruction releases what it pinned (blocks,
// head chunks), and every iterator it produced must be gone by then.

#ifndef VIGIL_LIBTSDB_STORAGE_QUERIER_H_
#define VIGIL_LIBTSDB_STORAGE_QUERIER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libtsdb/storage/series_set.h"
#include "model/matcher.h"

namespace vigil::storage {

// What the caller will do with a selection, so storage may prune or
// pre-aggregate (remote read forwards these as ReadHints). All times are
// milliseconds; the zero value means "no hint".
struct SelectHints {
  int64_t start_ms = 0;  // first timestamp the caller needs
  int64_t end_ms = 0;    // last timestamp the caller needs
  int64_t step_ms = 0;   // query resolution
  int64_t range_ms = 0;  // range selector width, e.g. [5m]
  std::string func;      // surrounding function, e.g. "rate"
  std::vector<std::string> grouping;  // aggregation labels
  bool by = false;                    // grouping is `by` (else `without`)
};

class Querier {
 public:
  virtual ~Querier() = default;

  // Series matching every matcher, with samples inside the querier's time
  // range. Sorted by labels when `sorted`. Errors surface through the set's
  // status(); an empty matcher list is an InvalidArgument error.
  virtual std::unique_ptr<SeriesSet> Select(
      bool sorted, const SelectHints* hints,
      const std::vector<model::Matcher>& matchers) = 0;

  // Sorted, unique values of label `name` among series matching
  // `matchers` (all series when empty).
  virtual absl::StatusOr<std::vector<std::string>> LabelValues(
      absl::string_view name, const std::vector<model::Matcher>& matchers) = 0;

  // Sorted, unique label names among series matching `matchers`.
  virtual absl::StatusOr<std::vector<std::string>> LabelNames(
      const std::vector<model::Matcher>& matchers) = 0;
};

class Queryable {
 public:
  virtual ~Queryable() = default;

  // A querier over samples with mint_ms <= t <= maxt_ms. Returns
  // FailedPrecondition when the storage is closed.
  virtual absl::StatusOr<std::unique_ptr<Querier>> NewQuerier(
      int64_t mint_ms, int64_t maxt_ms) = 0;
};

}  // namespace vigil::storage

#endif  // VIGIL_LIBTSDB_STORAGE_QUERIER_H_
