#include "libtsdb/wal/wal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "absl/base/optimization.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libtsdb/encoding/crc32c.h"
#include "libtsdb/encoding/encoding.h"
#include "libtsdb/fileutil/fileutil.h"

namespace vigil::tsdb::wal {

using fileutil::JoinPath;

std::string CheckpointName(int i) {
  return absl::StrFormat("checkpoint.%08d", i);
}

std::pair<std::string, int> LastCheckpoint(const std::string& dir) {
  auto names = fileutil::ListDir(dir);
  int best = -1;
  if (names.ok()) {
    for (const std::string& n : *names) {
      if (n.size() != 19 || n.compare(0, 11, "checkpoint.") != 0) continue;
      int i = ParseSegmentName(absl::string_view(n).substr(11));
      if (i > best) best = i;
    }
  }
  if (best < 0) return {"", -1};
  return {JoinPath(dir, CheckpointName(best)), best};
}

Wal::Wal(std::string dir, WalOptions options)
    : dir_(std::move(dir)), opts_(options) {
  page_.assign(kPageSize, '\0');
}

Wal::~Wal() { (void)Close(); }

absl::StatusOr<std::unique_ptr<Wal>> Wal::Create(const std::string& dir,
                                                 const WalOptions& options) {
  if (options.segment_size < static_cast<int64_t>(kPageSize) ||
      options.segment_size % kPageSize != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "WAL segment size ", options.segment_size,
        " is not a positive multiple of the 32 KiB page size"));
  }
  absl::Status s = fileutil::MkdirAll(dir);
  if (!s.ok()) return s;
  auto segs = ListSegments(dir);
  if (!segs.ok()) return segs.status();
  int next = segs->empty() ? 0 : segs->back() + 1;
  auto cp = LastCheckpoint(dir);
  if (cp.second >= next) next = cp.second + 1;
  std::unique_ptr<Wal> w(new Wal(dir, options));
  absl::MutexLock l(&w->mu_);
  s = w->OpenSegmentLocked(next);
  if (!s.ok()) return s;
  return w;
}

absl::Status Wal::OpenSegmentLocked(int index) {
  std::string path = JoinPath(dir_, SegmentName(index));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fileutil::IoError("create WAL segment", path, errno);
  absl::Status s = fileutil::SyncDir(dir_);
  if (!s.ok()) {
    ::close(fd);
    ::unlink(path.c_str());
    return s;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  segment_ = index;
  segment_path_ = std::move(path);
  pages_done_ = 0;
  page_alloc_ = 0;
  page_flushed_ = 0;
  truncate_to_ = -1;
  reload_page_ = false;
  std::memset(&page_[0], 0, kPageSize);
  return absl::OkStatus();
}

absl::Status Wal::FlushLocked(bool pad) {
  size_t end = pad ? kPageSize : page_alloc_;
  if (end > page_flushed_) {
    absl::Status s = fileutil::PWriteAll(
        fd_, absl::string_view(page_.data() + page_flushed_, end - page_flushed_),
        static_cast<int64_t>(pages_done_ * kPageSize + page_flushed_),
        segment_path_);
    if (!s.ok()) return s;
    page_flushed_ = end;
  }
  if (pad) {
    ++pages_done_;
    page_alloc_ = 0;
    page_flushed_ = 0;
    std::memset(&page_[0], 0, kPageSize);
  }
  return absl::OkStatus();
}

absl::Status Wal::RollbackLocked(const Mark& m, absl::Status cause) {
  ++stats_.rollbacks;
  // The page holding `m` was written out and cleared when the failed
  // write went past it; its head comes back from the file.
  reload_page_ = pages_done_ != m.pages_done;
  pages_done_ = m.pages_done;
  page_alloc_ = m.page_alloc;
  page_flushed_ = m.page_alloc;
  std::memset(&page_[m.page_alloc], 0, kPageSize - m.page_alloc);
  truncate_to_ = static_cast<int64_t>(m.pages_done * kPageSize + m.page_alloc);
  // Best effort now; retried before the next write if it fails.
  (void)FinishRollbackLocked();
  return cause;
}

absl::Status Wal::FinishRollbackLocked() {
  if (truncate_to_ >= 0) {
    if (::ftruncate(fd_, truncate_to_) != 0) {
      return fileutil::IoError("truncate WAL segment after a failed write",
                               segment_path_, errno);
    }
    truncate_to_ = -1;
  }
  if (reload_page_) {
    const int64_t off = static_cast<int64_t>(pages_done_ * kPageSize);
    size_t got = 0;
    while (got < page_alloc_) {
      ssize_t n = ::pread(fd_, &page_[got], page_alloc_ - got, off + got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    if (got < page_alloc_) {
      // Cannot restore the page: continue on the next one. The file ends
      // at the record boundary, and the gap up to the next page reads as
      // zeros, i.e. page padding.
      ++pages_done_;
      page_alloc_ = 0;
      page_flushed_ = 0;
      std::memset(&page_[0], 0, kPageSize);
    }
    reload_page_ = false;
  }
  return absl::OkStatus();
}

absl::Status Wal::FailLocked(absl::Status s) {
  ++stats_.write_failures;
  stats_.last_error = s.ToString();
  return s;
}

absl::Status Wal::RolloverLocked() {
  if (page_alloc_ > 0) {
    const Mark mark{pages_done_, page_alloc_};
    absl::Status s = FlushLocked(/*pad=*/true);
    if (!s.ok()) return RollbackLocked(mark, s);
  }
  if (::fdatasync(fd_) != 0) {
    return fileutil::IoError("fsync WAL segment", segment_path_, errno);
  }
  return OpenSegmentLocked(segment_ + 1);
}

absl::Status Wal::Log(absl::string_view rec) {
  absl::MutexLock l(&mu_);
  if (closed_ || fd_ < 0) return absl::FailedPreconditionError("WAL is closed");
  if (ABSL_PREDICT_FALSE(truncate_to_ >= 0 || reload_page_)) {
    absl::Status s = FinishRollbackLocked();
    if (!s.ok()) return FailLocked(s);
  }
  const size_t payload = kPageSize - kFragmentHeaderSize;
  size_t frags = rec.size() / payload + 2;
  size_t need = rec.size() + frags * kFragmentHeaderSize;
  size_t seg_pages = opts_.segment_size / kPageSize;
  size_t left = (kPageSize - page_alloc_) +
                (seg_pages > pages_done_ + 1 ? seg_pages - pages_done_ - 1 : 0) *
                    kPageSize;
  if (need > left && (pages_done_ > 0 || page_alloc_ > 0)) {
    absl::Status s = RolloverLocked();
    if (!s.ok()) return FailLocked(s);
  }
  // Everything up to here is on disk; a failure below cuts back to it.
  const Mark mark{pages_done_, page_alloc_};
  bool first = true;
  for (;;) {
    if (kPageSize - page_alloc_ <= kFragmentHeaderSize) {
      absl::Status s = FlushLocked(/*pad=*/true);
      if (!s.ok()) return FailLocked(RollbackLocked(mark, s));
    }
    size_t room = kPageSize - page_alloc_ - kFragmentHeaderSize;
    size_t n = std::min(room, rec.size());
    bool last = n == rec.size();
    uint8_t type = first ? (last ? kFull : kFirst) : (last ? kLast : kMiddle);
    char* h = &page_[page_alloc_];
    h[0] = static_cast<char>(type);
    h[1] = static_cast<char>(n >> 8);
    h[2] = static_cast<char>(n);
    StoreBE32(h + 3, Crc32cExtend(0, rec.data(), n));
    std::memcpy(h + kFragmentHeaderSize, rec.data(), n);
    page_alloc_ += kFragmentHeaderSize + n;
    rec.remove_prefix(n);
    first = false;
    if (last) break;
  }
  absl::Status s =
      FlushLocked(/*pad=*/kPageSize - page_alloc_ <= kFragmentHeaderSize);
  if (!s.ok()) return FailLocked(RollbackLocked(mark, s));
  if (opts_.sync_every_log && ::fdatasync(fd_) != 0) {
    s = fileutil::IoError("fsync WAL segment", segment_path_, errno);
    return FailLocked(RollbackLocked(mark, s));
  }
  return absl::OkStatus();
}

absl::Status Wal::Sync() {
  absl::MutexLock l(&mu_);
  if (fd_ < 0) return absl::OkStatus();
  if (::fdatasync(fd_) != 0) {
    return FailLocked(
        fileutil::IoError("fsync WAL segment", segment_path_, errno));
  }
  return absl::OkStatus();
}

absl::Status Wal::NextSegment() {
  absl::MutexLock l(&mu_);
  if (closed_ || fd_ < 0) return absl::FailedPreconditionError("WAL is closed");
  absl::Status s = FinishRollbackLocked();
  if (s.ok()) s = RolloverLocked();
  if (!s.ok()) return FailLocked(s);
  return absl::OkStatus();
}

absl::Status Wal::Close() {
  absl::MutexLock l(&mu_);
  if (closed_) return absl::OkStatus();
  closed_ = true;
  if (fd_ < 0) return absl::OkStatus();
  absl::Status s = FinishRollbackLocked();
  if (s.ok() && page_alloc_ > 0) {
    // Padding is optional: a segment may end mid-page, and a partly
    // written pad is zeros, which read as padding too.
    (void)FlushLocked(/*pad=*/true);
  }
  if (s.ok() && ::fdatasync(fd_) != 0) {
    s = fileutil::IoError("fsync WAL segment", segment_path_, errno);
  }
  ::close(fd_);
  fd_ = -1;
  if (!s.ok()) return FailLocked(s);
  return absl::OkStatus();
}

int Wal::current_segment() const {
  absl::MutexLock l(&mu_);
  return segment_;
}

WalStats Wal::Stats() const {
  absl::MutexLock l(&mu_);
  return stats_;
}

int64_t Wal::Size() const { return fileutil::DirSize(dir_); }

namespace {

// Replays one segment's bytes. Returns the parser's stop state.
SegmentParser::Stop ReplaySegment(absl::string_view data, Wal::RecordFn fn,
                                  ReplayStats* stats, SegmentParser* p) {
  std::string rec;
  while (p->Next(&rec)) {
    fn(rec);
    ++stats->records;
  }
  return p->stop();
}

}  // namespace

absl::Status ReadAll(const std::string& dir, Wal::RecordFn fn,
                     ReplayStats* stats) {
  auto segs = ListSegments(dir);
  if (!segs.ok()) return segs.status();
  for (int i : *segs) {
    // Mapped, not read: replay touches each byte once, and a copy would
    // fault in as much fresh memory as the segment's size.
    auto file = fileutil::MappedFile::Open(JoinPath(dir, SegmentName(i)), true);
    if (!file.ok()) return file.status();
    absl::string_view data = (*file)->data();
    SegmentParser p(data);
    if (ReplaySegment(data, fn, stats, &p) != SegmentParser::Stop::kEnd) {
      stats->dropped_records += 1 + p.CountRecordsAfterCorruption();
      stats->repair_message = absl::StrCat(
          dir, "/", SegmentName(i), " at offset ", p.bad_offset(), ": ",
          p.reason());
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Wal>> Wal::Open(const std::string& dir,
                                               const WalOptions& options,
                                               RecordFn fn,
                                               ReplayStats* stats) {
  *stats = ReplayStats();
  absl::Status s = fileutil::MkdirAll(dir);
  if (!s.ok()) return s;
  // Leftovers of an interrupted checkpoint.
  if (auto names = fileutil::ListDir(dir); names.ok()) {
    for (const std::string& n : *names) {
      if (n.size() > 4 && n.compare(n.size() - 4, 4, ".tmp") == 0) {
        s = fileutil::RemoveAll(JoinPath(dir, n));
        if (!s.ok()) return s;
      }
    }
  }
  auto cp = LastCheckpoint(dir);
  if (cp.second >= 0) {
    stats->checkpoint = cp.second;
    ReplayStats cps;
    s = ReadAll(cp.first, fn, &cps);
    if (!s.ok()) return s;
    stats->records += cps.records;
    if (cps.dropped_records > 0) {
      stats->dropped_records += cps.dropped_records;
      stats->repair_message = "checkpoint: " + cps.repair_message;
      std::fprintf(stderr, "vigil tsdb: WAL checkpoint damaged, %llu records "
                   "dropped: %s\n",
                   static_cast<unsigned long long>(cps.dropped_records),
                   cps.repair_message.c_str());
    }
  }
  auto segs = ListSegments(dir);
  if (!segs.ok()) return segs.status();
  std::vector<int> live;
  for (int i : *segs) {
    if (i > cp.second) live.push_back(i);
  }
  for (size_t k = 0; k < live.size(); ++k) {
    int i = live[k];
    std::string path = JoinPath(dir, SegmentName(i));
    auto file = fileutil::MappedFile::Open(path, true);
    if (!file.ok()) return file.status();
    absl::string_view data = (*file)->data();
    if (stats->first_segment < 0) stats->first_segment = i;
    stats->last_segment = i;
    SegmentParser p(data);
    SegmentParser::Stop stop = ReplaySegment(data, fn, stats, &p);
    if (stop == SegmentParser::Stop::kEnd) continue;
    bool last = k + 1 == live.size();
    if (stop == SegmentParser::Stop::kTorn && last) {
      stats->torn_bytes = data.size() - p.bad_offset();
      s = fileutil::Truncate(path, p.bad_offset());
      if (!s.ok()) return s;
      break;
    }
    // Corruption: keep what precedes it, drop the rest of the log.
    uint64_t dropped = 1 + p.CountRecordsAfterCorruption();
    for (size_t j = k + 1; j < live.size(); ++j) {
      std::string later = JoinPath(dir, SegmentName(live[j]));
      auto ld = fileutil::ReadFile(later);
      if (ld.ok()) {
        SegmentParser lp(*ld);
        std::string rec;
        while (lp.Next(&rec)) ++dropped;
      }
      s = fileutil::RemoveAll(later);
      if (!s.ok()) return s;
    }
    s = fileutil::Truncate(path, p.bad_offset());
    if (!s.ok()) return s;
    stats->repaired = true;
    stats->dropped_records += dropped;
    stats->repair_message =
        absl::StrCat("segment ", path, " offset ", p.bad_offset(), ": ",
                     p.reason(), "; truncated there, ", dropped,
                     " records dropped");
    std::fprintf(stderr, "vigil tsdb: WAL repaired: %s\n",
                 stats->repair_message.c_str());
    break;
  }
  return Create(dir, options);
}

}  // namespace vigil::tsdb::wal
