// MD5 (RFC 1321), used only by relabeling's `hashmod` action, which must
// shard exactly as Prometheus does (Go's crypto/md5 over the joined source
// values). Not for anything security-related.
//
// A small self-contained implementation keeps //libsd:relabel free of a
// TLS library dependency; it is checked against the RFC 1321 test suite.
//
// Thread safety: Md5() is a pure function.

#ifndef VIGIL_LIBSD_INTERNAL_MD5_H_
#define VIGIL_LIBSD_INTERNAL_MD5_H_

#include <array>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace vigil::sd::internal {

// The 16-byte MD5 digest of `data`.
std::array<uint8_t, 16> Md5(absl::string_view data);

}  // namespace vigil::sd::internal

#endif  // VIGIL_LIBSD_INTERNAL_MD5_H_
