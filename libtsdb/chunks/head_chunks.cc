#include "libtsdb/chunks/head_chunks.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libtsdb/encoding/crc32c.h"
#include "libtsdb/encoding/encoding.h"
#include "libtsdb/fileutil/fileutil.h"

namespace vigil::tsdb::chunks {
namespace {

// Disk space is reserved ahead of writes in steps of this size.
constexpr size_t kReserveStep = 1 << 20;

}  // namespace

struct HeadChunkFiles::Segment {
  std::string path;
  int fd = -1;
  char* base = nullptr;
  size_t cap = 0;
  size_t used = 0;
  size_t reserved = 0;  // bytes from the start with disk space allocated
  ~Segment() {
    if (base != nullptr) ::munmap(base, cap);
    if (fd >= 0) ::close(fd);
    if (!path.empty()) ::unlink(path.c_str());
  }
};

absl::StatusOr<std::unique_ptr<HeadChunkFiles>> HeadChunkFiles::Open(
    const std::string& dir, int64_t segment_size) {
  if (segment_size < 4096) {
    return absl::InvalidArgumentError(
        absl::StrCat("head chunk segment size ", segment_size, " is too small"));
  }
  absl::Status s = fileutil::RemoveAll(dir);
  if (!s.ok()) return s;
  s = fileutil::MkdirAll(dir);
  if (!s.ok()) return s;
  return std::unique_ptr<HeadChunkFiles>(new HeadChunkFiles(dir, segment_size));
}

HeadChunkFiles::~HeadChunkFiles() = default;

absl::Status HeadChunkFiles::ReserveLocked(Segment* seg, size_t end) {
  if (end <= seg->reserved) return absl::OkStatus();
  size_t to = std::min(seg->cap, std::max(end, seg->reserved + kReserveStep));
  absl::Status s = fileutil::Allocate(seg->fd, seg->reserved,
                                      to - seg->reserved, seg->path);
  if (!s.ok()) return s;
  seg->reserved = to;
  return absl::OkStatus();
}

absl::Status HeadChunkFiles::CutLocked() {
  auto seg = std::make_shared<Segment>();
  seg->path = fileutil::JoinPath(dir_, absl::StrFormat("%06d", next_index_++));
  seg->fd = ::open(seg->path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (seg->fd < 0) {
    absl::Status s = fileutil::IoError("create head chunk file", seg->path, errno);
    seg->path.clear();  // nothing to unlink
    return s;
  }
  seg->cap = segment_size_;
  // Sized sparse; blocks are allocated by ReserveLocked as chunks arrive.
  if (::ftruncate(seg->fd, seg->cap) != 0) {
    return fileutil::IoError("size head chunk file", seg->path, errno);
  }
  absl::Status s = ReserveLocked(seg.get(), 8);
  if (!s.ok()) return s;
  void* p = ::mmap(nullptr, seg->cap, PROT_READ | PROT_WRITE, MAP_SHARED,
                   seg->fd, 0);
  if (p == MAP_FAILED) {
    return fileutil::IoError("map head chunk file", seg->path, errno);
  }
  seg->base = static_cast<char*>(p);
  StoreBE32(seg->base, kHeadChunksMagic);
  seg->base[4] = 1;  // version
  seg->used = 8;
  cur_ = std::move(seg);
  return absl::OkStatus();
}

absl::StatusOr<MappedChunk> HeadChunkFiles::Write(uint64_t ref, int64_t mint,
                                                  int64_t maxt,
                                                  absl::string_view data) {
  std::string head;
  PutBE64(&head, ref);
  PutBE64(&head, static_cast<uint64_t>(mint));
  PutBE64(&head, static_cast<uint64_t>(maxt));
  head.push_back(1);  // XOR
  PutUvarint(&head, data.size());
  size_t need = head.size() + data.size() + 4;
  absl::MutexLock l(&mu_);
  if (cur_ == nullptr || cur_->used + need > cur_->cap) {
    if (need + 8 > static_cast<size_t>(segment_size_)) {
      return absl::InvalidArgumentError("chunk larger than a head chunk file");
    }
    absl::Status s = CutLocked();
    if (!s.ok()) {
      ++write_failures_;
      return s;
    }
  }
  absl::Status s = ReserveLocked(cur_.get(), cur_->used + need);
  if (!s.ok()) {
    ++write_failures_;
    return s;
  }
  char* p = cur_->base + cur_->used;
  std::memcpy(p, head.data(), head.size());
  std::memcpy(p + head.size(), data.data(), data.size());
  uint32_t crc = Crc32cExtend(0, p, head.size() + data.size());
  StoreBE32(p + head.size() + data.size(), crc);
  cur_->used += need;
  written_ += need;
  return MappedChunk{cur_, absl::string_view(p + head.size(), data.size())};
}

int64_t HeadChunkFiles::bytes_written() const {
  absl::MutexLock l(&mu_);
  return written_;
}

uint64_t HeadChunkFiles::write_failures() const {
  absl::MutexLock l(&mu_);
  return write_failures_;
}

}  // namespace vigil::tsdb::chunks
