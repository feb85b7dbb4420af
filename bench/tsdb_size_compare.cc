// tsdb_size_compare: writes `hours` of the node-exporter replay
// (bench/node_exporter_replay.h, 4 hosts, 15 s apart, from a 2h-aligned
// start) into a Vigil DB under <out>/vigil, cut into 2h blocks from the
// head and not compacted (promtool writes 2h blocks too, so any number of
// hours compares like with like), and writes the same samples as
// OpenMetrics to <out>/data.om for `promtool tsdb create-blocks-from
// openmetrics`. Prints the samples and Vigil's block bytes (total,
// chunks). Vigil's blocks use its default Options, so the comparison
// includes its window choices (Options::reencode_chunks): smaller than
// Prometheus's chunks for the same samples.
//
//   tsdb_size_compare <fixture.tsv> <out dir> [hours]

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/node_exporter_replay.h"
#include "libtsdb/db.h"
#include "libtsdb/fileutil/fileutil.h"

namespace vigil {
namespace {

std::string Escape(absl::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

int Run(const std::string& fixture, const std::string& out, int hours) {
  constexpr int64_t kStart = 1700006400000;  // a multiple of 2h
  constexpr int64_t kInterval = 15000;
  auto replay = bench::NodeExporterReplay::Load(fixture, 4);
  if (!replay.ok()) {
    std::fprintf(stderr, "%s\n", std::string(replay.status().message()).c_str());
    return 1;
  }
  tsdb::Options o;
  o.background_compaction = false;
  auto db = tsdb::DB::Open(tsdb::fileutil::JoinPath(out, "vigil"), o);
  if (!db.ok()) {
    std::fprintf(stderr, "%s\n", std::string(db.status().message()).c_str());
    return 1;
  }
  // OpenMetrics wants each family's lines together: keep them per series.
  const auto& series = replay->series();
  std::vector<std::string> lines(series.size());
  std::vector<storage::SeriesRef> refs(series.size(), 0);
  uint64_t samples = 0;
  for (int s = 0; s < hours * 240; ++s) {
    replay->NextScrape();
    int64_t t = kStart + s * kInterval;
    auto app = (*db)->NewAppender();
    for (size_t i = 0; i < series.size(); ++i) {
      auto ref = app->Append(refs[i], series[i].labels, t, series[i].value);
      if (!ref.ok()) {
        std::fprintf(stderr, "append: %s\n",
                     std::string(ref.status().message()).c_str());
        return 1;
      }
      refs[i] = *ref;
      std::string& l = lines[i];
      l += std::string(series[i].labels.MetricName());
      l += '{';
      bool first = true;
      for (model::LabelView lv : series[i].labels) {
        if (lv.name == "__name__") continue;
        if (!first) l += ',';
        first = false;
        absl::StrAppend(&l, lv.name, "=\"", Escape(lv.value), "\"");
      }
      absl::StrAppendFormat(&l, "} %.17g %d.%03d\n", series[i].value,
                            t / 1000, static_cast<int>(t % 1000));
      ++samples;
    }
    if (auto st = app->Commit(); !st.ok()) {
      std::fprintf(stderr, "commit: %s\n", std::string(st.message()).c_str());
      return 1;
    }
  }
  if (auto st = (*db)->FlushHead(); !st.ok()) {
    std::fprintf(stderr, "flush: %s\n", std::string(st.message()).c_str());
    return 1;
  }
  int64_t total = 0, chunks = 0;
  for (const auto& b : (*db)->Blocks()) {
    std::string bdir = tsdb::fileutil::JoinPath((*db)->dir(), b.ulid);
    total += tsdb::fileutil::DirSize(bdir);
    chunks += tsdb::fileutil::DirSize(tsdb::fileutil::JoinPath(bdir, "chunks"));
  }
  (void)(*db)->Close();

  std::map<std::string, std::vector<size_t>> families;
  for (size_t i = 0; i < series.size(); ++i) {
    families[std::string(series[i].labels.MetricName())].push_back(i);
  }
  std::string om_path = tsdb::fileutil::JoinPath(out, "data.om");
  FILE* f = std::fopen(om_path.c_str(), "w");
  if (f == nullptr) {
    std::fprintf(stderr, "cannot write %s\n", om_path.c_str());
    return 1;
  }
  for (const auto& [name, idx] : families) {
    std::fprintf(f, "# TYPE %s gauge\n", name.c_str());
    for (size_t i : idx) std::fputs(lines[i].c_str(), f);
  }
  std::fputs("# EOF\n", f);
  std::fclose(f);
  std::printf("samples %llu vigil_bytes %lld vigil_chunk_bytes %lld\n",
              static_cast<unsigned long long>(samples),
              static_cast<long long>(total), static_cast<long long>(chunks));
  return 0;
}

}  // namespace
}  // namespace vigil

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s <fixture.tsv> <out dir> [hours]\n", argv[0]);
    return 2;
  }
  int hours = argc > 3 ? std::atoi(argv[3]) : 2;
  if (hours <= 0 || hours > 48) {
    std::fprintf(stderr, "hours must be 1..48\n");
    return 2;
  }
  return vigil::Run(argv[1], argv[2], hours);
}
