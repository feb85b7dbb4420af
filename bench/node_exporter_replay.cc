#include "bench/node_exporter_replay.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace vigil::bench {
namespace {

// Decimals a printed value carries: "2192.68" -> 2, "1.758e+06" -> 0.
int Decimals(absl::string_view text) {
  size_t e = text.find_first_of("eE");
  absl::string_view mant = text.substr(0, e);
  int exp = e == absl::string_view::npos
                ? 0
                : std::atoi(std::string(text.substr(e + 1)).c_str());
  size_t dot = mant.find('.');
  int d = dot == absl::string_view::npos
              ? 0
              : static_cast<int>(mant.size() - dot - 1);
  return std::max(0, d - exp);
}

double Quantize(double v, int decimals) {
  double scale = std::pow(10.0, decimals);
  return static_cast<double>(std::llround(v * scale)) / scale;
}

}  // namespace

absl::StatusOr<NodeExporterReplay> NodeExporterReplay::Load(
    const std::string& tsv_path, int hosts) {
  std::ifstream in(tsv_path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", tsv_path));
  std::vector<std::vector<std::string>> rows;
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    if (f.size() < 5 || f.size() % 2 == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          tsv_path, ":", line_no, ": want type, 2 values, label pairs"));
    }
    rows.push_back(std::move(f));
  }
  NodeExporterReplay r;
  for (int h = 0; h < hosts; ++h) {
    for (const auto& f : rows) {
      std::vector<std::pair<std::string, std::string>> pairs;
      for (size_t i = 3; i + 1 < f.size(); i += 2) {
        pairs.emplace_back(f[i], f[i + 1]);
      }
      pairs.emplace_back("job", "node");
      pairs.emplace_back("instance", absl::StrCat("host-", h, ":9100"));
      Series s;
      s.labels = model::Labels::FromPairs(pairs);
      double a = std::strtod(f[1].c_str(), nullptr);
      double b = std::strtod(f[2].c_str(), nullptr);
      s.decimals = std::min(Decimals(f[1]), Decimals(f[2]));
      s.counter = f[0] == "counter";
      s.step = std::fabs(b - a);
      s.value = s.step == 0 ? a : Quantize(a * r.Uniform(0.9, 1.1), s.decimals);
      r.series_.push_back(std::move(s));
    }
  }
  return r;
}

void NodeExporterReplay::NextScrape() {
  if (!started_) {
    started_ = true;
    return;
  }
  for (Series& s : series_) {
    if (s.step == 0) continue;
    double d = s.counter ? s.step * Uniform(0.5, 1.5)
                         : s.step * Uniform(-1.5, 1.5);
    double v = Quantize(s.value + d, s.decimals);
    if (!s.counter && s.value >= 0 && v < 0) v = Quantize(s.value - d, s.decimals);
    s.value = v;
  }
}

// splitmix64.
uint64_t NodeExporterReplay::Rand() {
  uint64_t z = (rng_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double NodeExporterReplay::Uniform(double lo, double hi) {
  return lo + (hi - lo) * static_cast<double>(Rand() >> 11) / 9007199254740992.0;
}

}  // namespace vigil::bench
