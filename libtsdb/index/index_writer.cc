#include "libtsdb/index/index_writer.h"

#include <algorithm>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "libtsdb/encoding/crc32c.h"
#include "libtsdb/encoding/encoding.h"
#include "libtsdb/fileutil/fileutil.h"

namespace vigil::tsdb::index {
namespace {

constexpr uint32_t kIndexMagic = 0xBAAAD700;

void Pad(std::string* b, size_t align) {
  while (b->size() % align != 0) b->push_back('\0');
}

// Appends len(4) | body | crc32c(body).
void PutSection(std::string* b, const std::string& body) {
  PutBE32(b, static_cast<uint32_t>(body.size()));
  b->append(body);
  PutBE32(b, Crc32c(body));
}

}  // namespace

absl::Status BuildIndex(const std::vector<IndexSeries>& series,
                        std::string* out) {
  for (size_t i = 1; i < series.size(); ++i) {
    if (!(series[i - 1].labels < series[i].labels)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "index series out of order or duplicate at ", i, ": ",
          series[i].labels.ToString()));
    }
  }
  // Symbols.
  std::vector<std::string> symbols;
  {
    absl::flat_hash_map<std::string, bool> seen;
    for (const IndexSeries& s : series) {
      for (model::LabelView l : s.labels) {
        seen.emplace(std::string(l.name), true);
        seen.emplace(std::string(l.value), true);
      }
    }
    symbols.reserve(seen.size());
    for (auto& [k, v] : seen) symbols.push_back(k);
    std::sort(symbols.begin(), symbols.end());
  }
  absl::flat_hash_map<absl::string_view, uint32_t> sym_index;
  for (size_t i = 0; i < symbols.size(); ++i) sym_index[symbols[i]] = i;

  std::string& b = *out;
  b.clear();
  PutBE32(&b, kIndexMagic);
  b.push_back(2);
  uint64_t toc[6] = {0, 0, 0, 0, 0, 0};

  // Symbol table.
  toc[0] = b.size();
  {
    std::string body;
    PutBE32(&body, static_cast<uint32_t>(symbols.size()));
    for (const std::string& s : symbols) PutUvarintStr(&body, s);
    PutSection(&b, body);
  }

  // Series.
  std::vector<uint32_t> ids(series.size());
  // name -> value -> series ids
  std::map<std::string, std::map<std::string, std::vector<uint32_t>>> postings;
  Pad(&b, 16);
  toc[1] = b.size();
  std::string body;
  for (size_t i = 0; i < series.size(); ++i) {
    const IndexSeries& s = series[i];
    Pad(&b, 16);
    if (b.size() / 16 > UINT32_MAX) {
      return absl::ResourceExhaustedError("index exceeds 64 GiB of series");
    }
    ids[i] = static_cast<uint32_t>(b.size() / 16);
    body.clear();
    PutUvarint(&body, s.labels.size());
    for (model::LabelView l : s.labels) {
      PutUvarint(&body, sym_index[l.name]);
      PutUvarint(&body, sym_index[l.value]);
      postings[std::string(l.name)][std::string(l.value)].push_back(ids[i]);
    }
    PutUvarint(&body, s.chunks.size());
    for (size_t c = 0; c < s.chunks.size(); ++c) {
      const ChunkRefMeta& m = s.chunks[c];
      if (c == 0) {
        PutVarint(&body, m.mint);
        PutUvarint(&body, static_cast<uint64_t>(m.maxt - m.mint));
        PutUvarint(&body, m.ref);
      } else {
        const ChunkRefMeta& p = s.chunks[c - 1];
        PutUvarint(&body, static_cast<uint64_t>(m.mint - p.maxt));
        PutUvarint(&body, static_cast<uint64_t>(m.maxt - m.mint));
        PutVarint(&body, static_cast<int64_t>(m.ref - p.ref));
      }
    }
    PutUvarint(&b, body.size());
    b.append(body);
    PutBE32(&b, Crc32c(body));
  }

  // Label indices (one per name), and their offsets.
  std::vector<std::pair<std::string, uint64_t>> label_offsets;
  Pad(&b, 4);
  toc[2] = b.size();
  for (const auto& [name, vals] : postings) {
    Pad(&b, 4);
    label_offsets.emplace_back(name, b.size());
    std::string sec;
    PutBE32(&sec, 1);
    PutBE32(&sec, static_cast<uint32_t>(vals.size()));
    for (const auto& [v, ids_unused] : vals) PutBE32(&sec, sym_index[v]);
    PutSection(&b, sec);
  }

  // Postings: all series first under ("", ""), then every pair.
  std::vector<std::tuple<std::string, std::string, uint64_t>> postings_offsets;
  Pad(&b, 4);
  toc[4] = b.size();
  auto write_postings = [&](const std::string& n, const std::string& v,
                            const std::vector<uint32_t>& list) {
    Pad(&b, 4);
    postings_offsets.emplace_back(n, v, b.size());
    std::string sec;
    PutBE32(&sec, static_cast<uint32_t>(list.size()));
    for (uint32_t id : list) PutBE32(&sec, id);
    PutSection(&b, sec);
  };
  write_postings("", "", ids);
  for (const auto& [name, vals] : postings) {
    for (const auto& [v, list] : vals) write_postings(name, v, list);
  }

  // Label offset table.
  toc[3] = b.size();
  {
    std::string sec;
    PutBE32(&sec, static_cast<uint32_t>(label_offsets.size()));
    for (const auto& [name, off] : label_offsets) {
      PutUvarint(&sec, 1);
      PutUvarintStr(&sec, name);
      PutUvarint(&sec, off);
    }
    PutSection(&b, sec);
  }
  // Postings offset table.
  toc[5] = b.size();
  {
    std::string sec;
    PutBE32(&sec, static_cast<uint32_t>(postings_offsets.size()));
    for (const auto& [n, v, off] : postings_offsets) {
      PutUvarint(&sec, 2);
      PutUvarintStr(&sec, n);
      PutUvarintStr(&sec, v);
      PutUvarint(&sec, off);
    }
    PutSection(&b, sec);
  }
  // TOC.
  std::string t;
  for (uint64_t x : toc) PutBE64(&t, x);
  b.append(t);
  PutBE32(&b, Crc32c(t));
  return absl::OkStatus();
}

absl::Status WriteIndexFile(const std::string& path,
                            const std::vector<IndexSeries>& series) {
  std::string data;
  absl::Status s = BuildIndex(series, &data);
  if (!s.ok()) return s;
  return fileutil::WriteFileAtomic(path, data);
}

}  // namespace vigil::tsdb::index
