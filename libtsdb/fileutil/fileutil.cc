#include "libtsdb/fileutil/fileutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace vigil::tsdb::fileutil {
namespace {

absl::Status Errno(absl::string_view op, const std::string& path) {
  int e = errno;
  std::string msg = absl::StrCat(op, " ", path, ": ", std::strerror(e));
  if (e == ENOENT) return absl::NotFoundError(msg);
  return absl::InternalError(msg);
}

}  // namespace

std::string JoinPath(absl::string_view a, absl::string_view b) {
  if (a.empty()) return std::string(b);
  if (a.back() == '/') return absl::StrCat(a, b);
  return absl::StrCat(a, "/", b);
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool IsDir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("open", path);
  std::string out;
  struct stat st;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) out.reserve(st.st_size);
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      absl::Status s = Errno("read", path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    out.append(buf, n);
  }
  ::close(fd);
  return out;
}

absl::StatusOr<int64_t> FileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Errno("stat", path);
  return static_cast<int64_t>(st.st_size);
}

absl::Status WriteAll(int fd, absl::string_view data, const std::string& what) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("write", what);
    }
    data.remove_prefix(n);
  }
  return absl::OkStatus();
}

absl::Status SyncDir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open dir", path);
  int r = ::fsync(fd);
  ::close(fd);
  if (r != 0) return Errno("fsync dir", path);
  return absl::OkStatus();
}

absl::Status WriteFileAtomic(const std::string& path, absl::string_view data) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("create", tmp);
  absl::Status s = WriteAll(fd, data, tmp);
  if (s.ok() && ::fsync(fd) != 0) s = Errno("fsync", tmp);
  ::close(fd);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Errno("rename", tmp);
  std::string dir = path.substr(0, path.find_last_of('/'));
  if (path.find('/') == std::string::npos) dir = ".";
  return SyncDir(dir);
}

absl::Status MkdirAll(const std::string& path) {
  if (path.empty() || IsDir(path)) return absl::OkStatus();
  size_t slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    absl::Status s = MkdirAll(path.substr(0, slash));
    if (!s.ok()) return s;
  }
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return Errno("mkdir", path);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ListDir(const std::string& path) {
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return Errno("opendir", path);
  std::vector<std::string> out;
  while (struct dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) {
      continue;
    }
    out.emplace_back(e->d_name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

absl::Status RemoveAll(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return Errno("stat", path);
  }
  if (S_ISDIR(st.st_mode)) {
    auto names = ListDir(path);
    if (!names.ok()) return names.status();
    for (const std::string& n : *names) {
      absl::Status s = RemoveAll(JoinPath(path, n));
      if (!s.ok()) return s;
    }
    if (::rmdir(path.c_str()) != 0) return Errno("rmdir", path);
    return absl::OkStatus();
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Errno("unlink", path);
  }
  return absl::OkStatus();
}

absl::Status Rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return Errno("rename", from);
  return absl::OkStatus();
}

absl::Status Truncate(const std::string& path, int64_t size) {
  if (::truncate(path.c_str(), size) != 0) return Errno("truncate", path);
  return absl::OkStatus();
}

int64_t DirSize(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return 0;
  if (!S_ISDIR(st.st_mode)) return S_ISREG(st.st_mode) ? st.st_size : 0;
  auto names = ListDir(path);
  if (!names.ok()) return 0;
  int64_t total = 0;
  for (const std::string& n : *names) total += DirSize(JoinPath(path, n));
  return total;
}

absl::Status LinkOrCopyTree(const std::string& from, const std::string& to) {
  absl::Status s = MkdirAll(to);
  if (!s.ok()) return s;
  auto names = ListDir(from);
  if (!names.ok()) return names.status();
  for (const std::string& n : *names) {
    std::string src = JoinPath(from, n), dst = JoinPath(to, n);
    if (IsDir(src)) {
      s = LinkOrCopyTree(src, dst);
      if (!s.ok()) return s;
      continue;
    }
    if (::link(src.c_str(), dst.c_str()) == 0) continue;
    auto data = ReadFile(src);
    if (!data.ok()) return data.status();
    s = WriteFileAtomic(dst, *data);
    if (!s.ok()) return s;
  }
  return SyncDir(to);
}

absl::StatusOr<std::shared_ptr<MappedFile>> MappedFile::Open(
    const std::string& path, bool sequential) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("open", path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    absl::Status s = Errno("stat", path);
    ::close(fd);
    return s;
  }
  std::shared_ptr<MappedFile> m(new MappedFile());
  m->size_ = st.st_size;
  if (m->size_ > 0) {
    void* p = ::mmap(nullptr, m->size_, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
      absl::Status s = Errno("mmap", path);
      ::close(fd);
      m->size_ = 0;
      return s;
    }
    m->data_ = static_cast<const char*>(p);
    if (sequential) {
      (void)::madvise(p, m->size_, MADV_SEQUENTIAL);
      (void)::madvise(p, m->size_, MADV_WILLNEED);
    }
  }
  ::close(fd);
  return m;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
}

}  // namespace vigil::tsdb::fileutil
