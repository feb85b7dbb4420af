#include "libtsdb/chunks/chunk_files.h"

#include <random>

#include "gtest/gtest.h"

namespace vigil::tsdb::chunks {
namespace {

TEST(ChunkFilesTest, WriteReadAcrossFilesAndDetectCorruption) {
  std::string dir = fileutil::JoinPath(::testing::TempDir(), "chunks_test");
  ASSERT_TRUE(fileutil::RemoveAll(dir).ok());
  std::mt19937_64 rng(3);
  std::vector<std::string> datas;
  std::vector<uint64_t> refs;
  {
    ChunkWriter w(dir, 4096);
    for (int i = 0; i < 100; ++i) {
      std::string d(2 + rng() % 300, '\0');
      for (char& c : d) c = static_cast<char>(rng());
      auto ref = w.Write(chunkenc::Encoding::kXOR, d);
      ASSERT_TRUE(ref.ok());
      datas.push_back(d);
      refs.push_back(*ref);
    }
    ASSERT_TRUE(w.Close().ok());
  }
  EXPECT_EQ(refs[0], 8u);  // first chunk right after the header of 000001
  EXPECT_TRUE(fileutil::Exists(fileutil::JoinPath(dir, "000001")));
  EXPECT_TRUE(fileutil::Exists(fileutil::JoinPath(dir, "000003")));
  auto r = ChunkReader::Open(dir);
  ASSERT_TRUE(r.ok()) << r.status();
  for (size_t i = 0; i < refs.size(); ++i) {
    chunkenc::Encoding enc;
    auto c = (*r)->Chunk(refs[i], &enc);
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_EQ(*c, datas[i]);
    EXPECT_EQ(enc, chunkenc::Encoding::kXOR);
  }
  chunkenc::Encoding enc;
  EXPECT_EQ((*r)->Chunk(uint64_t{99} << 32, &enc).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_FALSE((*r)->Chunk(3, &enc).ok());
  r->reset();
  // Flip a byte inside the first chunk's data.
  std::string path = fileutil::JoinPath(dir, "000001");
  std::string bytes = *fileutil::ReadFile(path);
  bytes[12] ^= 1;
  ASSERT_TRUE(fileutil::WriteFileAtomic(path, bytes).ok());
  auto r2 = ChunkReader::Open(dir);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ((*r2)->Chunk(refs[0], &enc).status().code(),
            absl::StatusCode::kDataLoss);
  bytes[0] ^= 1;
  ASSERT_TRUE(fileutil::WriteFileAtomic(path, bytes).ok());
  EXPECT_EQ(ChunkReader::Open(dir).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace vigil::tsdb::chunks
