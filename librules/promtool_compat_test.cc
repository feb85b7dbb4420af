// Compares accept/reject verdicts (and error text) of ParseRuleFile with
// the real `promtool check rules` (Debian's 2.42, so legacy name
// validation) over the seed and conformance rule files.

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "librules/expr_check.h"
#include "librules/internal/test_util.h"
#include "librules/rule_file.h"

namespace vigil::rules {
namespace {

constexpr char kPromtool[] = "/usr/bin/promtool";

TEST(PromtoolCompatTest, CheckRulesVerdicts) {
  if (!testing::FileExists(kPromtool)) GTEST_SKIP() << kPromtool << " absent";
  std::string conf = testing::SharedDir("conformance");
  std::string seed = testing::SharedDir("seed");
  if (conf.empty() || seed.empty()) {
    GTEST_SKIP() << "../shared/conformance or ../shared/seed is absent";
  }
  std::vector<std::string> files = {seed + "/prometheus.rules"};
  for (const char* sub : {"/rules/rulefmt", "/rules/fixtures"}) {
    for (auto& f : testing::ListFiles(conf + sub, ".yaml")) files.push_back(f);
  }
  for (auto& f : testing::ListFiles(conf + "/rules/promtool", ".yml")) {
    files.push_back(f);
  }
  RuleFileOptions opts;
  opts.name_validation = NameValidation::kLegacy;
  opts.check_expr = CheckPromQLExpr;
  bool parser = PromQLParserAvailable();
  int agree = 0, total = 0, same_text = 0, rejected = 0;
  for (const std::string& path : files) {
    std::string out;
    int rc = testing::RunCommand({kPromtool, "check", "rules", path}, &out);
    ASSERT_GE(rc, 0) << "promtool failed to run on " << path;
    bool promtool_ok = rc == 0;
    absl::StatusOr<RuleFile> ours = LoadRuleFile(path, opts);
    ++total;
    bool parse_only = absl::StrContains(out, "could not parse expression") &&
                      !absl::StrContains(out, "invalid");
    if (ours.ok() == promtool_ok) {
      ++agree;
    } else if (parse_only && !parser) {
      // Only the PromQL parser could tell; it is not built yet.
      --total;
      continue;
    } else {
      ADD_FAILURE() << path << ": promtool " << (promtool_ok ? "accepts" : "rejects")
                    << " but Vigil " << (ours.ok() ? "accepts" : "rejects")
                    << "\npromtool: " << out
                    << "\nvigil: " << ours.status();
    }
    if (!promtool_ok && !ours.ok()) {
      ++rejected;
      // promtool prints "  FAILED:" then the error line(s).
      size_t at = out.find("FAILED:\n");
      std::string theirs = at == std::string::npos ? "" : out.substr(at + 8);
      while (!theirs.empty() && theirs.back() == '\n') theirs.pop_back();
      std::string mine(ours.status().message());
      if (theirs == mine) {
        ++same_text;
      } else {
        std::cout << "text differs for " << path << "\n  promtool: " << theirs
                  << "\n  vigil:    " << mine << "\n";
      }
    }
  }
  std::cout << "promtool check rules verdicts: " << agree << " of " << total
            << " agree; identical error text for " << same_text << " of "
            << rejected << " rejected files\n";
  EXPECT_EQ(agree, total);
  EXPECT_GE(total, 40);
}

}  // namespace
}  // namespace vigil::rules
