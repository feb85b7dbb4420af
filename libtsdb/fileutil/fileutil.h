// POSIX file helpers for libtsdb: whole-file reads, durable writes
// (write to `.tmp`, fsync, rename, fsync the directory), directory
// listing and removal, and a read-only memory map. Errors name the path
// and errno text: NotFound for ENOENT, ResourceExhausted for a full disk
// or quota (ENOSPC, EDQUOT), Internal for other I/O errors.
//
// Every write of file data in libtsdb goes through WriteAll, PWriteAll or
// Allocate, so tests can make them fail like a full disk does (see
// InjectWriteFaultForTesting).
//
// Thread safety: pure functions; MappedFile is immutable once open. The
// fault injection state is process-wide.

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
// Writes all of `data` at the file offset of `fd`; `what` names the file
// in errors. On error some prefix of `data` may have been written.
absl::Status WriteAll(int fd, absl::string_view data, absl::string_view what);
// As WriteAll, at `offset` (pwrite); the file offset is unchanged.
absl::Status PWriteAll(int fd, absl::string_view data, int64_t offset,
                       absl::string_view what);
// Reserves disk blocks for [offset, offset+len) of `fd` (posix_fallocate),
// so later writes there, including through a shared mapping, cannot fail
// for lack of space. ResourceExhausted when the disk is full.
absl::Status Allocate(int fd, int64_t offset, int64_t len,
                      absl::string_view what);
// The Status for a failed `op` on `path` with errno value `err`, mapped as
// described above.
absl::Status IoError(absl::string_view op, absl::string_view path, int err);
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

// Fault injection for tests: after `bytes` more bytes have been written
// through WriteAll, PWriteAll and Allocate, those calls fail with errno
// `err` (ENOSPC: a full disk; EIO). A write straddling the limit is cut
// short first, as on a real full disk, so a partial write precedes the
// error. Lasts until ClearWriteFaultForTesting ("space freed"). When off,
// the cost is one relaxed atomic load per write.
void InjectWriteFaultForTesting(int64_t bytes, int err);
void ClearWriteFaultForTesting();

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
