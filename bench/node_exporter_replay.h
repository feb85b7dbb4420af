// NodeExporterReplay: realistic scrape data for storage benchmarks, grown
// from two real node-exporter scrapes taken 15 s apart
// (bench/testdata/node_exporter_15s.tsv: type, both values and the labels
// of each series; 72% of the series did not change between them).
//
// Each series evolves from its first value by its observed change per
// scrape: counters add 0.5-1.5 times it, gauges random-walk by up to 1.5
// times it, unchanged series stay constant, and values keep the decimals
// they were printed with (k / 10^d, as exporters compute them). The
// fixture is replicated over `hosts` instances (labels job="node",
// instance="host-N:9100") with start values varied by +-10%. The sequence
// is deterministic.
//
// Thread safety: not thread-safe.

#ifndef VIGIL_BENCH_NODE_EXPORTER_REPLAY_H_
#define VIGIL_BENCH_NODE_EXPORTER_REPLAY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "model/labels.h"

namespace vigil::bench {

class NodeExporterReplay {
 public:
  struct Series {
    model::Labels labels;
    double value;  // in the current scrape
    double step;   // observed change per scrape; 0: constant
    bool counter;
    int decimals;
  };

  static absl::StatusOr<NodeExporterReplay> Load(const std::string& tsv_path,
                                                 int hosts);

  // Moves every series to its value in the next scrape (the first call
  // leaves the loaded values in place).
  void NextScrape();

  const std::vector<Series>& series() const { return series_; }

 private:
  uint64_t Rand();
  double Uniform(double lo, double hi);

  std::vector<Series> series_;
  uint64_t rng_ = 42;
  bool started_ = false;
};

}  // namespace vigil::bench

#endif  // VIGIL_BENCH_NODE_EXPORTER_REPLAY_H_
