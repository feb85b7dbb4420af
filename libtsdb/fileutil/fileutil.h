// POSIX file helpers for libtsdb: whole-file reads, durable writes
// (write to `.tmp`, fsync, rename, fsync the directory), directory
// listing and removal, and a read-only memory map. Errors are Internal
// (or NotFound) naming the path and errno text.
//
// Thread safety: pure functions; MappedFile is immutable once open.

#ifndef VIGIL_LIBTSDB_FILEUTIL_FILEUTIL_H_
#define VIGIL_LIBTSDB_FILEUTIL_FILEUTIL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vigil::tsdb::fileutil {

std::string JoinPath(absl::string_view a, absl::string_view b);
bool Exists(const std::string& path);
bool IsDir(const std::string& path);
absl::StatusOr<std::string> ReadFile(const std::string& path);
absl::StatusOr<int64_t> FileSize(const std::string& path);
// Writes `data` to path.tmp, fsyncs, renames over `path`, fsyncs the dir.
absl::Status WriteFileAtomic(const std::string& path, absl::string_view data);
absl::Status WriteAll(int fd, absl::string_view data, const std::string& what);
absl::Status MkdirAll(const std::string& path);
absl::Status RemoveAll(const std::string& path);
absl::Status Rename(const std::string& from, const std::string& to);
absl::Status SyncDir(const std::string& path);
absl::Status Truncate(const std::string& path, int64_t size);
// Entry names (no "." or ".."), sorted.
absl::StatusOr<std::vector<std::string>> ListDir(const std::string& path);
// Total bytes of regular files under `path`.
int64_t DirSize(const std::string& path);
// Hard-links (or copies) every file under `from` into new dir `to`.
absl::Status LinkOrCopyTree(const std::string& from, const std::string& to);

// A read-only mapping of a whole file.
class MappedFile {
 public:
  // `sequential`: the file will be read once, front to back (the kernel
  // reads ahead and drops pages behind).
  static absl::StatusOr<std::shared_ptr<MappedFile>> Open(
      const std::string& path, bool sequential = false);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  absl::string_view data() const { return {data_, size_}; }

 private:
  MappedFile() = default;
  const char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace vigil::tsdb::fileutil

#endif  // VIGIL_LIBTSDB_FILEUTIL_FILEUTIL_H_
