// Chunk encodings known to the TSDB, with Prometheus's numeric values (the
// byte stored before each chunk in block chunk files and in remote-read
// chunked responses).
//
// Thread safety: constants only.

#ifndef VIGIL_LIBTSDB_CHUNKENC_CHUNK_H_
#define VIGIL_LIBTSDB_CHUNKENC_CHUNK_H_

#include <cstdint>

namespace vigil::tsdb::chunkenc {

enum class Encoding : uint8_t {
  kNone = 0,
  kXOR = 1,
  kHistogram = 2,       // read as unsupported
  kFloatHistogram = 3,  // read as unsupported
};

// The head cuts a new chunk after this many samples (Prometheus's
// --storage.tsdb.samples-per-chunk default).
inline constexpr int kTargetSamplesPerChunk = 120;

// The most samples an XOR chunk holds (its 16-bit sample count).
inline constexpr int kMaxSamplesPerChunk = 65535;

}  // namespace vigil::tsdb::chunkenc

#endif  // VIGIL_LIBTSDB_CHUNKENC_CHUNK_H_
