#include "libtsdb/index/index_reader.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libtsdb/encoding/crc32c.h"
#include "libtsdb/encoding/encoding.h"

namespace vigil::tsdb::index {
namespace {
constexpr uint32_t kIndexMagic = 0xBAAAD700;
constexpr size_t kTocSize = 6 * 8 + 4;
}  // namespace

absl::Status IndexReader::Corrupt(absl::string_view what) const {
  return absl::DataLossError(absl::StrCat("index ", path_, ": ", what));
}

// A section of the form len(4) body crc(4) at `off`; returns the body.
absl::StatusOr<absl::string_view> IndexReader::Section4(
    uint64_t off, absl::string_view what) const {
  absl::string_view d = file_->data();
  if (off + 4 > d.size() || off < 5) {
    return Corrupt(absl::StrCat(what, " offset ", off, " outside the file"));
  }
  uint32_t len = LoadBE32(d.data() + off);
  if (static_cast<uint64_t>(len) + 8 > d.size() - off) {
    return Corrupt(absl::StrCat(what, " length ", len, " runs past the file"));
  }
  absl::string_view body = d.substr(off + 4, len);
  if (Crc32c(body) != LoadBE32(d.data() + off + 4 + len)) {
    return Corrupt(absl::StrCat(what, " checksum mismatch"));
  }
  return body;
}

absl::StatusOr<std::unique_ptr<IndexReader>> IndexReader::Open(
    const std::string& path) {
  std::unique_ptr<IndexReader> r(new IndexReader());
  r->path_ = path;
  auto f = fileutil::MappedFile::Open(path);
  if (!f.ok()) return f.status();
  r->file_ = *std::move(f);
  absl::string_view d = r->file_->data();
  if (d.size() < 5 + kTocSize || LoadBE32(d.data()) != kIndexMagic) {
    return r->Corrupt("bad magic number or file too short");
  }
  if (d[4] != 2) {
    return absl::UnimplementedError(absl::StrCat(
        "index ", path, ": format version ", static_cast<int>(d[4]),
        " is not supported (only v2)"));
  }
  absl::string_view toc = d.substr(d.size() - kTocSize, 48);
  if (Crc32c(toc) != LoadBE32(d.data() + d.size() - 4)) {
    return r->Corrupt("table of contents checksum mismatch");
  }
  uint64_t offs[6];
  for (int i = 0; i < 6; ++i) offs[i] = LoadBE64(toc.data() + 8 * i);
  // Symbols.
  {
    auto body = r->Section4(offs[0], "symbol table");
    if (!body.ok()) return body.status();
    Decbuf db(*body);
    uint32_t n = db.BE32();
    if (n > body->size()) return r->Corrupt("symbol count exceeds table size");
    r->symbols_.reserve(n);
    for (uint32_t i = 0; i < n && db.ok(); ++i) {
      r->symbols_.push_back(db.UvarintStr());
    }
    if (!db.ok()) return r->Corrupt("symbol table truncated");
  }
  // Postings offset table.
  if (offs[5] != 0) {
    auto body = r->Section4(offs[5], "postings offset table");
    if (!body.ok()) return body.status();
    Decbuf db(*body);
    uint32_t n = db.BE32();
    for (uint32_t i = 0; i < n && db.ok(); ++i) {
      uint64_t k = db.Uvarint();
      if (k != 2) {
        db.Fail();
        break;
      }
      absl::string_view name = db.UvarintStr();
      absl::string_view value = db.UvarintStr();
      uint64_t off = db.Uvarint();
      if (db.ok()) r->postings_[name][value] = off;
    }
    if (!db.ok()) return r->Corrupt("postings offset table malformed");
  }
  return r;
}

absl::Status IndexReader::Series(uint64_t id, model::Labels* labels,
                                 std::vector<ChunkRefMeta>* chunks) const {
  absl::string_view d = file_->data();
  uint64_t off = id * 16;
  if (id == 0 || off >= d.size()) {
    return Corrupt(absl::StrCat("series ", id, " outside the file"));
  }
  const uint8_t* p = reinterpret_cast<const uint8_t*>(d.data()) + off;
  const uint8_t* end = reinterpret_cast<const uint8_t*>(d.data()) + d.size();
  uint64_t len;
  if (!ReadUvarint(&p, end, &len) || len + 4 > static_cast<uint64_t>(end - p)) {
    return Corrupt(absl::StrCat("series ", id, " length runs past the file"));
  }
  absl::string_view body(reinterpret_cast<const char*>(p), len);
  if (Crc32c(body) != LoadBE32(p + len)) {
    return Corrupt(absl::StrCat("series ", id, " checksum mismatch"));
  }
  Decbuf db(body);
  uint64_t nl = db.Uvarint();
  if (nl > len) return Corrupt(absl::StrCat("series ", id, " label count"));
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(nl);
  for (uint64_t i = 0; i < nl && db.ok(); ++i) {
    uint64_t n = db.Uvarint(), v = db.Uvarint();
    if (n >= symbols_.size() || v >= symbols_.size()) {
      return Corrupt(absl::StrCat("series ", id, " references unknown symbol"));
    }
    pairs.emplace_back(std::string(symbols_[n]), std::string(symbols_[v]));
  }
  uint64_t nc = db.Uvarint();
  if (!db.ok() || nc > len) {
    return Corrupt(absl::StrCat("series ", id, " malformed"));
  }
  chunks->clear();
  chunks->reserve(nc);
  int64_t prev_maxt = 0;
  uint64_t prev_ref = 0;
  for (uint64_t i = 0; i < nc && db.ok(); ++i) {
    ChunkRefMeta m;
    if (i == 0) {
      m.mint = db.Varint();
      m.maxt = m.mint + static_cast<int64_t>(db.Uvarint());
      m.ref = db.Uvarint();
    } else {
      m.mint = prev_maxt + static_cast<int64_t>(db.Uvarint());
      m.maxt = m.mint + static_cast<int64_t>(db.Uvarint());
      m.ref = prev_ref + static_cast<uint64_t>(db.Varint());
    }
    prev_maxt = m.maxt;
    prev_ref = m.ref;
    chunks->push_back(m);
  }
  if (!db.ok()) return Corrupt(absl::StrCat("series ", id, " chunks truncated"));
  *labels = model::Labels::FromPairs(pairs);
  return absl::OkStatus();
}

std::vector<std::string> IndexReader::LabelNames() const {
  std::vector<std::string> out;
  for (const auto& [name, vals] : postings_) {
    if (!name.empty()) out.emplace_back(name);
  }
  return out;
}

std::vector<std::string> IndexReader::LabelValues(absl::string_view name) const {
  std::vector<std::string> out;
  auto it = postings_.find(name);
  if (it == postings_.end()) return out;
  for (const auto& [v, off] : it->second) out.emplace_back(v);
  return out;
}

void IndexReader::VisitValues(
    absl::string_view name, absl::string_view prefix,
    absl::FunctionRef<void(absl::string_view)> fn) const {
  auto it = postings_.find(name);
  if (it == postings_.end()) return;
  for (auto v = it->second.lower_bound(prefix); v != it->second.end(); ++v) {
    if (!absl::StartsWith(v->first, prefix)) break;
    fn(v->first);
  }
}

absl::StatusOr<Postings> IndexReader::ReadPostings(
    absl::string_view name, absl::string_view value) const {
  auto it = postings_.find(name);
  if (it == postings_.end()) return Postings();
  auto v = it->second.find(value);
  if (v == it->second.end()) return Postings();
  auto body = Section4(v->second, "postings list");
  if (!body.ok()) return body.status();
  if (body->size() < 4) return Corrupt("postings list too short");
  uint32_t n = LoadBE32(body->data());
  if (static_cast<uint64_t>(n) * 4 + 4 != body->size()) {
    return Corrupt("postings list length does not match its count");
  }
  Postings out(n);
  for (uint32_t i = 0; i < n; ++i) out[i] = LoadBE32(body->data() + 4 + 4 * i);
  return out;
}

Postings IndexReader::PostingsFor(absl::string_view name,
                                  absl::string_view value) const {
  auto p = ReadPostings(name, value);
  return p.ok() ? *std::move(p) : Postings();
}

Postings IndexReader::AllPostings() const { return PostingsFor("", ""); }

}  // namespace vigil::tsdb::index
