#include "libtsdb/chunkenc/xor_chunk.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/value.h"

namespace vigil::tsdb::chunkenc {
namespace {

struct S {
  int64_t t;
  uint64_t bits;
};

uint64_t Bits(double v) {
  uint64_t u;
  std::memcpy(&u, &v, 8);
  return u;
}

double FromBits(uint64_t u) {
  double v;
  std::memcpy(&v, &u, 8);
  return v;
}

void CheckRoundTrip(const std::vector<S>& in) {
  XorChunk c;
  for (const S& s : in) ASSERT_TRUE(c.Append(s.t, FromBits(s.bits)));
  ASSERT_EQ(c.num_samples(), static_cast<int>(in.size()));
  XorIterator it(c.bytes());
  for (size_t i = 0; i < in.size(); ++i) {
    ASSERT_TRUE(it.Next()) << i << " " << it.status();
    ASSERT_EQ(it.t(), in[i].t) << i;
    ASSERT_EQ(it.vbits(), in[i].bits) << i;
  }
  EXPECT_FALSE(it.Next());
  EXPECT_TRUE(it.status().ok());
  // NextBatch decodes the same samples, whatever the batch size.
  for (int batch : {1, 2, 3, 7, 120, 1000}) {
    XorIterator bit(c.bytes());
    std::vector<int64_t> ts(batch);
    std::vector<double> vs(batch);
    size_t i = 0;
    while (int n = bit.NextBatch(ts.data(), vs.data(), batch)) {
      for (int k = 0; k < n; ++k, ++i) {
        ASSERT_LT(i, in.size());
        ASSERT_EQ(ts[k], in[i].t) << i << " batch " << batch;
        ASSERT_EQ(Bits(vs[k]), in[i].bits) << i << " batch " << batch;
      }
      ASSERT_EQ(bit.t(), in[i - 1].t);
    }
    EXPECT_EQ(i, in.size()) << "batch " << batch;
    EXPECT_TRUE(bit.status().ok());
  }
  // Continuing a chunk from its bytes gives the same bytes as appending
  // everything to one chunk.
  if (in.size() >= 2) {
    XorChunk first;
    size_t half = in.size() / 2;
    for (size_t i = 0; i < half; ++i) first.Append(in[i].t, FromBits(in[i].bits));
    XorChunk cont;
    ASSERT_TRUE(XorChunk::FromBytes(first.bytes(), &cont).ok());
    for (size_t i = half; i < in.size(); ++i) {
      cont.Append(in[i].t, FromBits(in[i].bits));
    }
    EXPECT_EQ(cont.bytes(), c.bytes());
  }
}

TEST(XorChunkTest, HandCheckedBytesForTinyChunk) {
  XorChunk c;
  c.Append(1000, 1.0);
  c.Append(2000, 1.0);
  c.Append(3000, 2.0);
  // 00 03: count; D0 0F: varint(1000); 3FF0...: 1.0; E8 07: uvarint(1000);
  // then bits 0 (same value), 0 (dod 0), 1 1 00001 001011 11111111111
  // (new window: 1 leading zero, 11 significant bits of 1.0^2.0).
  const unsigned char want[] = {0x00, 0x03, 0xD0, 0x0F, 0x3F, 0xF0,
                                0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                0xE8, 0x07, 0x30, 0x97, 0xFF, 0xC0};
  EXPECT_EQ(c.bytes(), std::string(reinterpret_cast<const char*>(want),
                                   sizeof want));
}

TEST(XorChunkTest, EmptyChunk) {
  XorChunk c;
  EXPECT_EQ(c.bytes(), std::string(2, '\0'));
  XorIterator it(c.bytes());
  EXPECT_FALSE(it.Next());
  EXPECT_TRUE(it.status().ok());
}

TEST(XorChunkTest, RandomRoundTrip) {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 200; ++round) {
    std::vector<S> in;
    int64_t t = static_cast<int64_t>(rng() % 2000000000000ULL) - 1000000000000LL;
    double v = 100;
    int n = 1 + rng() % 300;
    for (int i = 0; i < n; ++i) {
      switch (rng() % 6) {
        case 0: t += 15000; break;
        case 1: t += 15000 + static_cast<int64_t>(rng() % 200) - 100; break;
        case 2: t += rng() % 10000000; break;
        case 3: t += static_cast<int64_t>(rng() % (1ULL << 40)); break;
        default: t += 1; break;
      }
      switch (rng() % 5) {
        case 0: break;
        case 1: v += 1; break;
        case 2: v = static_cast<double>(rng()) / 7.0; break;
        case 3: v = FromBits(rng()); break;
        default: v = std::round(v * 1.01); break;
      }
      in.push_back({t, Bits(v)});
    }
    CheckRoundTrip(in);
  }
}

TEST(XorChunkTest, EdgeValuesAreBitExact) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<S> in = {
      {0, Bits(0.0)},
      {1, Bits(-0.0)},
      {2, model::kStaleNaNBits},
      {3, model::kNormalNaNBits},
      {4, Bits(inf)},
      {5, Bits(-inf)},
      {6, Bits(std::numeric_limits<double>::denorm_min())},
      {7, Bits(std::numeric_limits<double>::max())},
      {8, model::kStaleNaNBits},
      {9, Bits(1.0)},
      {10, ~uint64_t{0}},
      {11, 1},
  };
  CheckRoundTrip(in);
}

TEST(XorChunkTest, LargeTimestampJumps) {
  std::vector<S> in = {
      {std::numeric_limits<int64_t>::min() / 4, Bits(1)},
      {-5, Bits(2)},
      {0, Bits(3)},
      {std::numeric_limits<int64_t>::max() / 4, Bits(4)},
      {std::numeric_limits<int64_t>::max() / 4 + 8192, Bits(5)},
      {std::numeric_limits<int64_t>::max() / 4 + 8192 * 2 + 8192, Bits(6)},
      {std::numeric_limits<int64_t>::max() / 4 + 8192 * 3 + 8192 - 8191, Bits(6)},
  };
  CheckRoundTrip(in);
  // Bucket boundaries of the delta-of-delta encoding.
  std::vector<S> b;
  int64_t t = 0, d = 1000;
  const int64_t dods[] = {0,      8192,    -8191,   8193,   -8192, 65536,
                          -65535, 65537,   524288,  -524287, 524289, -524288,
                          1 << 30, -(1 << 30)};
  b.push_back({t, 1});
  t += d;
  b.push_back({t, 1});
  for (int64_t dod : dods) {
    d += dod;
    t += d;
    b.push_back({t, 1});
  }
  CheckRoundTrip(b);
}

TEST(XorChunkTest, SeekNeverMovesBackwards) {
  XorChunk c;
  for (int i = 0; i < 100; ++i) c.Append(i * 10, i);
  XorIterator it(c.bytes());
  ASSERT_TRUE(it.Seek(55));
  EXPECT_EQ(it.t(), 60);
  ASSERT_TRUE(it.Seek(10));
  EXPECT_EQ(it.t(), 60);
  ASSERT_TRUE(it.Next());
  EXPECT_EQ(it.t(), 70);
  EXPECT_FALSE(it.Seek(10000));
  EXPECT_FALSE(it.Seek(0));
  EXPECT_TRUE(it.status().ok());
}

TEST(XorChunkTest, CorruptBytesNeverCrash) {
  XorChunk c;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 120; ++i) c.Append(i * 15000 + rng() % 7, rng() % 1000);
  std::string good = c.bytes();
  for (int trial = 0; trial < 2000; ++trial) {
    std::string bad = good;
    if (trial % 2) {
      bad.resize(rng() % bad.size());
    } else {
      bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
    }
    XorIterator it(bad);
    int n = 0;
    while (it.Next()) ++n;
    EXPECT_LE(n, 0xffff);
    // Batches stop at the same sample, with the same verdict.
    XorIterator bit(bad);
    int64_t ts[16];
    double vs[16];
    int bn = 0;
    while (int k = bit.NextBatch(ts, vs, 16)) bn += k;
    EXPECT_EQ(bn, n);
    EXPECT_EQ(bit.status().ok(), it.status().ok());
    XorChunk cont;
    (void)XorChunk::FromBytes(bad, &cont);
  }
  std::string half = good.substr(0, good.size() / 2);
  XorIterator it(half);
  while (it.Next()) {
  }
  EXPECT_EQ(it.status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace vigil::tsdb::chunkenc
