// WAL segments and pages: the framing under the records. A segment file
// (`00000000`, `00000001`, ...) is a sequence of 32 KiB pages; a record is
// split into fragments that never cross a page, each with a 7-byte header
// type(1) len(2, big-endian) CRC32C(4, big-endian, of the data). Format:
// libtsdb/docs/format/wal.md.
//
// SegmentParser turns one segment's bytes into records and stops at the
// first problem, saying where the bad record starts and whether the
// problem is a torn tail (the bytes just end) or corruption.
//
// Thread safety: pure functions; a parser is used by one thread.

#ifndef VIGIL_LIBTSDB_WAL_SEGMENT_H_
#define VIGIL_LIBTSDB_WAL_SEGMENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vigil::tsdb::wal {

inline constexpr size_t kPageSize = 32 * 1024;
inline constexpr size_t kFragmentHeaderSize = 7;
inline constexpr int64_t kDefaultSegmentSize = 128 * 1024 * 1024;

enum FragmentType : uint8_t {
  kPageTerm = 0,
  kFull = 1,
  kFirst = 2,
  kMiddle = 3,
  kLast = 4,
};
inline constexpr uint8_t kSnappyFlag = 0x08;
inline constexpr uint8_t kZstdFlag = 0x10;
inline constexpr uint8_t kTypeMask = 0x07;

// Segment file name for index `i`: eight decimal digits.
std::string SegmentName(int i);
// Parses a segment name; -1 when `name` is not one.
int ParseSegmentName(absl::string_view name);
// Sorted segment indexes in `dir` (NotFound when it does not exist).
absl::StatusOr<std::vector<int>> ListSegments(const std::string& dir);

class SegmentParser {
 public:
  enum class Stop { kNone, kEnd, kTorn, kCorrupt };

  explicit SegmentParser(absl::string_view data) : data_(data) {}

  // Next record into *rec (decompressed when flagged); false at the end
  // or at a problem, see stop().
  bool Next(std::string* rec);

  Stop stop() const { return stop_; }
  // Offset where the failed record started (valid for kTorn/kCorrupt).
  size_t bad_offset() const { return bad_offset_; }
  const std::string& reason() const { return reason_; }
  // Offset after the last good record.
  size_t good_end() const { return good_end_; }

  // After a corruption: how many further records look intact (resyncing
  // at page starts); the records a repair drops besides the bad one.
  int CountRecordsAfterCorruption();

 private:
  bool Fail(Stop s, size_t at, std::string why);

  absl::string_view data_;
  size_t pos_ = 0;
  size_t good_end_ = 0;
  size_t bad_offset_ = 0;
  Stop stop_ = Stop::kNone;
  std::string reason_;
};

}  // namespace vigil::tsdb::wal

#endif  // VIGIL_LIBTSDB_WAL_SEGMENT_H_
