// Compaction planning and execution for blocks: adjacent blocks that fall
// in one aligned range of a larger size (block range × 3^k, Prometheus's
// ExponentialBlockRanges) are merged into one block of the next level;
// retention picks blocks to delete by time and by size.
//
// Thread safety: pure functions over the metas they are given; the DB
// serialises compactions.

#ifndef VIGIL_LIBTSDB_COMPACTOR_H_
#define VIGIL_LIBTSDB_COMPACTOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libtsdb/block.h"

namespace vigil::tsdb {

// min, min*factor, ... `steps` values.
std::vector<int64_t> ExponentialBlockRanges(int64_t min, int steps, int factor);

// Indexes (into `metas`, sorted by min_time) of the first group of blocks
// to compact together, or empty. The newest block is never planned; a
// group is ≥2 other blocks inside one aligned range of one of `ranges`
// (after the first) that ends by the newest block's min_time.
std::vector<size_t> PlanCompaction(const std::vector<BlockMeta>& metas,
                                   const std::vector<int64_t>& ranges);

// Merges `blocks` (sorted by min_time) into one new block under `parent`,
// tombstones applied. Level is one more than the highest input.
// `layout` says how chunks are cut and encoded (see WriteBlock).
absl::StatusOr<BlockMeta> CompactBlocks(
    const std::string& parent,
    const std::vector<std::shared_ptr<Block>>& blocks,
    const ChunkLayout& layout = ChunkLayout());

// Rewrites one block without its deleted samples (CleanTombstones), its
// chunks laid out by `layout` (see WriteBlock).
absl::StatusOr<BlockMeta> RewriteBlock(const std::string& parent,
                                       const Block& block,
                                       const ChunkLayout& layout = ChunkLayout());

// Indexes of blocks to delete: those ending before (newest max_time -
// retention_ms), then the oldest while the total size exceeds
// max_bytes (sizes[i] for metas[i], plus `extra_bytes` for WAL etc.).
std::vector<size_t> PlanRetention(const std::vector<BlockMeta>& metas,
                                  const std::vector<int64_t>& sizes,
                                  int64_t retention_ms, int64_t max_bytes,
                                  int64_t extra_bytes);

}  // namespace vigil::tsdb

#endif  // VIGIL_LIBTSDB_COMPACTOR_H_
