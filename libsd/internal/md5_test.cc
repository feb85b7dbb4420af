#include "libsd/internal/md5.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace vigil::sd::internal {
namespace {

std::string Hex(absl::string_view s) {
  auto d = Md5(s);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

TEST(Md5Test, Rfc1321Suite) {
  EXPECT_EQ(Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Hex("a"), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(Hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(Hex("abcdefghijklmnopqrstuvwxyz"),
            "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(
      Hex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
      "d174ab98d277d9f5a5611c2c9f419d9f");
  EXPECT_EQ(Hex("1234567890123456789012345678901234567890123456789012345678901"
                "2345678901234567890"),
            "57edf4a22be3c955ac49da2e2107b67a");
}

// Lengths around the padding boundaries (55/56 bytes need one or two final
// blocks); digests from a reference implementation.
TEST(Md5Test, PaddingBoundaries) {
  EXPECT_EQ(Hex(std::string(55, 'x')), "04364420e25c512fd958a70738aa8f72");
  EXPECT_EQ(Hex(std::string(56, 'y')), "6c830a5d23df58dbe0171eb5639bf3e4");
  EXPECT_EQ(Hex(std::string(64, 'z')), "3ecc49f9d9d6c263b4f0de7fc3f38aed");
  EXPECT_EQ(Hex(std::string(119, 'w')), "20ffcf857ba39b1d56e11650e63e35d0");
  EXPECT_EQ(Hex(std::string(120, 'v')), "879e5b71d2157443a72257dc3c741159");
}

}  // namespace
}  // namespace vigil::sd::internal
