// Chunk segment files of a block (`<block>/chunks/000001`, ...), in
// Prometheus's chunks v1 format: an 8-byte header (magic 0x85BD40DD,
// version 1, 3 zero bytes), then chunks as uvarint length, encoding byte,
// data, CRC32C of encoding and data. A chunk reference is
// (file index << 32) | offset, file index 0 being `000001`.
// Format: libtsdb/docs/format/chunks.md.
//
// Thread safety: ChunkWriter is used by one thread; ChunkReader is
// immutable after Open and may be shared.

#ifndef VIGIL_LIBTSDB_CHUNKS_CHUNK_FILES_H_
#define VIGIL_LIBTSDB_CHUNKS_CHUNK_FILES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libtsdb/chunkenc/chunk.h"
#include "libtsdb/fileutil/fileutil.h"

namespace vigil::tsdb::chunks {

inline constexpr uint32_t kChunksMagic = 0x85BD40DD;
inline constexpr int64_t kDefaultSegmentSize = 512LL * 1024 * 1024;

class ChunkWriter {
 public:
  // Writes into `dir` (created), cutting files at `segment_size` bytes.
  explicit ChunkWriter(std::string dir,
                       int64_t segment_size = kDefaultSegmentSize);
  ~ChunkWriter();

  // Appends a chunk and returns its reference.
  absl::StatusOr<uint64_t> Write(chunkenc::Encoding enc,
                                 absl::string_view data);
  // Flushes, fsyncs and closes the current file.
  absl::Status Close();
  int64_t bytes_written() const { return total_; }

 private:
  absl::Status Cut();

  std::string dir_;
  int64_t segment_size_;
  int fd_ = -1;
  int seq_ = -1;       // index of the current file (0 = 000001)
  int64_t n_ = 0;      // bytes in the current file
  int64_t total_ = 0;
  std::string buf_;
};

class ChunkReader {
 public:
  // Maps every segment file in `dir`. DataLoss for a bad header.
  static absl::StatusOr<std::unique_ptr<ChunkReader>> Open(
      const std::string& dir);

  // The chunk at `ref` (XOR bytes incl. its 2-byte sample count) and its
  // encoding. DataLoss when the reference points outside the files or the
  // checksum does not match.
  absl::StatusOr<absl::string_view> Chunk(uint64_t ref,
                                          chunkenc::Encoding* enc) const;
  int64_t Size() const;
  // Shares ownership of the mappings (for iterators outliving a query).
  std::shared_ptr<const void> owner() const { return owner_; }

 private:
  std::string dir_;
  std::vector<std::shared_ptr<fileutil::MappedFile>> files_;
  std::shared_ptr<const void> owner_;
};

// "000001" for index 0.
std::string ChunkFileName(int index);

}  // namespace vigil::tsdb::chunks

#endif  // VIGIL_LIBTSDB_CHUNKS_CHUNK_FILES_H_
