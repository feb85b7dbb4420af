#include "libtsdb/fileutil/fileutil.h"

#include <cstdlib>

#include "gtest/gtest.h"

namespace vigil::tsdb::fileutil {
namespace {

TEST(FileUtilTest, WriteReadListRemove) {
  std::string root = JoinPath(::testing::TempDir(), "fileutil_test");
  ASSERT_TRUE(RemoveAll(root).ok());
  ASSERT_TRUE(MkdirAll(JoinPath(root, "a/b")).ok());
  ASSERT_TRUE(WriteFileAtomic(JoinPath(root, "a/b/f"), "hello").ok());
  EXPECT_EQ(ReadFile(JoinPath(root, "a/b/f")).value(), "hello");
  EXPECT_EQ(ListDir(JoinPath(root, "a/b")).value(), std::vector<std::string>{"f"});
  EXPECT_EQ(DirSize(root), 5);
  ASSERT_TRUE(LinkOrCopyTree(JoinPath(root, "a"), JoinPath(root, "copy")).ok());
  EXPECT_EQ(ReadFile(JoinPath(root, "copy/b/f")).value(), "hello");
  auto m = MappedFile::Open(JoinPath(root, "a/b/f"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)->data(), "hello");
  EXPECT_EQ(ReadFile(JoinPath(root, "missing")).status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(RemoveAll(root).ok());
  EXPECT_FALSE(Exists(root));
}

}  // namespace
}  // namespace vigil::tsdb::fileutil
