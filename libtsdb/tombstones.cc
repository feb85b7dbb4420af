#include "libtsdb/tombstones.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "libtsdb/encoding/crc32c.h"
#include "libtsdb/encoding/encoding.h"

namespace vigil::tsdb {

namespace {
constexpr uint32_t kTombstoneMagic = 0x0130BA30;
constexpr uint8_t kTombstoneV1 = 1;
}  // namespace

void AddInterval(Intervals* ivs, Interval iv) {
  if (iv.mint > iv.maxt) return;
  ivs->push_back(iv);
  std::sort(ivs->begin(), ivs->end(),
            [](const Interval& a, const Interval& b) { return a.mint < b.mint; });
  Intervals out;
  out.reserve(ivs->size());
  for (const Interval& x : *ivs) {
    if (!out.empty() &&
        (out.back().maxt == INT64_MAX || x.mint <= out.back().maxt + 1)) {
      out.back().maxt = std::max(out.back().maxt, x.maxt);
    } else {
      out.push_back(x);
    }
  }
  *ivs = std::move(out);
}

bool IsDeleted(const Intervals& ivs, int64_t t) {
  for (const Interval& iv : ivs) {
    if (t < iv.mint) return false;
    if (t <= iv.maxt) return true;
  }
  return false;
}

bool FullyDeleted(const Intervals& ivs, int64_t mint, int64_t maxt) {
  for (const Interval& iv : ivs) {
    if (iv.mint <= mint && maxt <= iv.maxt) return true;
  }
  return false;
}

void TombstoneMap::Add(uint64_t ref, Interval iv) {
  absl::MutexLock l(&mu_);
  AddInterval(&m_[ref], iv);
}

Intervals TombstoneMap::Get(uint64_t ref) const {
  absl::MutexLock l(&mu_);
  auto it = m_.find(ref);
  return it == m_.end() ? Intervals() : it->second;
}

size_t TombstoneMap::NumSeries() const {
  absl::MutexLock l(&mu_);
  return m_.size();
}

absl::btree_map<uint64_t, Intervals> TombstoneMap::Snapshot() const {
  absl::MutexLock l(&mu_);
  return m_;
}

void TombstoneMap::Erase(uint64_t ref) {
  absl::MutexLock l(&mu_);
  m_.erase(ref);
}

std::string TombstoneMap::Encode() const {
  std::string b;
  PutBE32(&b, kTombstoneMagic);
  b.push_back(static_cast<char>(kTombstoneV1));
  size_t body = b.size();
  for (const auto& [ref, ivs] : Snapshot()) {
    for (const Interval& iv : ivs) {
      PutUvarint(&b, ref);
      PutVarint(&b, iv.mint);
      PutVarint(&b, iv.maxt);
    }
  }
  PutBE32(&b, Crc32cExtend(0, b.data() + body, b.size() - body));
  return b;
}

absl::StatusOr<TombstoneMap> TombstoneMap::Decode(absl::string_view data,
                                                  absl::string_view what) {
  if (data.size() < 9) {
    return absl::DataLossError(
        absl::StrCat(what, ": tombstones file of ", data.size(),
                     " bytes is shorter than its header and checksum"));
  }
  if (LoadBE32(data.data()) != kTombstoneMagic) {
    return absl::DataLossError(absl::StrCat(what, ": bad tombstones magic"));
  }
  if (static_cast<uint8_t>(data[4]) != kTombstoneV1) {
    return absl::DataLossError(absl::StrCat(
        what, ": unsupported tombstones version ", static_cast<int>(data[4])));
  }
  absl::string_view body = data.substr(5, data.size() - 9);
  uint32_t want = LoadBE32(data.data() + data.size() - 4);
  if (Crc32c(body) != want) {
    return absl::DataLossError(
        absl::StrCat(what, ": tombstones checksum mismatch"));
  }
  TombstoneMap out;
  Decbuf d(body);
  while (d.ok() && d.remaining() > 0) {
    uint64_t ref = d.Uvarint();
    int64_t mint = d.Varint();
    int64_t maxt = d.Varint();
    if (!d.ok()) break;
    out.Add(ref, Interval{mint, maxt});
  }
  if (!d.ok()) {
    return absl::DataLossError(
        absl::StrCat(what, ": truncated tombstone entry"));
  }
  return out;
}

}  // namespace vigil::tsdb
