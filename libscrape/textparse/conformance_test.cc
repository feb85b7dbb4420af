// Parses Prometheus's own exposition benchmark inputs
// (../shared/conformance/textparse/*.txt) and checks every sample line
// becomes a series with valid labels, counted independently of the parser.

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "libscrape/textparse/openmetrics_parser.h"
#include "libscrape/textparse/prom_parser.h"

namespace vigil::scrape::textparse {
namespace {

std::string FindShared(const std::string& rel) {
  std::vector<std::string> roots;
  if (const char* d = std::getenv("VIGIL_SHARED_DIR")) roots.push_back(d);
  if (const char* s = std::getenv("TEST_SRCDIR")) {
    roots.push_back(std::string(s) + "/vigil_shared");
    roots.push_back(std::string(s) + "/vigil/external/vigil_shared");
  }
  for (const auto& r : roots) {
    std::string p = r + "/" + rel;
    if (std::ifstream(p).good()) return p;
  }
  return "";
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class TextparseConformanceTest : public ::testing::TestWithParam<const char*> {};

TEST_P(TextparseConformanceTest, EverySampleLineParses) {
  const std::string name = GetParam();
  const std::string path = FindShared("conformance/textparse/" + name);
  if (path.empty()) {
    GTEST_SKIP() << "../shared/conformance/textparse/" << name
                 << " is absent (no @vigil_shared); skipping";
  }
  const std::string body = ReadFile(path);
  ASSERT_FALSE(body.empty());
  const bool om = absl::EndsWith(name, ".om.txt");
  size_t want_series = 0, want_meta = 0;
  for (absl::string_view l : absl::StrSplit(body, '\n')) {
    if (l.empty()) continue;
    if (l[0] == '#') {
      if (absl::StartsWith(l, "# HELP ") || absl::StartsWith(l, "# TYPE ") ||
          absl::StartsWith(l, "# UNIT ")) {
        ++want_meta;
      }
      continue;
    }
    ++want_series;
  }
  auto p = om ? NewOpenMetricsParser(body) : NewPromParser(body);
  size_t series = 0, meta = 0, exemplars = 0;
  model::Labels l;
  for (Entry e = p->Next(); e != Entry::kEOF; e = p->Next()) {
    ASSERT_NE(e, Entry::kError) << p->status();
    if (e == Entry::kSeries) {
      ++series;
      ASSERT_TRUE(p->BuildLabels(&l).ok()) << p->Series();
      ASSERT_FALSE(l.MetricName().empty());
      Exemplar ex;
      if (p->GetExemplar(&ex)) ++exemplars;
    } else if (e == Entry::kHelp || e == Entry::kType || e == Entry::kUnit) {
      ++meta;
    }
  }
  EXPECT_EQ(series, want_series);
  EXPECT_EQ(meta, want_meta);
  if (name == std::string("alltypes.5mfs.om.txt")) EXPECT_GT(exemplars, 0u);
  std::printf("%s: %zu series, %zu metadata, %zu exemplars\n", name.c_str(),
              series, meta, exemplars);
}

INSTANTIATE_TEST_SUITE_P(Files, TextparseConformanceTest,
                         ::testing::Values("alltypes.237mfs.prom.txt",
                                           "alltypes.237mfs.nometa.prom.txt",
                                           "alltypes.5mfs.om.txt",
                                           "1histogram.om.txt"));

}  // namespace
}  // namespace vigil::scrape::textparse
