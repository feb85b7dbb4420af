#include "libtsdb/chunks/head_chunks.h"

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

}  // namespace
}  // namespace vigil::tsdb::chunks
