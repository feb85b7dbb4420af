#include "libtsdb/chunkenc/xor_chunk.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libtsdb/encoding/encoding.h"

namespace vigil::tsdb::chunkenc {
namespace {

// Whether `x` fits the signed `nbits` bucket of the timestamp encoding.
inline bool BitRange(int64_t x, int nbits) {
  return -((int64_t{1} << (nbits - 1)) - 1) <= x &&
         x <= (int64_t{1} << (nbits - 1));
}

inline int Clz64(uint64_t x) { return __builtin_clzll(x); }
inline int Ctz64(uint64_t x) { return __builtin_ctzll(x); }

}  // namespace

XorChunk::XorChunk() {
  b_.reserve(128);
  b_.assign(2, '\0');
}

int XorChunk::num_samples() const {
  return (static_cast<uint8_t>(b_[0]) << 8) | static_cast<uint8_t>(b_[1]);
}

double XorChunk::last_v() const { return BitsDouble(vbits_); }

absl::Status XorChunk::FromBytes(absl::string_view bytes, XorChunk* out) {
  if (bytes.size() < 2) {
    return absl::DataLossError(
        absl::StrCat("XOR chunk of ", bytes.size(), " bytes has no header"));
  }
  XorIterator it(bytes);
  while (it.Next()) {
  }
  if (!it.status().ok()) return it.status();
  XorChunk c;
  c.b_.assign(bytes.data(), bytes.size());
  c.t_ = it.s_.t;
  c.vbits_ = it.s_.vbits;
  c.t_delta_ = it.s_.t_delta;
  if (it.total_ == 0) {
    c.free_bits_ = 0;
    c.b_.resize(2);
  } else {
    size_t used = 16 + it.s_.r.bits_read();
    size_t total = bytes.size() * 8;
    if (used > total || total - used >= 8) {
      return absl::DataLossError("XOR chunk has trailing bytes");
    }
    c.free_bits_ = static_cast<int>(total - used);
    c.leading_ = it.s_.window_set ? it.s_.leading : 0xff;
    c.trailing_ = it.s_.trailing;
  }
  *out = std::move(c);
  return absl::OkStatus();
}

bool XorChunk::Append(int64_t t, double v) {
  return AppendBits(t, DoubleBits(v), kChooseWindow, 0);
}

bool XorChunk::AppendBits(int64_t t, uint64_t vbits, int window_lead,
                          int window_trail) {
  int n = num_samples();
  if (n >= 0xffff) return false;
  BitWriter w(&b_, free_bits_);
  if (n == 0) {
    std::string tmp;
    PutVarint(&tmp, t);
    for (char c : tmp) w.WriteByte(static_cast<uint8_t>(c));
    w.WriteBits(vbits, 64);
    free_bits_ = w.free_bits();
  } else if (n == 1) {
    uint64_t t_delta = static_cast<uint64_t>(t) - static_cast<uint64_t>(t_);
    std::string tmp;
    PutUvarint(&tmp, t_delta);
    for (char c : tmp) w.WriteByte(static_cast<uint8_t>(c));
    free_bits_ = w.free_bits();
    WriteValue(vbits, window_lead, window_trail);
    t_delta_ = t_delta;
  } else {
    uint64_t t_delta = static_cast<uint64_t>(t) - static_cast<uint64_t>(t_);
    int64_t dod = static_cast<int64_t>(t_delta - t_delta_);
    if (dod == 0) {
      w.WriteBit(false);
    } else if (BitRange(dod, 14)) {
      w.WriteBits(0b10, 2);
      w.WriteBits(static_cast<uint64_t>(dod), 14);
    } else if (BitRange(dod, 17)) {
      w.WriteBits(0b110, 3);
      w.WriteBits(static_cast<uint64_t>(dod), 17);
    } else if (BitRange(dod, 20)) {
      w.WriteBits(0b1110, 4);
      w.WriteBits(static_cast<uint64_t>(dod), 20);
    } else {
      w.WriteBits(0b1111, 4);
      w.WriteBits(static_cast<uint64_t>(dod), 64);
    }
    free_bits_ = w.free_bits();
    WriteValue(vbits, window_lead, window_trail);
    t_delta_ = t_delta;
  }
  t_ = t;
  vbits_ = vbits;
  ++n;
  b_[0] = static_cast<char>(n >> 8);
  b_[1] = static_cast<char>(n);
  return true;
}

void XorChunk::WriteValue(uint64_t vbits, int window_lead, int window_trail) {
  BitWriter w(&b_, free_bits_);
  uint64_t delta = vbits ^ vbits_;
  if (delta == 0) {
    w.WriteBit(false);
    free_bits_ = w.free_bits();
    return;
  }
  w.WriteBit(true);
  uint8_t lead = static_cast<uint8_t>(Clz64(delta));
  uint8_t trail = static_cast<uint8_t>(Ctz64(delta));
  if (lead >= 32) lead = 31;  // 5 bits hold the count
  bool fits = leading_ != 0xff && lead >= leading_ && trail >= trailing_;
  bool reuse;
  if (window_lead == kChooseWindow) {
    // When the XOR fits the current window, reuse it (2 + width bits)
    // unless a new, tight window costs less (2 + 5 + 6 + significant
    // bits). Prometheus always reuses; both are valid in the format.
    int width = 64 - leading_ - trailing_;
    reuse = fits && width <= 11 + (64 - lead - trail);
  } else if (window_lead == kReuseWindow && fits) {
    reuse = true;
  } else {
    reuse = false;
    // A planned window must hold the XOR; otherwise the tight one.
    if (window_lead >= 0 && window_lead <= lead && window_trail <= trail) {
      lead = static_cast<uint8_t>(window_lead);
      trail = static_cast<uint8_t>(window_trail);
    }
  }
  if (reuse) {
    w.WriteBit(false);
    w.WriteBits(delta >> trailing_, 64 - leading_ - trailing_);
    free_bits_ = w.free_bits();
    return;
  }
  leading_ = lead;
  trailing_ = trail;
  w.WriteBit(true);
  w.WriteBits(lead, 5);
  int sig = 64 - lead - trail;
  w.WriteBits(static_cast<uint64_t>(sig), 6);  // 64 is written as 0
  w.WriteBits(delta >> trail, sig);
  free_bits_ = w.free_bits();
}

// The smallest encoding of the values' XORs over the format's choices.
// Each nonzero XOR either reuses the window in effect (2 + width bits) or
// opens a new one (2 + 5 + 6 + width bits); zero XORs take 1 bit whatever
// the window. So an encoding is a split of the nonzero XORs into runs,
// each opening a window at its first XOR that every XOR of the run fits:
// best the union of their tight windows, for 11 + k * (2 + width) bits
// for k XORs. Dynamic programming over where runs start finds the
// cheapest split. To bound the time, a run starts at most kMaxRun XORs
// back, or where the best run of the XORs before started (so a long run
// in one window stays one run).
absl::StatusOr<XorChunk> XorChunk::Encode(const int64_t* ts, const double* vs,
                                          int n) {
  if (n < 0 || n > 0xffff) {
    return absl::InvalidArgumentError(absl::StrCat(
        "an XOR chunk holds 0..65535 samples, not ", n));
  }
  constexpr int kMaxRun = 32;
  // Nonzero XORs from the second sample on: their sample index and tight
  // window.
  struct Xor {
    int i;
    uint8_t lead, trail;
  };
  std::vector<Xor> xs;
  xs.reserve(n);
  for (int i = 1; i < n; ++i) {
    uint64_t d = DoubleBits(vs[i]) ^ DoubleBits(vs[i - 1]);
    if (d == 0) continue;
    int lead = std::min(Clz64(d), 31);
    xs.push_back(Xor{i, static_cast<uint8_t>(lead),
                     static_cast<uint8_t>(Ctz64(d))});
  }
  const int m = static_cast<int>(xs.size());
  // cost[k]: bits for the first k XORs; start[k]: where their last run
  // starts; run_lead/run_trail[k]: its window.
  std::vector<uint32_t> cost(m + 1, 0);
  std::vector<int> start(m + 1, 0);
  std::vector<uint8_t> run_lead(m + 1, 64), run_trail(m + 1, 64);
  for (int k = 1; k <= m; ++k) {
    const Xor& x = xs[k - 1];
    // The previous best run, extended by this XOR.
    int lead = std::min<int>(run_lead[k - 1], x.lead);
    int trail = std::min<int>(run_trail[k - 1], x.trail);
    int best_j = k == 1 ? 0 : start[k - 1];
    uint32_t best = cost[best_j] + 11 +
                    static_cast<uint32_t>(k - best_j) * (66 - lead - trail);
    int best_lead = lead, best_trail = trail;
    lead = 64;
    trail = 64;
    for (int j = k - 1; j >= 0 && j >= k - kMaxRun; --j) {
      lead = std::min<int>(lead, xs[j].lead);
      trail = std::min<int>(trail, xs[j].trail);
      uint32_t c = cost[j] + 11 +
                   static_cast<uint32_t>(k - j) * (66 - lead - trail);
      if (c < best) {
        best = c;
        best_j = j;
        best_lead = lead;
        best_trail = trail;
      }
    }
    cost[k] = best;
    start[k] = best_j;
    run_lead[k] = static_cast<uint8_t>(best_lead);
    run_trail[k] = static_cast<uint8_t>(best_trail);
  }
  // Windows per sample: kReuseWindow unless a run starts there.
  std::vector<std::pair<int8_t, int8_t>> window(n, {kReuseWindow, 0});
  for (int k = m; k > 0; k = start[k]) {
    window[xs[start[k]].i] = {static_cast<int8_t>(run_lead[k]),
                              static_cast<int8_t>(run_trail[k])};
  }
  XorChunk c;
  for (int i = 0; i < n; ++i) {
    c.AppendBits(ts[i], DoubleBits(vs[i]), window[i].first, window[i].second);
  }
  return c;
}

void XorIterator::Reset(absl::string_view bytes) {
  *this = XorIterator();
  if (bytes.size() < 2) {
    corrupt_ = !bytes.empty();
    return;
  }
  const uint8_t* p = reinterpret_cast<const uint8_t*>(bytes.data());
  total_ = (p[0] << 8) | p[1];
  s_.r = BitReader(p + 2, bytes.size() - 2);
}

double XorIterator::v() const { return BitsDouble(s_.vbits); }

absl::Status XorIterator::status() const {
  if (!corrupt_) return absl::OkStatus();
  return absl::DataLossError(absl::StrCat(
      "XOR chunk ends early: decoded ", read_, " of ", total_, " samples"));
}

bool XorIterator::Fail() {
  corrupt_ = true;
  read_ = total_;
  return false;
}

namespace {

// Reads a uvarint from the bit stream, which need not be byte-aligned
// (the second sample's is not).
bool ReadBitUvarint(BitReader* r, uint64_t* out) {
  uint64_t u = 0;
  for (int shift = 0; shift <= 63; shift += 7) {
    uint8_t b;
    if (!r->ReadByte(&b)) return false;
    u |= uint64_t{static_cast<uint8_t>(b & 0x7f)} << shift;
    if (b < 0x80) {
      *out = u;
      return true;
    }
  }
  return false;
}

}  // namespace

// The decoding steps below take the iterator's State by reference and are
// inlined into Next() and into the NextBatch() loop, where the state lives
// in registers. kChecked = false is for when the caller has made sure that
// a whole sample plus a window's worth of bytes is left (kSampleBound), so
// no step can run past the end.

// The most bits one sample takes after the first two: 4 + 64 for the
// timestamp, 2 + 11 + 64 for the value.
constexpr size_t kMaxSampleBits = 4 + 64 + 13 + 64;
constexpr size_t kSampleBound = kMaxSampleBits + 64 + 8;

template <bool kChecked>
__attribute__((always_inline)) inline uint64_t Window(const BitReader& r) {
  return kChecked ? r.Window() : r.WindowUnchecked();
}

// Reads `n` (33..64) bits; unchecked reads stay inline so the decoding
// state can live in registers.
template <bool kChecked>
__attribute__((always_inline)) inline bool Read(BitReader& r, int n,
                                                uint64_t* out) {
  if (kChecked) return r.ReadBits(n, out);
  uint64_t high = r.WindowUnchecked() >> 32 << 32;
  r.Skip(32);
  *out = (high | (r.WindowUnchecked() >> 32)) >> (64 - n);
  r.Skip(n - 32);
  return true;
}

// Timestamp after the second sample: 0 | 10 | 110 | 1110 | 1111, then
// 0/14/17/20/64 bits of delta-of-delta. All but the 64-bit case fit in one
// 57-bit window.
template <bool kChecked, typename State>
__attribute__((always_inline)) inline bool DecodeTimestamp(State& s) {
  BitReader& r = s.r;
  size_t left = kChecked ? r.bits_left() : kSampleBound;
  uint64_t w = Window<kChecked>(r);
  uint64_t dod = 0;
  if (w >> 63 == 0) {
    if (kChecked && left < 1) return false;
    r.Skip(1);
  } else {
    int ones = ~w == 0 ? 64 : __builtin_clzll(~w);
    if (ones >= 4) {
      if (kChecked && left < 4) return false;
      r.Skip(4);
      if (!Read<kChecked>(r, 64, &dod)) return false;
    } else {
      static constexpr int kBits[4] = {0, 14, 17, 20};
      int sz = kBits[ones];
      size_t used = ones + 1 + sz;
      if (kChecked && used > left) return false;
      uint64_t bits = (w << (ones + 1)) >> (64 - sz);
      if (bits > (uint64_t{1} << (sz - 1))) bits -= uint64_t{1} << sz;
      dod = bits;
      r.Skip(used);
    }
  }
  // Unsigned arithmetic: corrupt input must not overflow signed types.
  s.t_delta += dod;
  s.t = static_cast<int64_t>(static_cast<uint64_t>(s.t) + s.t_delta);
  return true;
}

// Value after the first sample: 0 (same) | 10 (reuse window) |
// 11 lead(5) sig(6), then the meaningful bits.
template <bool kChecked, typename State>
__attribute__((always_inline)) inline bool DecodeValue(State& s) {
  BitReader& r = s.r;
  size_t left = kChecked ? r.bits_left() : kSampleBound;
  uint64_t w = Window<kChecked>(r);
  if (w >> 63 == 0) {
    if (kChecked && left < 1) return false;
    r.Skip(1);
    return true;
  }
  size_t head = 2;
  if (w >> 62 != 0b10) {
    if (kChecked && left < 13) return false;
    uint64_t lead = (w >> 57) & 31, sig = (w >> 51) & 63;
    if (sig == 0) sig = 64;
    if (lead + sig > 64) return false;
    s.window_set = true;
    s.leading = static_cast<uint8_t>(lead);
    s.trailing = static_cast<uint8_t>(64 - lead - sig);
    head = 13;
  }
  int mbits = 64 - s.leading - s.trailing;
  if (mbits <= 0) return false;
  uint64_t bits;
  if (head + mbits <= 57) {
    if (kChecked && head + mbits > left) return false;
    bits = (w << head) >> (64 - mbits);
    r.Skip(head + mbits);
  } else {
    if (kChecked && head > left) return false;
    r.Skip(head);
    if (!Read<kChecked>(r, mbits, &bits)) return false;
  }
  s.vbits ^= bits << s.trailing;
  return true;
}

bool XorIterator::NextHead() {
  uint64_t u;
  if (!ReadBitUvarint(&s_.r, &u)) return Fail();
  if (read_ == 0) {
    s_.t = ZigZagDecode(u);
    if (!s_.r.ReadBits(64, &s_.vbits)) return Fail();
  } else {
    s_.t_delta = u;
    s_.t = static_cast<int64_t>(static_cast<uint64_t>(s_.t) + s_.t_delta);
    if (!DecodeValue<true>(s_)) return Fail();
  }
  ++read_;
  return true;
}

bool XorIterator::Next() {
  if (corrupt_ || read_ >= total_) {
    done_ = true;
    return false;
  }
  started_ = true;
  if (read_ < 2) return NextHead();
  if (!DecodeTimestamp<true>(s_) || !DecodeValue<true>(s_)) return Fail();
  ++read_;
  return true;
}

int XorIterator::NextBatch(int64_t* ts, double* vs, int max) {
  int n = 0;
  while (n < max && read_ < 2) {
    if (!Next()) return n;
    ts[n] = s_.t;
    vs[n] = BitsDouble(s_.vbits);
    ++n;
  }
  if (corrupt_ || read_ >= total_) {
    if (n == 0) done_ = true;
    return n;
  }
  int first = n;
  int end = n + std::min(max - n, total_ - read_);
  State s = s_;
  // Far from the end no step needs a bounds check.
  for (; n < end && s.r.bits_left() >= kSampleBound; ++n) {
    if (!DecodeTimestamp<false>(s) || !DecodeValue<false>(s)) {
      s_ = s;
      Fail();
      return n;
    }
    ts[n] = s.t;
    vs[n] = BitsDouble(s.vbits);
  }
  for (; n < end; ++n) {
    if (!DecodeTimestamp<true>(s) || !DecodeValue<true>(s)) {
      s_ = s;
      Fail();
      return n;
    }
    ts[n] = s.t;
    vs[n] = BitsDouble(s.vbits);
  }
  s_ = s;
  read_ += n - first;
  return n;
}

bool XorIterator::Seek(int64_t t) {
  if (done_ || corrupt_) return false;
  if (started_ && s_.t >= t) return true;
  while (Next()) {
    if (s_.t >= t) return true;
  }
  return false;
}

}  // namespace vigil::tsdb::chunkenc
