// Wal::Checkpoint: folds old segments into checkpoint.NNNNNNNN so the WAL
// stays bounded while the head still needs series definitions and recent
// samples from them.

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libtsdb/fileutil/fileutil.h"
#include "libtsdb/wal/record.h"
#include "libtsdb/wal/wal.h"

namespace vigil::tsdb::wal {

using fileutil::JoinPath;

absl::Status Wal::Checkpoint(int upto, absl::FunctionRef<bool(uint64_t)> keep,
                             int64_t mint) {
  {
    absl::MutexLock l(&mu_);
    if (upto >= segment_) {
      return absl::FailedPreconditionError(absl::StrCat(
          "checkpoint up to segment ", upto,
          " includes the segment being written (", segment_, ")"));
    }
  }
  auto prev = LastCheckpoint(dir_);
  if (prev.second >= upto) return absl::OkStatus();
  std::string final_dir = JoinPath(dir_, CheckpointName(upto));
  std::string tmp = final_dir + ".tmp";
  absl::Status s = fileutil::RemoveAll(tmp);
  if (!s.ok()) return s;
  WalOptions o = opts_;
  o.sync_every_log = false;
  auto w = Wal::Create(tmp, o);
  if (!w.ok()) {
    (void)fileutil::RemoveAll(tmp);
    return w.status();
  }
  // A failed checkpoint leaves nothing behind: the partial one would
  // only hold disk space that the WAL may need.
  auto fail = [&](absl::Status st) {
    (*w).reset();
    (void)fileutil::RemoveAll(tmp);
    return st;
  };

  absl::Status write_status;
  std::vector<RefSeries> series;
  std::vector<RefSample> samples;
  std::vector<RefTombstone> stones;
  std::string out;
  auto process = [&](absl::string_view rec) {
    if (!write_status.ok()) return;
    out.clear();
    switch (TypeOf(rec)) {
      case RecordType::kSeries: {
        series.clear();
        if (!DecodeSeries(rec, &series).ok()) return;
        std::vector<RefSeries> kept;
        for (auto& x : series) {
          if (keep(x.ref)) kept.push_back(std::move(x));
        }
        if (kept.empty()) return;
        EncodeSeries(kept, &out);
        break;
      }
      case RecordType::kSamples: {
        samples.clear();
        if (!DecodeSamples(rec, &samples).ok()) return;
        std::vector<RefSample> kept;
        for (const auto& x : samples) {
          if (x.t >= mint) kept.push_back(x);
        }
        if (kept.empty()) return;
        EncodeSamples(kept, &out);
        break;
      }
      case RecordType::kTombstones: {
        stones.clear();
        if (!DecodeTombstones(rec, &stones).ok()) return;
        std::vector<RefTombstone> kept;
        for (const auto& x : stones) {
          if (x.iv.maxt >= mint && keep(x.ref)) kept.push_back(x);
        }
        if (kept.empty()) return;
        EncodeTombstones(kept, &out);
        break;
      }
      default:
        return;
    }
    write_status = (*w)->Log(out);
  };

  ReplayStats st;
  if (prev.second >= 0) {
    s = ReadAll(prev.first, process, &st);
    if (!s.ok()) return fail(s);
  }
  auto segs = ListSegments(dir_);
  if (!segs.ok()) return fail(segs.status());
  for (int i : *segs) {
    if (i <= prev.second || i > upto) continue;
    // Mapped: a checkpoint reads up to the whole WAL, and copies would
    // each cost a segment's size in memory.
    auto file = fileutil::MappedFile::Open(JoinPath(dir_, SegmentName(i)), true);
    if (!file.ok()) return fail(file.status());
    SegmentParser p((*file)->data());
    std::string rec;
    while (p.Next(&rec)) process(rec);
  }
  if (!write_status.ok()) return fail(write_status);
  s = (*w)->Close();
  if (!s.ok()) return fail(s);
  s = fileutil::Rename(tmp, final_dir);
  if (!s.ok()) return fail(s);
  s = fileutil::SyncDir(dir_);
  if (!s.ok()) return s;
  for (int i : *segs) {
    if (i > upto) break;
    s = fileutil::RemoveAll(JoinPath(dir_, SegmentName(i)));
    if (!s.ok()) return s;
  }
  auto names = fileutil::ListDir(dir_);
  if (names.ok()) {
    for (const std::string& n : *names) {
      if (absl::StartsWith(n, "checkpoint.") && n != CheckpointName(upto)) {
        s = fileutil::RemoveAll(JoinPath(dir_, n));
        if (!s.ok()) return s;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace vigil::tsdb::wal
