// MergeQueryable reads from several Queryables as if they were one
// (Prometheus's merge querier): local storage as the primary, remote-read
// endpoints as secondaries.
//
//   1. Series with identical labels from different sources become one
//      series; their samples are merged by timestamp, and for a timestamp
//      present in several sources the first source's sample wins
//      (primaries before secondaries, each in the order given).
//   2. Output is sorted by labels (inputs are always selected sorted).
//   3. A primary's error fails the selection. A secondary's error (its
//      querier cannot be created, or its series set fails) becomes a
//      warning on the merged set and that source contributes nothing.
//   4. LabelValues / LabelNames are the sorted union; failing secondaries
//      are skipped.
//
// Thread safety: the Queryable may be used concurrently if its sources
// may; queriers as storage/querier.h says.

#ifndef VIGIL_LIBREMOTE_MERGE_QUERYABLE_H_
#define VIGIL_LIBREMOTE_MERGE_QUERYABLE_H_

#include <memory>
#include <vector>

#include "libtsdb/storage/querier.h"

namespace vigil::remote {

class MergeQueryable final : public storage::Queryable {
 public:
  // Sources are not owned and must outlive this object and its queriers.
  MergeQueryable(std::vector<storage::Queryable*> primaries,
                 std::vector<storage::Queryable*> secondaries)
      : primaries_(std::move(primaries)), secondaries_(std::move(secondaries)) {}

  absl::StatusOr<std::unique_ptr<storage::Querier>> NewQuerier(
      int64_t mint_ms, int64_t maxt_ms) override;

 private:
  const std::vector<storage::Queryable*> primaries_;
  const std::vector<storage::Queryable*> secondaries_;
};

// Merges sorted series sets as MergeQueryable does; `secondary[i]` says
// whether sets[i]'s failure is only a warning.
std::unique_ptr<storage::SeriesSet> MergeSeriesSets(
    std::vector<std::unique_ptr<storage::SeriesSet>> sets,
    std::vector<bool> secondary, std::vector<std::string> warnings = {});

}  // namespace vigil::remote

#endif  // VIGIL_LIBREMOTE_MERGE_QUERYABLE_H_
