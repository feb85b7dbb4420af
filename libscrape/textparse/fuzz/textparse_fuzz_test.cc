// Runs the textparse fuzz target over seeds (hand cases and, when present,
// ../shared/conformance/textparse) and a fixed number of deterministic
// mutations of them: bit flips, truncations, insertions of format tokens.
// Under --config=asan this is a short fuzzing run inside `bazel test`.

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

int RunOne(const std::string& s) {
  return LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()),
                                s.size());
}

std::vector<std::string> Seeds() {
  std::vector<std::string> seeds = {
      "# HELP a h\\n\\\\x\n# TYPE a counter\na{b=\"c\\\"\",d=\"\"} 1 2\n",
      "{\"x.y\",\"a b\"=\"1\"} NaN\n# comment\n\n  m +Inf\n",
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n",
      "# TYPE a counter\n# UNIT a_s s\na_total 1 # {t=\"1\"} 2 3\n# EOF\n",
      "# TYPE s stateset\ns{s=\"a\"} 1\n# TYPE i info\ni_info 1\n# EOF",
  };
  for (const char* name :
       {"alltypes.5mfs.om.txt", "1histogram.om.txt", "alltypes.237mfs.prom.txt"}) {
    for (const char* env : {"TEST_SRCDIR"}) {
      const char* r = std::getenv(env);
      if (r == nullptr) continue;
      for (std::string root : {std::string(r) + "/vigil_shared",
                               std::string(r) + "/vigil/external/vigil_shared"}) {
        std::ifstream f(root + "/conformance/textparse/" + name);
        if (!f.good()) continue;
        std::stringstream ss;
        ss << f.rdbuf();
        // Keep the seed small so mutations stay cheap.
        seeds.push_back(ss.str().substr(0, 4096));
      }
    }
  }
  return seeds;
}

TEST(TextparseFuzzTest, SeedsAndMutations) {
  static const char* kTokens[] = {"{", "}", "\"", "\\", ",", "=", " ", "\t",
                                  "\n", "#", "# EOF", "# HELP ", "# TYPE ",
                                  "# UNIT ", " # {", "NaN", "+Inf", "1e309",
                                  "\xff", "\xc3", "_total", "_created"};
  std::mt19937_64 rng(20261125);
  const std::vector<std::string> seeds = Seeds();
  int runs = 0;
  for (const std::string& seed : seeds) {
    for (char sel : {'\0', '\1'}) {
      RunOne(std::string(1, sel) + seed);
      ++runs;
    }
  }
  const int kMutations = 20000;
  for (int i = 0; i < kMutations; ++i) {
    std::string s = seeds[rng() % seeds.size()];
    const int edits = 1 + rng() % 4;
    for (int k = 0; k < edits && !s.empty(); ++k) {
      size_t pos = rng() % s.size();
      switch (rng() % 4) {
        case 0:
          s[pos] = static_cast<char>(s[pos] ^ (1u << (rng() % 8)));
          break;
        case 1:
          s.resize(pos);
          break;
        case 2:
          s.insert(pos, kTokens[rng() % (sizeof kTokens / sizeof *kTokens)]);
          break;
        default:
          s.erase(pos, 1 + rng() % 8);
          break;
      }
    }
    RunOne(std::string(1, static_cast<char>(rng() & 1)) + s);
    ++runs;
  }
  EXPECT_GE(runs, kMutations);
}

}  // namespace
