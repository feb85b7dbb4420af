#include "libtsdb/block.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "libtsdb/chunkenc/xor_chunk.h"
#include "libtsdb/encoding/encoding.h"
#include "libtsdb/fileutil/fileutil.h"
#include "nlohmann/json.hpp"

namespace vigil::tsdb {

using fileutil::JoinPath;

std::string EncodeMeta(const BlockMeta& m) {
  nlohmann::json j;
  j["ulid"] = m.ulid;
  j["minTime"] = m.min_time;
  j["maxTime"] = m.max_time;
  j["stats"] = {{"numSamples", m.num_samples},
                {"numSeries", m.num_series},
                {"numChunks", m.num_chunks}};
  if (m.num_tombstones > 0) j["stats"]["numTombstones"] = m.num_tombstones;
  nlohmann::json c;
  c["level"] = m.level;
  c["sources"] = m.sources;
  if (!m.parents.empty()) {
    nlohmann::json ps = nlohmann::json::array();
    for (const auto& p : m.parents) {
      ps.push_back({{"ulid", p.ulid}, {"minTime", p.min_time}, {"maxTime", p.max_time}});
    }
    c["parents"] = ps;
  }
  j["compaction"] = c;
  j["version"] = m.version;
  return j.dump(1, '\t');
}

absl::StatusOr<BlockMeta> ParseMeta(absl::string_view json,
                                    absl::string_view what) {
  nlohmann::json j = nlohmann::json::parse(json.begin(), json.end(), nullptr,
                                           /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::DataLossError(absl::StrCat(what, ": meta.json is not valid JSON"));
  }
  BlockMeta m;
  auto get_int = [&](const nlohmann::json& o, const char* k, auto* out) -> bool {
    auto it = o.find(k);
    if (it == o.end() || !it->is_number_integer()) return false;
    *out = it->get<std::decay_t<decltype(*out)>>();
    return true;
  };
  auto u = j.find("ulid");
  if (u == j.end() || !u->is_string() ||
      !get_int(j, "minTime", &m.min_time) || !get_int(j, "maxTime", &m.max_time) ||
      !get_int(j, "version", &m.version)) {
    return absl::DataLossError(absl::StrCat(
        what, ": meta.json lacks ulid, minTime, maxTime or version"));
  }
  m.ulid = u->get<std::string>();
  if (m.version != 1) {
    return absl::DataLossError(
        absl::StrCat(what, ": unsupported meta.json version ", m.version));
  }
  auto st = j.find("stats");
  if (st != j.end() && st->is_object()) {
    get_int(*st, "numSamples", &m.num_samples);
    get_int(*st, "numSeries", &m.num_series);
    get_int(*st, "numChunks", &m.num_chunks);
    get_int(*st, "numTombstones", &m.num_tombstones);
  }
  auto c = j.find("compaction");
  if (c != j.end() && c->is_object()) {
    get_int(*c, "level", &m.level);
    auto s = c->find("sources");
    if (s != c->end() && s->is_array()) {
      for (const auto& x : *s) {
        if (x.is_string()) m.sources.push_back(x.get<std::string>());
      }
    }
    auto p = c->find("parents");
    if (p != c->end() && p->is_array()) {
      for (const auto& x : *p) {
        if (!x.is_object()) continue;
        BlockMeta::Parent par;
        if (x.contains("ulid") && x["ulid"].is_string()) {
          par.ulid = x["ulid"].get<std::string>();
        }
        get_int(x, "minTime", &par.min_time);
        get_int(x, "maxTime", &par.max_time);
        m.parents.push_back(par);
      }
    }
  }
  return m;
}

std::string NewULID(int64_t ms) {
  static const char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  static thread_local std::mt19937_64 rng(std::random_device{}() ^
                                          static_cast<uint64_t>(ms));
  unsigned __int128 v = static_cast<unsigned __int128>(
                            static_cast<uint64_t>(ms) & 0xFFFFFFFFFFFFULL)
                        << 80;
  unsigned __int128 r = (static_cast<unsigned __int128>(rng() & 0xFFFF) << 64) |
                        rng();
  v |= r;
  std::string out(26, '0');
  for (int i = 25; i >= 0; --i) {
    out[i] = kAlphabet[static_cast<int>(v & 31)];
    v >>= 5;
  }
  return out;
}

absl::StatusOr<std::shared_ptr<Block>> Block::Open(const std::string& dir) {
  std::shared_ptr<Block> b(new Block());
  b->dir_ = dir;
  auto meta_json = fileutil::ReadFile(JoinPath(dir, "meta.json"));
  if (!meta_json.ok()) return meta_json.status();
  auto meta = ParseMeta(*meta_json, JoinPath(dir, "meta.json"));
  if (!meta.ok()) return meta.status();
  b->meta_ = *std::move(meta);
  auto idx = index::IndexReader::Open(JoinPath(dir, "index"));
  if (!idx.ok()) return idx.status();
  b->index_ = *std::move(idx);
  auto cr = chunks::ChunkReader::Open(JoinPath(dir, "chunks"));
  if (!cr.ok()) return cr.status();
  b->chunks_ = *std::move(cr);
  std::string tpath = JoinPath(dir, "tombstones");
  if (fileutil::Exists(tpath)) {
    auto data = fileutil::ReadFile(tpath);
    if (!data.ok()) return data.status();
    auto t = TombstoneMap::Decode(*data, tpath);
    if (!t.ok()) return t.status();
    b->tombstones_ = *t;
  }
  return b;
}

int64_t Block::Size() const { return fileutil::DirSize(dir_); }

bool Block::HasTombstones() const { return !tombstones_.Empty(); }

absl::StatusOr<std::vector<internal::SeriesEntry>> Block::Select(
    int64_t mint, int64_t maxt,
    const std::vector<model::Matcher>* matchers) const {
  std::vector<internal::SeriesEntry> out;
  if (!Overlaps(mint, maxt)) return out;
  index::Postings ids = matchers != nullptr
                            ? index::PostingsForMatchers(*index_, *matchers)
                            : index_->AllPostings();
  bool tomb = !tombstones_.Empty();
  std::vector<index::ChunkRefMeta> metas;
  std::shared_ptr<const void> owner = chunks_->owner();
  for (uint64_t id : ids) {
    internal::SeriesEntry e;
    absl::Status s = index_->Series(id, &e.labels, &metas);
    if (!s.ok()) return s;
    if (tomb) e.deleted = tombstones_.Get(id);
    for (const index::ChunkRefMeta& m : metas) {
      if (m.maxt < mint || m.mint > maxt) continue;
      if (!e.deleted.empty() && FullyDeleted(e.deleted, m.mint, m.maxt)) continue;
      chunkenc::Encoding enc;
      auto data = chunks_->Chunk(m.ref, &enc);
      if (!data.ok()) return data.status();
      if (enc != chunkenc::Encoding::kXOR) continue;  // histograms: not read
      e.chunks.push_back(internal::ChunkMeta{owner, *data, m.mint, m.maxt});
    }
    if (!e.chunks.empty()) out.push_back(std::move(e));
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> Block::LabelNames(
    const std::vector<model::Matcher>& matchers) const {
  if (matchers.empty()) return index_->LabelNames();
  auto entries = Select(meta_.min_time, meta_.max_time - 1, &matchers);
  if (!entries.ok()) return entries.status();
  std::set<std::string> names;
  for (const auto& e : *entries) {
    for (model::LabelView l : e.labels) names.emplace(l.name);
  }
  return std::vector<std::string>(names.begin(), names.end());
}

absl::StatusOr<std::vector<std::string>> Block::LabelValues(
    absl::string_view name, const std::vector<model::Matcher>& matchers) const {
  if (matchers.empty()) return index_->LabelValues(name);
  auto entries = Select(meta_.min_time, meta_.max_time - 1, &matchers);
  if (!entries.ok()) return entries.status();
  std::set<std::string> vals;
  for (const auto& e : *entries) {
    absl::string_view v = e.labels.Get(name);
    if (!v.empty()) vals.emplace(v);
  }
  return std::vector<std::string>(vals.begin(), vals.end());
}

absl::StatusOr<int> Block::Delete(int64_t mint, int64_t maxt,
                                  const std::vector<model::Matcher>& matchers) {
  absl::MutexLock l(&mu_);
  index::Postings ids = index::PostingsForMatchers(*index_, matchers);
  int n = 0;
  for (uint64_t id : ids) {
    tombstones_.Add(id, Interval{mint, maxt});
    ++n;
  }
  if (n == 0) return 0;
  absl::Status s =
      fileutil::WriteFileAtomic(JoinPath(dir_, "tombstones"), tombstones_.Encode());
  if (!s.ok()) return s;
  return n;
}

namespace {

// Whether the entry's chunks can be copied verbatim into [mint, maxt):
// all inside the range, in order, untouched by tombstones and, when
// `min_samples` > 0, each but the last holding at least that many samples.
bool CopyVerbatim(const internal::SeriesEntry& e, int64_t mint, int64_t maxt,
                  int min_samples) {
  int64_t prev = INT64_MIN;
  bool first = true;
  bool short_before = false;  // an earlier chunk held < min_samples
  for (const auto& c : e.chunks) {
    if (c.maxt < mint || c.mint >= maxt) continue;
    if (c.mint < mint || c.maxt >= maxt) return false;
    if (!first && c.mint <= prev) return false;
    for (const Interval& iv : e.deleted) {
      if (iv.mint <= c.maxt && c.mint <= iv.maxt) return false;
    }
    if (short_before) return false;
    if (min_samples > 0) {
      const uint8_t* p = reinterpret_cast<const uint8_t*>(c.bytes.data());
      int n = c.bytes.size() >= 2 ? ((p[0] << 8) | p[1]) : 0;
      short_before = n < min_samples;
    }
    prev = c.maxt;
    first = false;
  }
  return true;
}

}  // namespace

absl::StatusOr<BlockMeta> WriteBlock(
    const std::string& parent, const std::vector<internal::SeriesEntry>& entries,
    int64_t mint, int64_t maxt, int level,
    const std::vector<std::string>& sources,
    const std::vector<BlockMeta::Parent>& parents, const ChunkLayout& layout) {
  // Chunks of the head's size keep their boundaries; longer ones are cut
  // anew.
  const bool rechunk =
      layout.samples_per_chunk > chunkenc::kTargetSamplesPerChunk;
  const int chunk_samples =
      rechunk ? std::min(layout.samples_per_chunk, chunkenc::kMaxSamplesPerChunk)
              : chunkenc::kTargetSamplesPerChunk;
  std::vector<int64_t> ts;
  std::vector<double> vs;
  BlockMeta meta;
  meta.ulid = NewULID(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  meta.min_time = mint;
  meta.max_time = maxt;
  meta.level = level;
  meta.sources = sources.empty() ? std::vector<std::string>{meta.ulid} : sources;
  meta.parents = parents;
  std::string final_dir = JoinPath(parent, meta.ulid);
  std::string tmp = final_dir + ".tmp-for-creation";
  absl::Status s = fileutil::RemoveAll(tmp);
  if (!s.ok()) return s;
  s = fileutil::MkdirAll(tmp);
  if (!s.ok()) return s;
  // A failed write (a full disk) removes its partial block at once: every
  // attempt has a new ULID, and leftovers would eat the space retries need.
  struct RemoveUnlessDone {
    const std::string& path;
    bool done = false;
    ~RemoveUnlessDone() {
      if (!done) (void)fileutil::RemoveAll(path);
    }
  } cleanup{tmp};

  chunks::ChunkWriter cw(JoinPath(tmp, "chunks"));
  std::vector<index::IndexSeries> iseries;
  iseries.reserve(entries.size());
  for (const internal::SeriesEntry& e : entries) {
    index::IndexSeries is;
    is.labels = e.labels;
    auto add = [&](absl::string_view bytes, int64_t cmint,
                   int64_t cmaxt) -> absl::Status {
      auto ref = cw.Write(chunkenc::Encoding::kXOR, bytes);
      if (!ref.ok()) return ref.status();
      is.chunks.push_back(index::ChunkRefMeta{cmint, cmaxt, *ref});
      const uint8_t* p = reinterpret_cast<const uint8_t*>(bytes.data());
      meta.num_samples += bytes.size() >= 2 ? ((p[0] << 8) | p[1]) : 0;
      ++meta.num_chunks;
      return absl::OkStatus();
    };
    // Encodes ts/vs as one chunk.
    auto flush = [&]() -> absl::Status {
      if (ts.empty()) return absl::OkStatus();
      auto c = chunkenc::XorChunk::Encode(ts.data(), vs.data(),
                                          static_cast<int>(ts.size()));
      if (!c.ok()) return c.status();
      absl::Status st = add(c->bytes(), ts.front(), ts.back());
      ts.clear();
      vs.clear();
      return st;
    };
    if (CopyVerbatim(e, mint, maxt, rechunk ? chunk_samples : 0)) {
      for (const auto& c : e.chunks) {
        if (c.maxt < mint || c.mint >= maxt) continue;
        if (!layout.reencode) {
          s = add(c.bytes, c.mint, c.maxt);
          if (!s.ok()) return s;
          continue;
        }
        // Same samples, the smallest encoding.
        chunkenc::XorIterator it(c.bytes);
        while (it.Next()) {
          ts.push_back(it.t());
          vs.push_back(it.v());
        }
        if (!it.status().ok()) return it.status();
        s = flush();
        if (!s.ok()) return s;
      }
    } else {
      auto it = internal::NewChunksIterator(e.chunks, e.deleted, mint, maxt - 1);
      while (it->Next()) {
        ts.push_back(it->timestamp());
        vs.push_back(it->value());
        if (static_cast<int>(ts.size()) >= chunk_samples) {
          s = flush();
          if (!s.ok()) return s;
        }
      }
      if (!it->status().ok()) return it->status();
      s = flush();
      if (!s.ok()) return s;
    }
    if (!is.chunks.empty()) iseries.push_back(std::move(is));
  }
  if (iseries.empty()) {
    (void)fileutil::RemoveAll(tmp);
    meta.ulid.clear();
    return meta;
  }
  s = cw.Close();
  if (!s.ok()) return s;
  meta.num_series = iseries.size();
  s = index::WriteIndexFile(JoinPath(tmp, "index"), iseries);
  if (!s.ok()) return s;
  s = fileutil::WriteFileAtomic(JoinPath(tmp, "tombstones"), TombstoneMap().Encode());
  if (!s.ok()) return s;
  s = fileutil::WriteFileAtomic(JoinPath(tmp, "meta.json"), EncodeMeta(meta));
  if (!s.ok()) return s;
  s = fileutil::SyncDir(tmp);
  if (!s.ok()) return s;
  s = fileutil::Rename(tmp, final_dir);
  if (!s.ok()) return s;
  cleanup.done = true;
  s = fileutil::SyncDir(parent);
  if (!s.ok()) {
    // Not reported as written, so not left to be found by the next Open.
    (void)fileutil::RemoveAll(final_dir);
    return s;
  }
  return meta;
}

}  // namespace vigil::tsdb
