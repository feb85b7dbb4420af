#include "libtsdb/encoding/encoding.h"

#include <random>
#include <string>

#include "gtest/gtest.h"
#include "libtsdb/encoding/crc32c.h"

namespace vigil::tsdb {
namespace {

TEST(Crc32cTest, KnownVectors) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(""), 0u);
  std::string zeros(32, '\0');
  EXPECT_EQ(Crc32c(zeros), 0x8A9136AAu);
}

TEST(Crc32cTest, HardwareMatchesPortableAndExtends) {
  std::mt19937_64 rng(7);
  for (int n = 0; n < 300; ++n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    uint32_t hw = Crc32c(s);
    EXPECT_EQ(hw, Crc32cExtendPortable(0, s.data(), s.size())) << n;
    size_t cut = n / 3;
    uint32_t part = Crc32cExtend(0, s.data(), cut);
    EXPECT_EQ(Crc32cExtend(part, s.data() + cut, n - cut), hw);
  }
}

TEST(EncodingTest, VarintsRoundTripLikeGo) {
  std::string b;
  PutUvarint(&b, 300);
  EXPECT_EQ(b, std::string("\xac\x02", 2));
  b.clear();
  PutVarint(&b, -1);
  EXPECT_EQ(b, std::string("\x01", 1));
  b.clear();
  const int64_t vals[] = {0, 1, -1, 63, -64, 1LL << 40, INT64_MIN, INT64_MAX};
  for (int64_t v : vals) {
    PutVarint(&b, v);
    PutUvarint(&b, static_cast<uint64_t>(v));
  }
  PutBE64(&b, 0x0102030405060708ULL);
  Decbuf d(b);
  for (int64_t v : vals) {
    EXPECT_EQ(d.Varint(), v);
    EXPECT_EQ(d.Uvarint(), static_cast<uint64_t>(v));
  }
  EXPECT_EQ(d.BE64(), 0x0102030405060708ULL);
  EXPECT_TRUE(d.ok());
  EXPECT_EQ(d.remaining(), 0u);
  d.BE32();
  EXPECT_FALSE(d.ok());
}

TEST(EncodingTest, TruncatedVarintFails) {
  std::string b("\xff\xff", 2);
  Decbuf d(b);
  d.Uvarint();
  EXPECT_FALSE(d.ok());
  std::string overflow(11, '\xff');
  Decbuf d2(overflow);
  d2.Uvarint();
  EXPECT_FALSE(d2.ok());
}

}  // namespace
}  // namespace vigil::tsdb
