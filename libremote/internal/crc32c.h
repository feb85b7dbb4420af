// CRC32C (Castagnoli), as remote read's streamed frames carry it
// (big-endian, over the frame's message bytes). Table-driven.
//
// Thread safety: stateless.

#ifndef VIGIL_LIBREMOTE_INTERNAL_CRC32C_H_
#define VIGIL_LIBREMOTE_INTERNAL_CRC32C_H_

#include <array>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace vigil::remote::internal {

inline uint32_t Crc32c(absl::string_view data) {
  static const std::array<uint32_t, 256> kTable = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char b : data) crc = kTable[(crc ^ b) & 0xff] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

}  // namespace vigil::remote::internal

#endif  // VIGIL_LIBREMOTE_INTERNAL_CRC32C_H_
