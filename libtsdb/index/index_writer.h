// Writes a block's `index` file in Prometheus's index format v2: symbol
// table, series (16-byte aligned, chunk metas delta-encoded), label
// indices, postings, label offset table, postings offset table, TOC, each
// section with its CRC32C. Format: libtsdb/docs/format/index.md.
//
// Thread safety: a function; no shared state.

#ifndef VIGIL_LIBTSDB_INDEX_INDEX_WRITER_H_
#define VIGIL_LIBTSDB_INDEX_INDEX_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "model/labels.h"

namespace vigil::tsdb::index {

struct ChunkRefMeta {
  int64_t mint;
  int64_t maxt;
  uint64_t ref;  // chunk file reference
};

struct IndexSeries {
  model::Labels labels;
  std::vector<ChunkRefMeta> chunks;  // sorted by mint
};

// Builds the index bytes. `series` must be sorted by labels and unique;
// InvalidArgument otherwise.
absl::Status BuildIndex(const std::vector<IndexSeries>& series,
                        std::string* out);

// BuildIndex and write to `path` durably.
absl::Status WriteIndexFile(const std::string& path,
                            const std::vector<IndexSeries>& series);

}  // namespace vigil::tsdb::index

#endif  // VIGIL_LIBTSDB_INDEX_INDEX_WRITER_H_
