// Encoding helpers for libtsdb's on-disk formats, matching Go's
// encoding/binary: unsigned LEB128 varints (uvarint), zig-zag signed
// varints (varint), big-endian fixed-width integers.
//
// Decbuf reads from a byte range without ever reading past its end: the
// first failure sets an error flag, later reads return zeros, and callers
// check ok() once (Prometheus's encoding.Decbuf).
//
// Thread safety: plain values; one thread at a time per object.

#ifndef VIGIL_LIBTSDB_ENCODING_ENCODING_H_
#define VIGIL_LIBTSDB_ENCODING_ENCODING_H_

#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"

namespace vigil::tsdb {

inline void PutUvarint(std::string* b, uint64_t v) {
  char tmp[10];
  int n = 0;
  while (v >= 0x80) {
    tmp[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  tmp[n++] = static_cast<char>(v);
  b->append(tmp, n);
}

inline void PutVarint(std::string* b, int64_t v) {
  uint64_t u = static_cast<uint64_t>(v) << 1;
  if (v < 0) u = ~u;
  PutUvarint(b, u);
}

inline void PutBE16(std::string* b, uint16_t v) {
  char tmp[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
  b->append(tmp, 2);
}

inline void PutBE32(std::string* b, uint32_t v) {
  char tmp[4];
  for (int i = 0; i < 4; ++i) tmp[i] = static_cast<char>(v >> (24 - 8 * i));
  b->append(tmp, 4);
}

inline void PutBE64(std::string* b, uint64_t v) {
  char tmp[8];
  for (int i = 0; i < 8; ++i) tmp[i] = static_cast<char>(v >> (56 - 8 * i));
  b->append(tmp, 8);
}

inline void PutUvarintStr(std::string* b, absl::string_view s) {
  PutUvarint(b, s.size());
  b->append(s.data(), s.size());
}

inline uint32_t LoadBE32(const void* p) {
  const uint8_t* b = static_cast<const uint8_t*>(p);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) |
         (uint32_t{b[2]} << 8) | uint32_t{b[3]};
}

inline uint64_t LoadBE64(const void* p) {
  return (uint64_t{LoadBE32(p)} << 32) |
         LoadBE32(static_cast<const uint8_t*>(p) + 4);
}

inline void StoreBE32(void* p, uint32_t v) {
  uint8_t* b = static_cast<uint8_t*>(p);
  for (int i = 0; i < 4; ++i) b[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

inline uint64_t DoubleBits(double v) {
  uint64_t u;
  std::memcpy(&u, &v, 8);
  return u;
}

inline double BitsDouble(uint64_t u) {
  double v;
  std::memcpy(&v, &u, 8);
  return v;
}

// Reads uvarint from [*p, end). Returns false (and leaves *p) when the
// bytes end first or the value overflows 64 bits.
inline bool ReadUvarint(const uint8_t** p, const uint8_t* end, uint64_t* out) {
  uint64_t v = 0;
  int shift = 0;
  const uint8_t* q = *p;
  while (q < end) {
    uint8_t b = *q++;
    if (shift == 63 && b > 1) return false;
    v |= uint64_t{static_cast<uint8_t>(b & 0x7f)} << shift;
    if (b < 0x80) {
      *out = v;
      *p = q;
      return true;
    }
    shift += 7;
    if (shift > 63) return false;
  }
  return false;
}

inline int64_t ZigZagDecode(uint64_t u) {
  int64_t x = static_cast<int64_t>(u >> 1);
  if (u & 1) x = ~x;
  return x;
}

class Decbuf {
 public:
  Decbuf() = default;
  explicit Decbuf(absl::string_view b)
      : p_(reinterpret_cast<const uint8_t*>(b.data())), end_(p_ + b.size()) {}

  bool ok() const { return ok_; }
  size_t remaining() const { return ok_ ? end_ - p_ : 0; }
  const uint8_t* pos() const { return p_; }
  void Fail() { ok_ = false; }

  uint64_t Uvarint() {
    uint64_t v = 0;
    if (!ok_ || !ReadUvarint(&p_, end_, &v)) ok_ = false;
    return ok_ ? v : 0;
  }
  int64_t Varint() { return ZigZagDecode(Uvarint()); }
  uint8_t Byte() {
    if (!ok_ || p_ >= end_) {
      ok_ = false;
      return 0;
    }
    return *p_++;
  }
  uint32_t BE32() {
    if (!ok_ || end_ - p_ < 4) {
      ok_ = false;
      return 0;
    }
    uint32_t v = LoadBE32(p_);
    p_ += 4;
    return v;
  }
  uint64_t BE64() {
    if (!ok_ || end_ - p_ < 8) {
      ok_ = false;
      return 0;
    }
    uint64_t v = LoadBE64(p_);
    p_ += 8;
    return v;
  }
  absl::string_view Bytes(uint64_t n) {
    if (!ok_ || static_cast<uint64_t>(end_ - p_) < n) {
      ok_ = false;
      return {};
    }
    absl::string_view s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }
  absl::string_view UvarintStr() { return Bytes(Uvarint()); }
  void Skip(uint64_t n) { Bytes(n); }

 private:
  const uint8_t* p_ = nullptr;
  const uint8_t* end_ = nullptr;
  bool ok_ = true;
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIBTSDB_ENCODING_ENCODING_H_
