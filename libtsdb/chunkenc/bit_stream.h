// BitWriter and BitReader: the most-significant-bit-first bit stream under
// the XOR chunk (Prometheus's bstream). See libtsdb/docs/format/chunks.md.
//
// BitWriter appends bits to a byte string whose last byte may be partly
// used. BitReader reads a byte range 64 bits at a time and reports running
// past the end through its return values, never by reading out of bounds.
//
// Thread safety: one thread at a time per object.

#ifndef VIGIL_LIBTSDB_CHUNKENC_BIT_STREAM_H_
#define VIGIL_LIBTSDB_CHUNKENC_BIT_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace vigil::tsdb::chunkenc {

class BitWriter {
 public:
  // Writes into `*bytes`, continuing after its last byte, of which
  // `free_bits` low bits are still unused (0: start a new byte).
  explicit BitWriter(std::string* bytes, int free_bits = 0)
      : b_(bytes), free_(free_bits) {}

  void WriteBit(bool bit) {
    if (free_ == 0) {
      b_->push_back(0);
      free_ = 8;
    }
    --free_;
    if (bit) b_->back() = static_cast<char>(b_->back() | (1 << free_));
  }

  // Writes the low `nbits` (0..64) of `u`, most significant first.
  void WriteBits(uint64_t u, int nbits) {
    while (nbits > 0) {
      if (free_ == 0) {
        b_->push_back(0);
        free_ = 8;
      }
      int take = nbits < free_ ? nbits : free_;
      uint64_t bits = (u >> (nbits - take)) & ((uint64_t{1} << take) - 1);
      b_->back() =
          static_cast<char>(static_cast<uint8_t>(b_->back()) |
                            static_cast<uint8_t>(bits << (free_ - take)));
      free_ -= take;
      nbits -= take;
    }
  }

  void WriteByte(uint8_t byte) { WriteBits(byte, 8); }

  int free_bits() const { return free_; }

 private:
  std::string* b_;
  int free_;
};

class BitReader {
 public:
  BitReader() = default;
  BitReader(const uint8_t* data, size_t size)
      : start_(data), p_(data), end_(data + size) {}

  // Bits consumed so far.
  size_t bits_read() const { return (p_ - start_) * 8 - valid_; }

  bool ReadBit(bool* bit) {
    if (valid_ == 0 && !Load()) return false;
    --valid_;
    *bit = (buf_ >> valid_) & 1;
    return true;
  }

  // Reads `n` (1..64) bits into the low bits of `*out`.
  bool ReadBits(int n, uint64_t* out) {
    if (valid_ == 0 && !Load()) return false;
    if (n <= valid_) {
      valid_ -= n;
      *out = (buf_ >> valid_) & Mask(n);
      return true;
    }
    uint64_t high = buf_ & Mask(valid_);
    int need = n - valid_;
    valid_ = 0;
    if (!Load() || valid_ < need) return false;
    valid_ -= need;
    *out = (high << need) | ((buf_ >> valid_) & Mask(need));
    return true;
  }

  // The next 4 bits into *out without consuming them; false when fewer
  // are buffered (then use ReadBit).
  bool Peek4(uint64_t* out) const {
    if (valid_ < 4) return false;
    *out = (buf_ >> (valid_ - 4)) & 0xf;
    return true;
  }
  bool Peek2(uint64_t* out) const {
    if (valid_ < 2) return false;
    *out = (buf_ >> (valid_ - 2)) & 0x3;
    return true;
  }
  // Consumes n bits seen through Peek4 or Peek2.
  void Skip(int n) { valid_ -= n; }

  bool ReadByte(uint8_t* out) {
    uint64_t v;
    if (!ReadBits(8, &v)) return false;
    *out = static_cast<uint8_t>(v);
    return true;
  }

 private:
  static uint64_t Mask(int n) {
    return n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
  }

  bool Load() {
    size_t left = end_ - p_;
    if (left == 0) return false;
    if (left >= 8) {
      uint64_t v = 0;
      for (int i = 0; i < 8; ++i) v = (v << 8) | p_[i];
      buf_ = v;
      p_ += 8;
      valid_ = 64;
      return true;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < left; ++i) v = (v << 8) | p_[i];
    buf_ = v;
    valid_ = static_cast<int>(left * 8);
    p_ = end_;
    return true;
  }

  const uint8_t* start_ = nullptr;
  const uint8_t* p_ = nullptr;
  const uint8_t* end_ = nullptr;
  uint64_t buf_ = 0;
  int valid_ = 0;
};

}  // namespace vigil::tsdb::chunkenc

#endif  // VIGIL_LIBTSDB_CHUNKENC_BIT_STREAM_H_
