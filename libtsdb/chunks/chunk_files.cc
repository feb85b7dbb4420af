#include "libtsdb/chunks/chunk_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libtsdb/encoding/crc32c.h"
#include "libtsdb/encoding/encoding.h"

namespace vigil::tsdb::chunks {

using fileutil::JoinPath;

std::string ChunkFileName(int index) { return absl::StrFormat("%06d", index + 1); }

ChunkWriter::ChunkWriter(std::string dir, int64_t segment_size)
    : dir_(std::move(dir)), segment_size_(segment_size) {}

ChunkWriter::~ChunkWriter() { (void)Close(); }

absl::Status ChunkWriter::Cut() {
  absl::Status s = Close();
  if (!s.ok()) return s;
  s = fileutil::MkdirAll(dir_);
  if (!s.ok()) return s;
  ++seq_;
  std::string path = JoinPath(dir_, ChunkFileName(seq_));
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    return absl::InternalError(
        absl::StrCat("create chunk file ", path, ": ", std::strerror(errno)));
  }
  buf_.clear();
  PutBE32(&buf_, kChunksMagic);
  buf_.push_back(1);
  buf_.append(3, '\0');
  n_ = 8;
  total_ += 8;
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> ChunkWriter::Write(chunkenc::Encoding enc,
                                            absl::string_view data) {
  int64_t need = 10 + 1 + static_cast<int64_t>(data.size()) + 4;
  if (fd_ < 0 || (n_ + need > segment_size_ && n_ > 8)) {
    absl::Status s = Cut();
    if (!s.ok()) return s;
  }
  uint64_t ref = (static_cast<uint64_t>(seq_) << 32) | static_cast<uint64_t>(n_);
  size_t start = buf_.size();
  PutUvarint(&buf_, data.size());
  size_t crc_from = buf_.size();
  buf_.push_back(static_cast<char>(enc));
  buf_.append(data.data(), data.size());
  PutBE32(&buf_, Crc32cExtend(0, buf_.data() + crc_from, buf_.size() - crc_from));
  n_ += buf_.size() - start;
  total_ += buf_.size() - start;
  if (buf_.size() >= (1 << 20)) {
    absl::Status s = fileutil::WriteAll(fd_, buf_, dir_);
    if (!s.ok()) return s;
    buf_.clear();
  }
  return ref;
}

absl::Status ChunkWriter::Close() {
  if (fd_ < 0) return absl::OkStatus();
  absl::Status s = fileutil::WriteAll(fd_, buf_, dir_);
  buf_.clear();
  if (s.ok() && ::fsync(fd_) != 0) {
    s = absl::InternalError(absl::StrCat("fsync chunk file in ", dir_, ": ",
                                         std::strerror(errno)));
  }
  ::close(fd_);
  fd_ = -1;
  return s;
}

absl::StatusOr<std::unique_ptr<ChunkReader>> ChunkReader::Open(
    const std::string& dir) {
  auto names = fileutil::ListDir(dir);
  if (!names.ok()) return names.status();
  std::unique_ptr<ChunkReader> r(new ChunkReader());
  r->dir_ = dir;
  int expect = 0;
  for (const std::string& n : *names) {
    if (n.size() != 6 || n.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    if (n != ChunkFileName(expect)) {
      return absl::DataLossError(absl::StrCat(
          "chunk files in ", dir, " are not contiguous: expected ",
          ChunkFileName(expect), ", found ", n));
    }
    ++expect;
    std::string path = JoinPath(dir, n);
    auto m = fileutil::MappedFile::Open(path);
    if (!m.ok()) return m.status();
    absl::string_view d = (*m)->data();
    if (d.size() < 8 || LoadBE32(d.data()) != kChunksMagic) {
      return absl::DataLossError(
          absl::StrCat("chunk file ", path, ": bad magic number"));
    }
    if (d[4] != 1) {
      return absl::DataLossError(absl::StrCat(
          "chunk file ", path, ": unsupported version ", static_cast<int>(d[4])));
    }
    r->files_.push_back(*std::move(m));
  }
  auto files = std::make_shared<std::vector<std::shared_ptr<fileutil::MappedFile>>>(
      r->files_);
  r->owner_ = files;
  return r;
}

absl::StatusOr<absl::string_view> ChunkReader::Chunk(
    uint64_t ref, chunkenc::Encoding* enc) const {
  uint64_t seq = ref >> 32;
  uint64_t off = ref & 0xffffffffu;
  if (seq >= files_.size()) {
    return absl::DataLossError(absl::StrCat("chunk ref ", ref, " in ", dir_,
                                            ": no chunk file ", seq + 1));
  }
  absl::string_view d = files_[seq]->data();
  if (off < 8 || off >= d.size()) {
    return absl::DataLossError(absl::StrCat(
        "chunk ref ", ref, " in ", dir_, ": offset ", off,
        " outside file ", ChunkFileName(seq), " of ", d.size(), " bytes"));
  }
  const uint8_t* p = reinterpret_cast<const uint8_t*>(d.data()) + off;
  const uint8_t* end = reinterpret_cast<const uint8_t*>(d.data()) + d.size();
  uint64_t len;
  if (!ReadUvarint(&p, end, &len) || static_cast<uint64_t>(end - p) < 1 + 4 ||
      len > static_cast<uint64_t>(end - p) - 5) {
    return absl::DataLossError(absl::StrCat("chunk ref ", ref, " in ", dir_,
                                            ": length runs past the file"));
  }
  uint32_t want = LoadBE32(p + 1 + len);
  if (Crc32cExtend(0, p, 1 + len) != want) {
    return absl::DataLossError(
        absl::StrCat("chunk ref ", ref, " in ", dir_, ": checksum mismatch"));
  }
  *enc = static_cast<chunkenc::Encoding>(p[0]);
  return absl::string_view(reinterpret_cast<const char*>(p + 1), len);
}

int64_t ChunkReader::Size() const {
  int64_t n = 0;
  for (const auto& f : files_) n += f->data().size();
  return n;
}

}  // namespace vigil::tsdb::chunks
