#include "libtsdb/wal/record.h"

#include "absl/strings/str_cat.h"
#include "libtsdb/encoding/encoding.h"
#include "model/labels.h"

namespace vigil::tsdb::wal {

RecordType TypeOf(absl::string_view rec) {
  if (rec.empty()) return RecordType::kUnknown;
  switch (static_cast<uint8_t>(rec[0])) {
    case 1:
      return RecordType::kSeries;
    case 2:
      return RecordType::kSamples;
    case 3:
      return RecordType::kTombstones;
    default:
      return RecordType::kUnknown;
  }
}

void EncodeSeries(const std::vector<RefSeries>& series, std::string* out) {
  out->push_back(static_cast<char>(RecordType::kSeries));
  for (const RefSeries& s : series) {
    PutBE64(out, s.ref);
    PutUvarint(out, s.labels.size());
    for (model::LabelView l : s.labels) {
      PutUvarintStr(out, l.name);
      PutUvarintStr(out, l.value);
    }
  }
}

void EncodeSamples(const std::vector<RefSample>& samples, std::string* out) {
  out->push_back(static_cast<char>(RecordType::kSamples));
  if (samples.empty()) return;
  const RefSample& first = samples[0];
  PutBE64(out, first.ref);
  PutBE64(out, static_cast<uint64_t>(first.t));
  for (const RefSample& s : samples) {
    PutVarint(out, static_cast<int64_t>(s.ref - first.ref));
    PutVarint(out, static_cast<int64_t>(static_cast<uint64_t>(s.t) -
                                        static_cast<uint64_t>(first.t)));
    PutBE64(out, DoubleBits(s.v));
  }
}

void EncodeTombstones(const std::vector<RefTombstone>& stones,
                      std::string* out) {
  out->push_back(static_cast<char>(RecordType::kTombstones));
  for (const RefTombstone& s : stones) {
    PutUvarint(out, s.ref);
    PutVarint(out, s.iv.mint);
    PutVarint(out, s.iv.maxt);
  }
}

absl::Status DecodeSeries(absl::string_view rec, std::vector<RefSeries>* out) {
  if (TypeOf(rec) != RecordType::kSeries) {
    return absl::InvalidArgumentError("not a series record");
  }
  Decbuf d(rec.substr(1));
  std::vector<std::pair<std::string, std::string>> pairs;
  while (d.ok() && d.remaining() > 0) {
    uint64_t ref = d.BE64();
    uint64_t n = d.Uvarint();
    if (!d.ok() || n > d.remaining()) break;
    pairs.clear();
    for (uint64_t i = 0; i < n && d.ok(); ++i) {
      absl::string_view name = d.UvarintStr();
      absl::string_view value = d.UvarintStr();
      pairs.emplace_back(std::string(name), std::string(value));
    }
    if (!d.ok()) break;
    out->push_back(RefSeries{ref, model::Labels::FromPairs(pairs)});
  }
  if (!d.ok()) return absl::DataLossError("WAL series record is truncated");
  return absl::OkStatus();
}

absl::Status DecodeSamples(absl::string_view rec,
                           std::vector<RefSample>* out) {
  if (TypeOf(rec) != RecordType::kSamples) {
    return absl::InvalidArgumentError("not a samples record");
  }
  Decbuf d(rec.substr(1));
  if (d.remaining() == 0) return absl::OkStatus();
  uint64_t base_ref = d.BE64();
  uint64_t base_t = d.BE64();
  while (d.ok() && d.remaining() > 0) {
    int64_t dref = d.Varint();
    int64_t dt = d.Varint();
    uint64_t vbits = d.BE64();
    if (!d.ok()) break;
    out->push_back(RefSample{base_ref + static_cast<uint64_t>(dref),
                             static_cast<int64_t>(base_t + static_cast<uint64_t>(dt)),
                             BitsDouble(vbits)});
  }
  if (!d.ok()) return absl::DataLossError("WAL samples record is truncated");
  return absl::OkStatus();
}

absl::Status DecodeTombstones(absl::string_view rec,
                              std::vector<RefTombstone>* out) {
  if (TypeOf(rec) != RecordType::kTombstones) {
    return absl::InvalidArgumentError("not a tombstones record");
  }
  Decbuf d(rec.substr(1));
  while (d.ok() && d.remaining() > 0) {
    uint64_t ref = d.Uvarint();
    int64_t mint = d.Varint();
    int64_t maxt = d.Varint();
    if (!d.ok()) break;
    out->push_back(RefTombstone{ref, {mint, maxt}});
  }
  if (!d.ok()) {
    return absl::DataLossError("WAL tombstones record is truncated");
  }
  return absl::OkStatus();
}

}  // namespace vigil::tsdb::wal
