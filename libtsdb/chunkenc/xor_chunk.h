// XorChunk: a Gorilla-compressed chunk of (timestamp ms, float64) samples,
// bit-compatible with Prometheus's chunkenc XOR encoding so its bytes can
// be written into Prometheus blocks and sent as remote-read
// STREAMED_XOR_CHUNKS. Format: libtsdb/docs/format/chunks.md.
//
//   XorChunk c;
//   c.Append(1000, 1.5);
//   c.Append(2000, 2.5);
//   XorIterator it(c.bytes());
//   while (it.Next()) use(it.t(), it.v());
//
// A chunk holds at most 65535 samples (the 16-bit header). Values are kept
// bit-exact, including NaN payloads such as the stale marker.
//
// Thread safety: XorChunk is not thread-safe; readers iterate over a copy
// of bytes() or over a chunk no longer appended to.

#ifndef VIGIL_LIBTSDB_CHUNKENC_XOR_CHUNK_H_
#define VIGIL_LIBTSDB_CHUNKENC_XOR_CHUNK_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libtsdb/chunkenc/bit_stream.h"

namespace vigil::tsdb::chunkenc {

class XorChunk {
 public:
  XorChunk();

  // Continues an existing chunk (e.g. read back from disk). Returns
  // DataLoss when `bytes` does not decode to its sample count.
  static absl::Status FromBytes(absl::string_view bytes, XorChunk* out);

  // Encodes `n` samples (0..65535) as one chunk, as small as the format
  // allows: every value's XOR window is chosen knowing all the values (a
  // dynamic program over where to open new windows, O(n * 32)), where
  // Append must choose sample by sample. Never larger than Append's or
  // Prometheus's encoding on the tests' data. For chunks written whole
  // (block compaction); slower than Append. InvalidArgument for n out of
  // range.
  static absl::StatusOr<XorChunk> Encode(const int64_t* ts, const double* vs,
                                         int n);

  // Appends a sample. Timestamps should not decrease (the encoding allows
  // it, Prometheus's head never does it). Returns false when the chunk is
  // full (65535 samples).
  //
  // A value whose XOR with the previous one fits the current
  // leading/trailing-zeros window reuses it (2 + width bits) unless a new
  // tight window (2 + 5 + 6 + significant bits) is cheaper; Prometheus
  // always reuses. Any Prometheus decoder reads both. The choice is the
  // cheaper one for this sample; a narrower window can cost more later, so
  // a chunk may come out a few bytes larger than Prometheus's (on the
  // benchmark's data mix ~6% of chunks are, by a few bytes, while the
  // total is 2-3% smaller).
  bool Append(int64_t t, double v);

  int num_samples() const;
  // The encoded chunk, header included.
  const std::string& bytes() const { return b_; }
  size_t size() const { return b_.size(); }

  // Last appended sample. REQUIRES: num_samples() > 0.
  int64_t last_t() const { return t_; }
  double last_v() const;

 private:
  // Window arguments of AppendBits/WriteValue: choose (Append), reuse
  // when the XOR fits (else tight), or a lead >= 0 opening that window.
  static constexpr int kChooseWindow = -1;
  static constexpr int kReuseWindow = -2;

  bool AppendBits(int64_t t, uint64_t vbits, int window_lead,
                  int window_trail);
  void WriteValue(uint64_t vbits, int window_lead, int window_trail);

  std::string b_;
  int free_bits_ = 0;
  int64_t t_ = 0;
  uint64_t vbits_ = 0;
  uint64_t t_delta_ = 0;
  uint8_t leading_ = 0xff;
  uint8_t trailing_ = 0;
};

// Iterates the samples of encoded XOR chunk bytes (header included). The
// bytes must outlive the iterator.
class XorIterator {
 public:
  XorIterator() = default;
  explicit XorIterator(absl::string_view bytes) { Reset(bytes); }

  void Reset(absl::string_view bytes);

  // Advances to the next sample; false at the end or on corrupt bytes
  // (then status() is DataLoss).
  bool Next();
  // Advances to the first sample with t >= `t`; never moves backwards.
  bool Seek(int64_t t);
  // Decodes up to `max` (>= 1) following samples into `ts` and `vs`, the
  // way `max` calls of Next() would, in one tight loop; returns how many.
  // Afterwards t() and v() are those of the last sample decoded.
  int NextBatch(int64_t* ts, double* vs, int max);

  int64_t t() const { return s_.t; }
  double v() const;
  uint64_t vbits() const { return s_.vbits; }
  absl::Status status() const;
  int num_total() const { return total_; }

 private:
  friend class XorChunk;

  // What decoding the next sample depends on.
  struct State {
    BitReader r;
    int64_t t = 0;
    uint64_t vbits = 0;
    uint64_t t_delta = 0;
    uint8_t leading = 0;
    uint8_t trailing = 0;
    bool window_set = false;  // a leading/trailing window was read
  };

  bool NextHead();  // the first two samples, varint-coded
  bool Fail();

  State s_;
  int total_ = 0;
  int read_ = 0;
  bool corrupt_ = false;
  bool started_ = false;
  bool done_ = false;
};

}  // namespace vigil::tsdb::chunkenc

#endif  // VIGIL_LIBTSDB_CHUNKENC_XOR_CHUNK_H_
