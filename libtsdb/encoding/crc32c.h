// CRC-32C (Castagnoli), the checksum of every Prometheus TSDB file: WAL
// fragments, chunks, index sections and tombstones. Uses the SSE4.2 crc32
// instruction when the CPU has it, a slicing table otherwise.
//
// Thread safety: the functions are pure and may be called concurrently.

#ifndef VIGIL_LIBTSDB_ENCODING_CRC32C_H_
#define VIGIL_LIBTSDB_ENCODING_CRC32C_H_

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace vigil::tsdb {

// Extends `crc` (the value returned for the bytes so far, 0 to start) with
// `n` bytes at `data`. Crc32c(0, "123456789") == 0xE3069283.
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n);

inline uint32_t Crc32c(absl::string_view s) {
  return Crc32cExtend(0, s.data(), s.size());
}

// Whether the hardware instruction is in use (for tests and benchmarks).
bool Crc32cHardware();

// The portable implementation, exposed so tests compare both paths.
uint32_t Crc32cExtendPortable(uint32_t crc, const void* data, size_t n);

}  // namespace vigil::tsdb

#endif  // VIGIL_LIBTSDB_ENCODING_CRC32C_H_
