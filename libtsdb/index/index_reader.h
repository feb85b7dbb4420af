// Reads a block's `index` file (Prometheus index format v2) from a memory
// map: symbols, series with their chunk metas, postings. Every section is
// bounds- and checksum-checked; bad bytes give DataLoss naming the file
// and section, never a crash. Format: libtsdb/docs/format/index.md.
//
// Thread safety: immutable after Open; all methods may be called
// concurrently.

#ifndef VIGIL_LIBTSDB_INDEX_INDEX_READER_H_
#define VIGIL_LIBTSDB_INDEX_INDEX_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libtsdb/fileutil/fileutil.h"
#include "libtsdb/index/index_writer.h"
#include "libtsdb/index/postings.h"
#include "model/labels.h"

namespace vigil::tsdb::index {

class IndexReader final : public LabelIndex {
 public:
  static absl::StatusOr<std::unique_ptr<IndexReader>> Open(
      const std::string& path);

  // Labels and chunk metas of series `id` (an entry of a postings list).
  absl::Status Series(uint64_t id, model::Labels* labels,
                      std::vector<ChunkRefMeta>* chunks) const;

  std::vector<std::string> LabelNames() const;
  std::vector<std::string> LabelValues(absl::string_view name) const;
  uint32_t NumSymbols() const { return symbols_.size(); }

  // LabelIndex. Postings that fail to decode come back empty; status()
  // then reports the first such failure.
  void VisitValues(absl::string_view name, absl::string_view prefix,
                   absl::FunctionRef<void(absl::string_view)> fn)
      const override;
  Postings PostingsFor(absl::string_view name,
                       absl::string_view value) const override;
  Postings AllPostings() const override;

  absl::StatusOr<Postings> ReadPostings(absl::string_view name,
                                        absl::string_view value) const;
  int64_t Size() const { return file_->data().size(); }

 private:
  IndexReader() = default;
  absl::Status Corrupt(absl::string_view what) const;
  absl::StatusOr<absl::string_view> Section4(uint64_t off,
                                             absl::string_view what) const;

  std::string path_;
  std::shared_ptr<fileutil::MappedFile> file_;
  std::vector<absl::string_view> symbols_;
  // name -> value -> postings offset
  absl::btree_map<absl::string_view, absl::btree_map<absl::string_view, uint64_t>>
      postings_;
};

}  // namespace vigil::tsdb::index

#endif  // VIGIL_LIBTSDB_INDEX_INDEX_READER_H_
