#include "libtsdb/chunks/head_chunks.h"

#include <cerrno>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "libtsdb/fileutil/fileutil.h"

namespace vigil::tsdb::chunks {
namespace {

TEST(HeadChunkFilesTest, ChunksLiveInFilesUntilReleased) {
  std::string dir = fileutil::JoinPath(::testing::TempDir(), "head_chunks");
  ASSERT_TRUE(fileutil::MkdirAll(fileutil::JoinPath(dir, "stale")).ok());
  auto f = HeadChunkFiles::Open(dir, 4096);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_TRUE(fileutil::ListDir(dir)->empty());  // leftovers removed
  std::vector<MappedChunk> chunks;
  std::vector<std::string> want;
  for (int i = 0; i < 100; ++i) {
    std::string data(100 + i, static_cast<char>('a' + i % 26));
    auto c = (*f)->Write(i, i * 1000, i * 1000 + 999, data);
    ASSERT_TRUE(c.ok()) << c.status();
    chunks.push_back(*c);
    want.push_back(data);
  }
  for (size_t i = 0; i < chunks.size(); ++i) EXPECT_EQ(chunks[i].bytes, want[i]);
  size_t files = fileutil::ListDir(dir)->size();
  EXPECT_GT(files, 3u);
  // Releasing the early chunks deletes their (full) files.
  chunks.erase(chunks.begin(), chunks.begin() + 90);
  EXPECT_LT(fileutil::ListDir(dir)->size(), files);
  for (size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i].bytes, want[90 + i]);
  }
  EXPECT_FALSE((*f)->Write(1, 0, 1, std::string(5000, 'x')).ok());
}

// A full disk fails Write with an error (the head then keeps the chunk on
// the heap) instead of leaving an unbacked mapping to fault on.
TEST(HeadChunkFilesTest, FullDiskFailsWritesAndTheyResume) {
  struct FaultGuard {
    ~FaultGuard() { fileutil::ClearWriteFaultForTesting(); }
  } guard;
  std::string dir = fileutil::JoinPath(::testing::TempDir(), "head_chunks_full");
  auto f = HeadChunkFiles::Open(dir, 4 << 20);
  ASSERT_TRUE(f.ok()) << f.status();
  std::string data(1000, 'c');
  fileutil::InjectWriteFaultForTesting(0, ENOSPC);
  auto c = (*f)->Write(1, 0, 1, data);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kResourceExhausted)
      << c.status();
  fileutil::ClearWriteFaultForTesting();
  c = (*f)->Write(1, 0, 1, data);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->bytes, data);
  // Space runs out when the reservation has to grow (every 1 MiB).
  fileutil::InjectWriteFaultForTesting(0, ENOSPC);
  std::vector<MappedChunk> kept;
  int failed_at = -1;
  for (int i = 0; i < 3000 && failed_at < 0; ++i) {
    auto m = (*f)->Write(i, 0, 1, data);
    if (m.ok()) {
      kept.push_back(*m);
    } else {
      EXPECT_EQ(m.status().code(), absl::StatusCode::kResourceExhausted);
      failed_at = i;
    }
  }
  fileutil::ClearWriteFaultForTesting();
  EXPECT_GT(failed_at, 500);   // within the first reserved MiB: fine
  EXPECT_LT(failed_at, 1100);  // beyond it: refused
  EXPECT_EQ((*f)->write_failures(), 2u);
  ASSERT_TRUE((*f)->Write(7, 0, 1, data).ok());
  for (const MappedChunk& m : kept) EXPECT_EQ(m.bytes, data);
}

}  // namespace
}  // namespace vigil::tsdb::chunks
