#include "libtsdb/fileutil/fileutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace vigil::tsdb::fileutil {
namespace {

absl::Status Errno(absl::string_view op, absl::string_view path) {
  return IoError(op, path, errno);
}

// Injected write faults (tests only); see InjectWriteFaultForTesting.
std::atomic<bool> g_fault_on{false};
std::atomic<int64_t> g_fault_budget{0};
std::atomic<int> g_fault_errno{0};

// How many of `n` bytes a write may write now; 0 with errno set when it
// must fail instead.
size_t FaultAllowance(size_t n) {
  int64_t left = g_fault_budget.load(std::memory_order_relaxed);
  for (;;) {
    if (left <= 0) {
      errno = g_fault_errno.load(std::memory_order_relaxed);
      return 0;
    }
    int64_t take = std::min<int64_t>(left, static_cast<int64_t>(n));
    if (g_fault_budget.compare_exchange_weak(left, left - take,
                                             std::memory_order_relaxed)) {
      return static_cast<size_t>(take);
    }
  }
}

// write(2) or, for offset >= 0, pwrite(2), through the fault injector.
ssize_t WriteSome(int fd, const char* p, size_t n, int64_t offset) {
  if (g_fault_on.load(std::memory_order_relaxed)) {
    n = FaultAllowance(n);
    if (n == 0) return -1;
  }
  return offset < 0 ? ::write(fd, p, n) : ::pwrite(fd, p, n, offset);
}

absl::Status WriteLoop(int fd, absl::string_view data, int64_t offset,
                       absl::string_view what) {
  while (!data.empty()) {
    ssize_t n = WriteSome(fd, data.data(), data.size(), offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("write", what);
    }
    if (n == 0) return IoError("write", what, EIO);
    data.remove_prefix(n);
    if (offset >= 0) offset += n;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status IoError(absl::string_view op, absl::string_view path, int err) {
  std::string msg = absl::StrCat(op, " ", path, ": ", std::strerror(err));
  if (err == ENOENT) return absl::NotFoundError(msg);
  if (err == ENOSPC || err == EDQUOT) return absl::ResourceExhaustedError(msg);
  return absl::InternalError(msg);
}

void InjectWriteFaultForTesting(int64_t bytes, int err) {
  g_fault_errno.store(err, std::memory_order_relaxed);
  g_fault_budget.store(bytes, std::memory_order_relaxed);
  g_fault_on.store(true, std::memory_order_release);
}

void ClearWriteFaultForTesting() {
  g_fault_on.store(false, std::memory_order_release);
}

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

absl::Status WriteAll(int fd, absl::string_view data, absl::string_view what) {
  return WriteLoop(fd, data, -1, what);
}

absl::Status PWriteAll(int fd, absl::string_view data, int64_t offset,
                       absl::string_view what) {
  return WriteLoop(fd, data, offset, what);
}

absl::Status Allocate(int fd, int64_t offset, int64_t len,
                      absl::string_view what) {
  if (len <= 0) return absl::OkStatus();
  if (g_fault_on.load(std::memory_order_relaxed)) {
    int64_t left = g_fault_budget.load(std::memory_order_relaxed);
    if (left < len) {
      return IoError("allocate", what, g_fault_errno.load());
    }
    g_fault_budget.fetch_sub(len, std::memory_order_relaxed);
  }
  int e;
  do {
    e = ::posix_fallocate(fd, offset, len);
  } while (e == EINTR);
  if (e != 0) return IoError("allocate", what, e);
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
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    s = Errno("rename", tmp);
    ::unlink(tmp.c_str());
    return s;
  }
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
