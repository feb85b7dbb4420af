#include "examples/server/tsdb_blocks_api.h"

#include "examples/server/json_writer.h"

namespace vigil::server {
namespace {

void NonZero(JsonWriter* w, const char* key, uint64_t v) {
  if (v == 0) return;
  w->Key(key);
  w->Uint(v);
}

}  // namespace

std::string TsdbBlocksJson(const std::vector<tsdb::BlockMeta>& blocks) {
  JsonWriter w;
  w.BeginObject();
  w.Key("blocks");
  w.BeginArray();
  for (const tsdb::BlockMeta& b : blocks) {
    w.BeginObject();
    w.Key("ulid");
    w.String(b.ulid);
    w.Key("minTime");
    w.Int(b.min_time);
    w.Key("maxTime");
    w.Int(b.max_time);
    w.Key("stats");
    w.BeginObject();
    NonZero(&w, "numSamples", b.num_samples);
    NonZero(&w, "numFloatSamples", b.num_samples);
    NonZero(&w, "numSeries", b.num_series);
    NonZero(&w, "numChunks", b.num_chunks);
    NonZero(&w, "numTombstones", b.num_tombstones);
    w.EndObject();
    w.Key("compaction");
    w.BeginObject();
    w.Key("level");
    w.Int(b.level);
    if (!b.sources.empty()) {
      w.Key("sources");
      w.StringArray(b.sources);
    }
    if (!b.parents.empty()) {
      w.Key("parents");
      w.BeginArray();
      for (const tsdb::BlockMeta::Parent& p : b.parents) {
        w.BeginObject();
        w.Key("ulid");
        w.String(p.ulid);
        w.Key("minTime");
        w.Int(p.min_time);
        w.Key("maxTime");
        w.Int(p.max_time);
        w.EndObject();
      }
      w.EndArray();
    }
    w.EndObject();
    w.Key("version");
    w.Int(b.version);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

}  // namespace vigil::server
