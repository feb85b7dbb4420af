#include "libtsdb/compactor.h"

#include <algorithm>
#include <map>
#include <set>

namespace vigil::tsdb {

std::vector<int64_t> ExponentialBlockRanges(int64_t min, int steps,
                                            int factor) {
  std::vector<int64_t> out;
  int64_t r = min;
  for (int i = 0; i < steps; ++i) {
    out.push_back(r);
    if (r > INT64_MAX / factor) break;
    r *= factor;
  }
  return out;
}

namespace {
int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && a < 0) --q;
  return q;
}
}  // namespace

std::vector<size_t> PlanCompaction(const std::vector<BlockMeta>& metas,
                                   const std::vector<int64_t>& ranges) {
  if (metas.size() < 3) return {};
  // The newest block is left out (as Prometheus does), so a full block
  // range stays open for backfill; ranges must end by its start.
  size_t newest_i = 0;
  for (size_t i = 1; i < metas.size(); ++i) {
    if (metas[i].min_time > metas[newest_i].min_time) newest_i = i;
  }
  int64_t newest = metas[newest_i].min_time;
  for (size_t ri = 1; ri < ranges.size(); ++ri) {
    int64_t r = ranges[ri];
    std::map<int64_t, std::vector<size_t>> groups;
    for (size_t i = 0; i < metas.size(); ++i) {
      if (i == newest_i) continue;
      int64_t start = FloorDiv(metas[i].min_time, r) * r;
      if (metas[i].max_time > start + r) continue;  // spans ranges
      groups[start].push_back(i);
    }
    for (const auto& [start, idx] : groups) {
      if (idx.size() < 2) continue;
      if (start + r > newest) continue;  // range still open
      return idx;
    }
  }
  return {};
}

absl::StatusOr<BlockMeta> CompactBlocks(
    const std::string& parent,
    const std::vector<std::shared_ptr<Block>>& blocks,
    const ChunkLayout& layout) {
  std::vector<std::vector<internal::SeriesEntry>> srcs;
  int64_t mint = INT64_MAX, maxt = INT64_MIN;
  int level = 0;
  std::set<std::string> sources;
  std::vector<BlockMeta::Parent> parents;
  for (const auto& b : blocks) {
    const BlockMeta& m = b->meta();
    auto e = b->Select(m.min_time, m.max_time - 1, nullptr);
    if (!e.ok()) return e.status();
    srcs.push_back(*std::move(e));
    mint = std::min(mint, m.min_time);
    maxt = std::max(maxt, m.max_time);
    level = std::max(level, m.level);
    sources.insert(m.sources.begin(), m.sources.end());
    parents.push_back(BlockMeta::Parent{m.ulid, m.min_time, m.max_time});
  }
  std::vector<internal::SeriesEntry> merged =
      internal::MergeEntries(std::move(srcs));
  return WriteBlock(parent, merged, mint, maxt, level + 1,
                    std::vector<std::string>(sources.begin(), sources.end()),
                    parents, layout);
}

absl::StatusOr<BlockMeta> RewriteBlock(const std::string& parent,
                                       const Block& block,
                                       const ChunkLayout& layout) {
  const BlockMeta& m = block.meta();
  auto e = block.Select(m.min_time, m.max_time - 1, nullptr);
  if (!e.ok()) return e.status();
  return WriteBlock(parent, *e, m.min_time, m.max_time, m.level, m.sources,
                    {BlockMeta::Parent{m.ulid, m.min_time, m.max_time}},
                    layout);
}

std::vector<size_t> PlanRetention(const std::vector<BlockMeta>& metas,
                                  const std::vector<int64_t>& sizes,
                                  int64_t retention_ms, int64_t max_bytes,
                                  int64_t extra_bytes) {
  std::vector<size_t> order(metas.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Newest first.
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return metas[a].max_time > metas[b].max_time;
  });
  std::set<size_t> drop;
  if (retention_ms > 0 && !order.empty()) {
    int64_t newest = metas[order[0]].max_time;
    for (size_t k = 1; k < order.size(); ++k) {
      if (newest - metas[order[k]].max_time > retention_ms) drop.insert(order[k]);
    }
  }
  if (max_bytes > 0) {
    int64_t total = extra_bytes;
    for (size_t k = 0; k < order.size(); ++k) {
      if (drop.count(order[k])) continue;
      total += sizes[order[k]];
      if (total > max_bytes) drop.insert(order[k]);
    }
  }
  return std::vector<size_t>(drop.begin(), drop.end());
}

}  // namespace vigil::tsdb
