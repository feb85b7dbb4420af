#include "libtsdb/wal/segment.h"

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libtsdb/encoding/crc32c.h"
#include "libtsdb/encoding/encoding.h"
#include "snappy.h"

namespace vigil::tsdb::wal {

std::string SegmentName(int i) { return absl::StrFormat("%08d", i); }

int ParseSegmentName(absl::string_view name) {
  if (name.empty() || name.size() > 9) return -1;
  int v = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

absl::StatusOr<std::vector<int>> ListSegments(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat("WAL directory ", dir, " does not exist"));
    }
    return absl::InternalError(
        absl::StrCat("open WAL directory ", dir, ": ", std::strerror(errno)));
  }
  std::vector<int> out;
  while (struct dirent* e = readdir(d)) {
    int i = ParseSegmentName(e->d_name);
    if (i >= 0) out.push_back(i);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

bool SegmentParser::Fail(Stop s, size_t at, std::string why) {
  stop_ = s;
  bad_offset_ = at;
  reason_ = std::move(why);
  return false;
}

namespace {
bool AllZero(absl::string_view s) {
  for (char c : s) {
    if (c != 0) return false;
  }
  return true;
}
}  // namespace

bool SegmentParser::Next(std::string* rec) {
  if (stop_ != Stop::kNone) return false;
  rec->clear();
  bool in_record = false;
  size_t rec_start = pos_;
  uint8_t flags = 0;
  for (;;) {
    size_t start = in_record ? rec_start : pos_;
    if (pos_ >= data_.size()) {
      if (in_record) {
        return Fail(Stop::kTorn, start, "record cut off at end of segment");
      }
      stop_ = Stop::kEnd;
      return false;
    }
    size_t page_left = kPageSize - pos_ % kPageSize;
    size_t avail = data_.size() - pos_;
    if (page_left < kFragmentHeaderSize) {
      if (!AllZero(data_.substr(pos_, std::min(page_left, avail)))) {
        return Fail(Stop::kCorrupt, start, "non-zero bytes in page padding");
      }
      pos_ += page_left;
      continue;
    }
    uint8_t type = static_cast<uint8_t>(data_[pos_]);
    if (type == kPageTerm) {
      size_t n = std::min(page_left, avail);
      if (!AllZero(data_.substr(pos_, n))) {
        return Fail(Stop::kCorrupt, start,
                    "non-zero bytes after page terminator");
      }
      pos_ += n;
      continue;
    }
    if (avail < kFragmentHeaderSize) {
      return Fail(Stop::kTorn, start, "fragment header cut off");
    }
    uint8_t base = type & kTypeMask;
    uint8_t fl = type & ~kTypeMask;
    if (base > kLast || (fl & ~(kSnappyFlag | kZstdFlag)) != 0) {
      return Fail(Stop::kCorrupt, start,
                  absl::StrCat("invalid fragment type ", static_cast<int>(type)));
    }
    const uint8_t* h = reinterpret_cast<const uint8_t*>(data_.data() + pos_);
    size_t len = (size_t{h[1]} << 8) | h[2];
    uint32_t crc = LoadBE32(h + 3);
    if (len > page_left - kFragmentHeaderSize) {
      return Fail(Stop::kCorrupt, start,
                  absl::StrCat("fragment of ", len, " bytes crosses a page"));
    }
    if (avail - kFragmentHeaderSize < len) {
      return Fail(Stop::kTorn, start, "fragment data cut off");
    }
    absl::string_view frag = data_.substr(pos_ + kFragmentHeaderSize, len);
    if (Crc32c(frag) != crc) {
      return Fail(Stop::kCorrupt, start, "fragment checksum mismatch");
    }
    bool done = false;
    switch (base) {
      case kFull:
        if (in_record) {
          return Fail(Stop::kCorrupt, start, "full fragment inside a record");
        }
        rec_start = pos_;
        flags = fl;
        rec->assign(frag.data(), frag.size());
        done = true;
        break;
      case kFirst:
        if (in_record) {
          return Fail(Stop::kCorrupt, start, "first fragment inside a record");
        }
        in_record = true;
        rec_start = pos_;
        flags = fl;
        rec->assign(frag.data(), frag.size());
        break;
      case kMiddle:
      case kLast:
        if (!in_record) {
          return Fail(Stop::kCorrupt, pos_,
                      "continuation fragment without a first fragment");
        }
        rec->append(frag.data(), frag.size());
        done = base == kLast;
        break;
    }
    pos_ += kFragmentHeaderSize + len;
    if (!done) continue;
    if (flags & kZstdFlag) {
      return Fail(Stop::kCorrupt, rec_start,
                  "zstd-compressed WAL records are not supported");
    }
    if (flags & kSnappyFlag) {
      std::string out;
      if (!snappy::Uncompress(rec->data(), rec->size(), &out)) {
        return Fail(Stop::kCorrupt, rec_start, "snappy record does not decode");
      }
      rec->swap(out);
    }
    good_end_ = pos_;
    return true;
  }
}

int SegmentParser::CountRecordsAfterCorruption() {
  int n = 0;
  size_t page = (bad_offset_ / kPageSize + 1) * kPageSize;
  for (; page < data_.size(); page += kPageSize) {
    size_t p = page;
    size_t end = std::min(page + kPageSize, data_.size());
    while (end - p >= kFragmentHeaderSize) {
      const uint8_t* h = reinterpret_cast<const uint8_t*>(data_.data() + p);
      uint8_t base = h[0] & kTypeMask;
      if (h[0] == kPageTerm || base > kLast) break;
      size_t len = (size_t{h[1]} << 8) | h[2];
      if (p + kFragmentHeaderSize + len > end) break;
      absl::string_view frag = data_.substr(p + kFragmentHeaderSize, len);
      if (Crc32c(frag) != LoadBE32(h + 3)) break;
      if (base == kFull || base == kLast) ++n;
      p += kFragmentHeaderSize + len;
    }
  }
  return n;
}

}  // namespace vigil::tsdb::wal
