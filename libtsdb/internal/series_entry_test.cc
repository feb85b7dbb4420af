#include "libtsdb/internal/series_entry.h"

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "libtsdb/chunkenc/xor_chunk.h"
#include "libtsdb/storage/sample_reader.h"

namespace vigil::tsdb::internal {
namespace {

struct Sample {
  int64_t t;
  double v;
};

// Chunks of random lengths over increasing timestamps; chunks may overlap
// in time the way a head chunk and a block chunk can (later ones then
// start before earlier ones end).
struct Fixture {
  std::vector<std::shared_ptr<std::string>> bytes;
  std::vector<ChunkMeta> chunks;
  std::vector<Sample> expected_all;  // what the iterator yields unfiltered
};

Fixture MakeChunks(std::mt19937_64& rng) {
  Fixture f;
  int64_t t = static_cast<int64_t>(rng() % 1000);
  int nchunks = 1 + rng() % 5;
  for (int c = 0; c < nchunks; ++c) {
    chunkenc::XorChunk chunk;
    int n = 1 + rng() % 150;
    if (c > 0 && rng() % 3 == 0) t -= rng() % 50;  // overlap
    int64_t first = t;
    for (int i = 0; i < n; ++i) {
      t += 1 + rng() % 20;
      chunk.Append(t, static_cast<double>(rng() % 100));
    }
    auto b = std::make_shared<std::string>(chunk.bytes());
    f.bytes.push_back(b);
    f.chunks.push_back(ChunkMeta{b, *b, first + 1, t});
  }
  // Entries keep chunks by mint. Reference: each chunk's samples in that
  // order, a timestamp only once and never going back in time.
  std::sort(f.chunks.begin(), f.chunks.end(),
            [](const ChunkMeta& a, const ChunkMeta& b) {
              return a.mint < b.mint;
            });
  bool have = false;
  int64_t last = 0;
  for (const ChunkMeta& c : f.chunks) {
    chunkenc::XorIterator it(c.bytes);
    while (it.Next()) {
      if (have && it.t() <= last) continue;
      f.expected_all.push_back({it.t(), it.v()});
      last = it.t();
      have = true;
    }
  }
  return f;
}

TEST(ChunksIteratorTest, NextAndSeekMatchReference) {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 500; ++trial) {
    Fixture f = MakeChunks(rng);
    int64_t lo = f.expected_all.front().t;
    int64_t hi = f.expected_all.back().t;
    int64_t mint = lo + static_cast<int64_t>(rng() % 200) - 100;
    int64_t maxt = hi - static_cast<int64_t>(rng() % 200) + 100;
    Intervals deleted;
    if (rng() % 2) {
      int64_t a = lo + static_cast<int64_t>(rng() % (hi - lo + 1));
      AddInterval(&deleted, {a, a + static_cast<int64_t>(rng() % 300)});
    }
    std::vector<Sample> want;
    for (const Sample& s : f.expected_all) {
      if (s.t < mint || s.t > maxt || IsDeleted(deleted, s.t)) continue;
      want.push_back(s);
    }

    // Next() alone.
    auto it = NewChunksIterator(f.chunks, deleted, mint, maxt);
    size_t i = 0;
    while (it->Next()) {
      ASSERT_LT(i, want.size()) << "trial " << trial;
      ASSERT_EQ(it->timestamp(), want[i].t) << "trial " << trial << " #" << i;
      ASSERT_EQ(it->value(), want[i].v);
      ++i;
    }
    ASSERT_TRUE(it->status().ok()) << it->status();
    ASSERT_EQ(i, want.size()) << "trial " << trial;

    // Seek to random targets mixed with Next(); Seek never moves back.
    auto sit = NewChunksIterator(f.chunks, deleted, mint, maxt);
    size_t pos = 0;  // index into want of the current sample
    bool started = false;
    for (int step = 0; step < 40; ++step) {
      int op = rng() % 4;
      if (op == 0) {
        // A batch is what Next() calls would give, and leaves the
        // iterator on its last sample.
        int max = 1 + rng() % 70;
        std::vector<int64_t> ts(max);
        std::vector<double> vs(max);
        int n = sit->NextBatch(ts.data(), vs.data(), max);
        size_t next = started ? pos + 1 : 0;
        ASSERT_EQ(n > 0, next < want.size()) << "trial " << trial;
        if (n == 0) break;
        ASSERT_LE(n, max);
        for (int k = 0; k < n; ++k) {
          ASSERT_EQ(ts[k], want[next + k].t) << "trial " << trial << " #" << k;
          ASSERT_EQ(vs[k], want[next + k].v);
        }
        pos = next + n - 1;
      } else if (op == 1) {
        bool ok = sit->Next();
        size_t next = started ? pos + 1 : 0;
        ASSERT_EQ(ok, next < want.size()) << "trial " << trial;
        if (!ok) break;
        pos = next;
      } else {
        int64_t target = mint + static_cast<int64_t>(rng() % (maxt - mint + 400)) - 200;
        bool ok = sit->Seek(target);
        size_t from = started ? pos : 0;
        size_t j = from;
        while (j < want.size() && want[j].t < target) ++j;
        ASSERT_EQ(ok, j < want.size()) << "trial " << trial << " seek " << target;
        if (!ok) break;
        pos = j;
      }
      started = true;
      ASSERT_EQ(sit->timestamp(), want[pos].t) << "trial " << trial;
      ASSERT_EQ(sit->value(), want[pos].v);
    }
  }
}

TEST(ChunksIteratorTest, SampleReaderMatchesReference) {
  std::mt19937_64 rng(12);
  for (int trial = 0; trial < 300; ++trial) {
    Fixture f = MakeChunks(rng);
    const std::vector<Sample>& want = f.expected_all;
    auto it = NewChunksIterator(f.chunks, {}, INT64_MIN, INT64_MAX);
    storage::SampleReader r(it.get());
    size_t pos = 0;
    bool started = false;
    for (int step = 0; step < 200; ++step) {
      bool ok;
      if (rng() % 4 == 0) {
        int64_t target = want.front().t + static_cast<int64_t>(
            rng() % (want.back().t - want.front().t + 50));
        ok = r.Seek(target);
        size_t j = started ? pos : 0;
        while (j < want.size() && want[j].t < target) ++j;
        ASSERT_EQ(ok, j < want.size()) << "trial " << trial;
        pos = j;
      } else {
        ok = r.Next();
        size_t next = started ? pos + 1 : 0;
        ASSERT_EQ(ok, next < want.size()) << "trial " << trial;
        pos = next;
      }
      if (!ok) break;
      started = true;
      ASSERT_EQ(r.timestamp(), want[pos].t) << "trial " << trial;
      ASSERT_EQ(r.value(), want[pos].v);
    }
    ASSERT_TRUE(r.status().ok());
  }
}

TEST(ChunksIteratorTest, CorruptChunkReportsDataLoss) {
  chunkenc::XorChunk chunk;
  for (int i = 0; i < 100; ++i) chunk.Append(i * 1000, i);
  auto b = std::make_shared<std::string>(chunk.bytes().substr(0, 40));
  auto it = NewChunksIterator({ChunkMeta{b, *b, 0, 99000}}, {}, INT64_MIN,
                              INT64_MAX);
  int n = 0;
  while (it->Next()) ++n;
  EXPECT_GT(n, 0);
  EXPECT_LT(n, 100);
  EXPECT_EQ(it->status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace vigil::tsdb::internal
