// BitWriter and BitReader: the most-significant-bit-first bit stream under
// the XOR chunk (Prometheus's bstream). See libtsdb/docs/format/chunks.md.
//
// BitWriter appends bits to a byte string whose last byte may be partly
// used. BitReader reads a byte range through a 64-bit window loaded at any bit
// offset and reports running past the end through its return values, never
// by reading out of bounds.
//
// Thread safety: one thread at a time per object.

#ifndef VIGIL_LIBTSDB_CHUNKENC_BIT_STREAM_H_
#define VIGIL_LIBTSDB_CHUNKENC_BIT_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
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
      : p_(data), size_(size), nbits_(size * 8) {}

  // Bits consumed so far, and bits left.
  size_t bits_read() const { return pos_; }
  size_t bits_left() const { return nbits_ - pos_; }

  // The next 64 bits, left-aligned (the next bit is bit 63). At least 57 of
  // them are stream bits when that many are left; bits past the end read
  // as zero. Callers check bits_left() before consuming.
  uint64_t Window() const {
    size_t byte = pos_ >> 3;
    uint64_t w;
    if (byte + 8 <= size_) {
      std::memcpy(&w, p_ + byte, 8);
      w = __builtin_bswap64(w);
    } else if (size_ >= 8 && byte < size_) {
      // Near the end: the last 8 bytes, shifted to start at `byte`.
      std::memcpy(&w, p_ + size_ - 8, 8);
      w = __builtin_bswap64(w) << (8 * (byte + 8 - size_));
    } else {
      w = 0;
      for (size_t i = 0; byte + i < size_; ++i) {
        w |= uint64_t{p_[byte + i]} << (56 - 8 * i);
      }
    }
    return w << (pos_ & 7);
  }

  // Window() for when at least 8 bytes follow the current byte, as the
  // caller has checked (bits_left() >= 64 + 8 suffices).
  uint64_t WindowUnchecked() const {
    uint64_t w;
    std::memcpy(&w, p_ + (pos_ >> 3), 8);
    return __builtin_bswap64(w) << (pos_ & 7);
  }

  bool ReadBit(bool* bit) {
    if (pos_ >= nbits_) return false;
    *bit = (p_[pos_ >> 3] >> (7 - (pos_ & 7))) & 1;
    ++pos_;
    return true;
  }

  // Reads `n` (1..64) bits into the low bits of `*out`.
  bool ReadBits(int n, uint64_t* out) {
    if (static_cast<size_t>(n) > bits_left()) return false;
    if (n <= 57) {
      *out = Window() >> (64 - n);
      pos_ += n;
      return true;
    }
    uint64_t high = Window() >> 32;
    pos_ += 32;
    int rest = n - 32;
    *out = (high << rest) | (Window() >> (64 - rest));
    pos_ += rest;
    return true;
  }

  bool ReadByte(uint8_t* out) {
    uint64_t v;
    if (!ReadBits(8, &v)) return false;
    *out = static_cast<uint8_t>(v);
    return true;
  }

  // Consumes `n` bits the caller saw through Window().
  // REQUIRES: n <= bits_left().
  void Skip(size_t n) { pos_ += n; }

 private:
  const uint8_t* p_ = nullptr;
  size_t size_ = 0;
  size_t nbits_ = 0;
  size_t pos_ = 0;
};

}  // namespace vigil::tsdb::chunkenc

#endif  // VIGIL_LIBTSDB_CHUNKENC_BIT_STREAM_H_
