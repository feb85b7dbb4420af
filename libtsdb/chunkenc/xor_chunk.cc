#include "libtsdb/chunkenc/xor_chunk.h"

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
  c.t_ = it.t_;
  c.vbits_ = it.vbits_;
  c.t_delta_ = it.t_delta_;
  if (it.total_ == 0) {
    c.free_bits_ = 0;
    c.b_.resize(2);
  } else {
    size_t used = 16 + it.r_.bits_read();
    size_t total = bytes.size() * 8;
    if (used > total || total - used >= 8) {
      return absl::DataLossError("XOR chunk has trailing bytes");
    }
    c.free_bits_ = static_cast<int>(total - used);
    c.leading_ = it.window_set_ ? it.leading_ : 0xff;
    c.trailing_ = it.trailing_;
  }
  *out = std::move(c);
  return absl::OkStatus();
}

bool XorChunk::Append(int64_t t, double v) {
  int n = num_samples();
  if (n >= 0xffff) return false;
  uint64_t vbits = DoubleBits(v);
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
    WriteValue(vbits);
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
    WriteValue(vbits);
    t_delta_ = t_delta;
  }
  t_ = t;
  vbits_ = vbits;
  ++n;
  b_[0] = static_cast<char>(n >> 8);
  b_[1] = static_cast<char>(n);
  return true;
}

void XorChunk::WriteValue(uint64_t vbits) {
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
  if (leading_ != 0xff && lead >= leading_ && trail >= trailing_) {
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

void XorIterator::Reset(absl::string_view bytes) {
  *this = XorIterator();
  if (bytes.size() < 2) {
    corrupt_ = !bytes.empty();
    return;
  }
  const uint8_t* p = reinterpret_cast<const uint8_t*>(bytes.data());
  total_ = (p[0] << 8) | p[1];
  r_ = BitReader(p + 2, bytes.size() - 2);
}

double XorIterator::v() const { return BitsDouble(vbits_); }

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

bool XorIterator::Next() {
  if (corrupt_ || read_ >= total_) {
    done_ = true;
    return false;
  }
  started_ = true;
  if (read_ == 0) {
    uint64_t u = 0;
    int shift = 0;
    for (;;) {
      uint8_t b;
      if (!r_.ReadByte(&b) || shift > 63) return Fail();
      u |= uint64_t{static_cast<uint8_t>(b & 0x7f)} << shift;
      if (b < 0x80) break;
      shift += 7;
    }
    t_ = ZigZagDecode(u);
    if (!r_.ReadBits(64, &vbits_)) return Fail();
    ++read_;
    return true;
  }
  if (read_ == 1) {
    uint64_t u = 0;
    int shift = 0;
    for (;;) {
      uint8_t b;
      if (!r_.ReadByte(&b) || shift > 63) return Fail();
      u |= uint64_t{static_cast<uint8_t>(b & 0x7f)} << shift;
      if (b < 0x80) break;
      shift += 7;
    }
    t_delta_ = u;
    t_ = static_cast<int64_t>(static_cast<uint64_t>(t_) + t_delta_);
  } else {
    // Control bits: 0 | 10 | 110 | 1110 | 1111, then 0/14/17/20/64 bits.
    uint64_t top;
    int sz;
    if (r_.Peek4(&top)) {
      if (top < 0b1000) {
        r_.Skip(1);
        sz = 0;
      } else if (top < 0b1100) {
        r_.Skip(2);
        sz = 14;
      } else if (top < 0b1110) {
        r_.Skip(3);
        sz = 17;
      } else if (top == 0b1110) {
        r_.Skip(4);
        sz = 20;
      } else {
        r_.Skip(4);
        sz = 64;
      }
    } else {
      int d = 0;
      for (int i = 0; i < 4; ++i) {
        bool bit;
        if (!r_.ReadBit(&bit)) return Fail();
        d <<= 1;
        if (!bit) break;
        d |= 1;
      }
      sz = d == 0 ? 0 : d == 0b10 ? 14 : d == 0b110 ? 17 : d == 0b1110 ? 20 : 64;
    }
    int64_t dod = 0;
    if (sz == 64) {
      uint64_t bits;
      if (!r_.ReadBits(64, &bits)) return Fail();
      dod = static_cast<int64_t>(bits);
    } else if (sz != 0) {
      uint64_t bits;
      if (!r_.ReadBits(sz, &bits)) return Fail();
      if (bits > (uint64_t{1} << (sz - 1))) bits -= uint64_t{1} << sz;
      dod = static_cast<int64_t>(bits);
    }
    // Unsigned arithmetic: corrupt input must not overflow signed types.
    t_delta_ += static_cast<uint64_t>(dod);
    t_ = static_cast<int64_t>(static_cast<uint64_t>(t_) + t_delta_);
  }
  // Value: 0 (same) | 10 (reuse window) | 11 lead(5) sig(6).
  int ctl2;  // 0: same value, 2: reuse window, 3: new window
  uint64_t top2;
  if (r_.Peek2(&top2)) {
    ctl2 = top2 < 2 ? 0 : static_cast<int>(top2);
    r_.Skip(ctl2 == 0 ? 1 : 2);
  } else {
    bool bit;
    if (!r_.ReadBit(&bit)) return Fail();
    ctl2 = 0;
    if (bit) {
      if (!r_.ReadBit(&bit)) return Fail();
      ctl2 = bit ? 3 : 2;
    }
  }
  if (ctl2 != 0) {
    if (ctl2 == 3) {
      uint64_t ctl;
      if (!r_.ReadBits(11, &ctl)) return Fail();
      uint64_t lead = ctl >> 6, sig = ctl & 63;
      if (sig == 0) sig = 64;
      if (lead + sig > 64) return Fail();
      window_set_ = true;
      leading_ = static_cast<uint8_t>(lead);
      trailing_ = static_cast<uint8_t>(64 - lead - sig);
    }
    int mbits = 64 - leading_ - trailing_;
    if (mbits <= 0) return Fail();
    uint64_t bits;
    if (!r_.ReadBits(mbits, &bits)) return Fail();
    vbits_ ^= bits << trailing_;
  }
  ++read_;
  return true;
}

bool XorIterator::Seek(int64_t t) {
  if (done_ || corrupt_) return false;
  if (started_ && t_ >= t) return true;
  while (Next()) {
    if (t_ >= t) return true;
  }
  return false;
}

}  // namespace vigil::tsdb::chunkenc
