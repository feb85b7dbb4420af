// Special sample values shared by every library.
//
// A stale marker is a NaN with a fixed bit pattern: written when a series
// disappears from a scrape, it ends the series for PromQL. It must survive
// storage, the WAL and remote write bit-exact; compare bits, never with ==.

#ifndef VIGIL_MODEL_VALUE_H_
#define VIGIL_MODEL_VALUE_H_

#include <cstdint>
#include <cstring>

namespace vigil::model {

inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
// The NaN Prometheus writes for an ordinary NaN sample.
inline constexpr uint64_t kNormalNaNBits = 0x7ff8000000000001ULL;

inline double StaleNaN() {
  double d;
  std::memcpy(&d, &kStaleNaNBits, sizeof d);
  return d;
}

inline bool IsStaleNaN(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits == kStaleNaNBits;
}

}  // namespace vigil::model

#endif  // VIGIL_MODEL_VALUE_H_
