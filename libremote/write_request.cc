#include "libremote/write_request.h"

#include <cstring>

#include "snappy.h"

namespace vigil::remote {
namespace {

// Protobuf wire types.
constexpr uint8_t kVarint = 0;
constexpr uint8_t kFixed64 = 1;
constexpr uint8_t kLen = 2;

inline void PutVarint(uint64_t v, std::string* out) {
  char buf[10];
  int n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out->append(buf, n);
}

inline size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

inline void PutTag(int field, uint8_t type, std::string* out) {
  out->push_back(static_cast<char>((field << 3) | type));
}

inline void PutBytes(int field, absl::string_view s, std::string* out) {
  PutTag(field, kLen, out);
  PutVarint(s.size(), out);
  out->append(s.data(), s.size());
}

inline size_t BytesFieldSize(size_t len) { return 1 + VarintSize(len) + len; }

// Sample { double value = 1; int64 timestamp = 2; }
inline void PutSample(int64_t t, double v, std::string* out) {
  size_t inner = 1 + 8 + 1 + VarintSize(static_cast<uint64_t>(t));
  PutTag(2, kLen, out);
  PutVarint(inner, out);
  PutTag(1, kFixed64, out);
  char buf[8];
  std::memcpy(buf, &v, 8);  // little-endian hosts only (x86, arm)
  out->append(buf, 8);
  PutTag(2, kVarint, out);
  PutVarint(static_cast<uint64_t>(t), out);
}

}  // namespace

absl::string_view WriteRequestEncoder::Encode(
    absl::Span<const PendingSample> samples) {
  index_.clear();
  size_t used = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    auto [it, inserted] =
        index_.try_emplace(samples[i].labels, static_cast<uint32_t>(used));
    if (inserted) {
      if (members_.size() <= used) members_.emplace_back();
      members_[used].clear();
      ++used;
    }
    members_[it->second].push_back(static_cast<uint32_t>(i));
  }
  pb_.clear();
  for (size_t s = 0; s < used; ++s) {
    const std::vector<uint32_t>& m = members_[s];
    const model::Labels& labels = samples[m[0]].labels;
    series_buf_.clear();
    // TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
    for (model::LabelView l : labels) {
      size_t inner = BytesFieldSize(l.name.size()) + BytesFieldSize(l.value.size());
      PutTag(1, kLen, &series_buf_);
      PutVarint(inner, &series_buf_);
      PutBytes(1, l.name, &series_buf_);
      PutBytes(2, l.value, &series_buf_);
    }
    for (uint32_t i : m) PutSample(samples[i].t_ms, samples[i].value, &series_buf_);
    // WriteRequest { repeated TimeSeries timeseries = 1; }
    PutBytes(1, series_buf_, &pb_);
  }
  compressed_.clear();
  snappy::Compress(pb_.data(), pb_.size(), &compressed_);
  return compressed_;
}

}  // namespace vigil::remote
