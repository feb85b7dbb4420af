// Internal: the read path shared by the head and blocks. A query turns
// each matching series into a SeriesEntry (labels, chunk metas, deleted
// intervals); entries from head and blocks are merged by labels and
// served by ListSeriesSet, whose iterators decode chunks lazily.
//
// Thread safety: entries are immutable once built; a set and its
// iterators are used by one thread at a time.

#ifndef VIGIL_LIBTSDB_INTERNAL_SERIES_ENTRY_H_
#define VIGIL_LIBTSDB_INTERNAL_SERIES_ENTRY_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/strings/string_view.h"
#include "libtsdb/storage/series_set.h"
#include "libtsdb/tombstones.h"
#include "model/labels.h"

namespace vigil::tsdb::internal {

// One encoded chunk. `bytes` stays valid while `owner` lives (a shared
// head chunk, or a block's mapped chunk file).
struct ChunkMeta {
  std::shared_ptr<const void> owner;
  absl::string_view bytes;  // XOR chunk, 2-byte header included
  int64_t mint;
  int64_t maxt;
};

struct SeriesEntry {
  model::Labels labels;
  std::vector<ChunkMeta> chunks;  // sorted by mint
  Intervals deleted;
};

// Samples of `chunks` with mint <= t <= maxt and not in `deleted`, each
// timestamp once (later chunks cannot go back in time).
std::unique_ptr<storage::SampleIterator> NewChunksIterator(
    std::vector<ChunkMeta> chunks, Intervals deleted, int64_t mint,
    int64_t maxt);

// A SeriesSet over entries, in the given order.
std::unique_ptr<storage::SeriesSet> NewListSeriesSet(
    std::vector<SeriesEntry> entries, int64_t mint, int64_t maxt);

// Merges lists of entries from several sources (each sorted by labels)
// into one sorted list; chunks of equal series are concatenated by mint.
std::vector<SeriesEntry> MergeEntries(std::vector<std::vector<SeriesEntry>> srcs);

}  // namespace vigil::tsdb::internal

#endif  // VIGIL_LIBTSDB_INTERNAL_SERIES_ENTRY_H_
