// Parses every query of Prometheus's own PromQL test scripts
// (../shared/conformance/promql/*.test, via @vigil_shared//:conformance):
// each expression after `eval instant at <t>` / `eval range from <t> to <t>
// step <d>`. Queries of evals that do not expect a failure must parse, and
// must survive print -> parse -> print unchanged. Prints the counts and every
// query that does not parse. Skips when the folder is absent.

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "libpromql/parser/parser.h"
#include "libpromql/parser/printer.h"

namespace vigil::promql::parser {
namespace {

namespace fs = std::filesystem;

struct EvalQuery {
  std::string file;
  int line = 0;
  std::string query;
  bool expect_fail = false;
};

std::string FindScriptDir() {
  std::vector<std::string> candidates;
  if (const char* d = std::getenv("VIGIL_SHARED_DIR")) {
    candidates.push_back(std::string(d) + "/conformance/promql");
  }
  if (const char* r = std::getenv("TEST_SRCDIR")) {
    candidates.push_back(std::string(r) + "/vigil_shared/conformance/promql");
    candidates.push_back(std::string(r) +
                         "/vigil/external/vigil_shared/conformance/promql");
  }
  candidates.push_back("external/vigil_shared/conformance/promql");
  candidates.push_back("../vigil_shared/conformance/promql");
  for (const std::string& c : candidates) {
    std::error_code ec;
    if (fs::is_directory(c, ec)) return c;
  }
  return "";
}

// Returns the expression of an eval command line, or "" if not an eval.
std::string ExpressionOf(absl::string_view line) {
  std::vector<absl::string_view> words =
      absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  if (words.empty() || !absl::StartsWith(words[0], "eval")) return "";
  size_t skip;  // words before the expression
  if (words.size() > 1 && words[1] == "instant") {
    skip = 4;  // eval instant at <t>
  } else if (words.size() > 1 && words[1] == "range") {
    skip = 8;  // eval range from <t> to <t> step <d>
  } else {
    return "";
  }
  if (words.size() <= skip) return "";
  // The expression is the rest of the line from the first word after skip.
  const char* start = words[skip].data();
  return std::string(absl::StripAsciiWhitespace(
      absl::string_view(start, line.data() + line.size() - start)));
}

std::vector<EvalQuery> LoadQueries(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".test") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<EvalQuery> out;
  for (const std::string& path : files) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    for (size_t i = 0; i < lines.size(); ++i) {
      absl::string_view l = absl::StripAsciiWhitespace(lines[i]);
      std::string q = ExpressionOf(l);
      if (q.empty()) continue;
      EvalQuery e;
      e.file = fs::path(path).filename();
      e.line = static_cast<int>(i + 1);
      e.query = q;
      e.expect_fail = absl::StartsWith(l, "eval_fail");
      for (size_t j = i + 1; j < lines.size(); ++j) {
        absl::string_view b = absl::StripAsciiWhitespace(lines[j]);
        if (b.empty() || b[0] == '#') break;
        if (absl::StartsWith(b, "expect fail")) e.expect_fail = true;
      }
      out.push_back(std::move(e));
    }
  }
  return out;
}

TEST(ConformanceParseTest, ParsesEveryEvalQuery) {
  const std::string dir = FindScriptDir();
  if (dir.empty()) {
    GTEST_SKIP() << "../shared/conformance/promql not found (no shared "
                    "folder in this checkout); nothing to parse";
  }
  const std::vector<EvalQuery> queries = LoadQueries(dir);
  ASSERT_GT(queries.size(), 0u) << "no eval lines found in " << dir;

  int parsed = 0, must_parse = 0, must_parse_failed = 0;
  int expected_fail = 0, expected_fail_parse_error = 0, roundtrip_ok = 0;
  for (const EvalQuery& q : queries) {
    auto e = ParseExpr(q.query);
    if (q.expect_fail) {
      ++expected_fail;
      if (!e.ok()) {
        ++expected_fail_parse_error;
        std::cout << "  expected failure, parse error: " << q.file << ":"
                  << q.line << ": " << q.query << "\n    "
                  << e.status().message() << "\n";
      }
    } else {
      ++must_parse;
    }
    if (!e.ok()) {
      if (!q.expect_fail) {
        ++must_parse_failed;
        ADD_FAILURE() << q.file << ":" << q.line << ": " << q.query << "\n  "
                      << e.status().message();
      }
      continue;
    }
    ++parsed;
    // print -> parse -> print is stable.
    const std::string printed = Format(**e);
    auto again = ParseExpr(printed);
    if (!again.ok()) {
      ADD_FAILURE() << q.file << ":" << q.line << ": printed form of "
                    << q.query << " does not parse: " << printed << "\n  "
                    << again.status().message();
      continue;
    }
    const std::string printed2 = Format(**again);
    EXPECT_EQ(printed, printed2) << q.file << ":" << q.line << ": " << q.query;
    // The multi-line form reads back to the same expression.
    auto pretty = ParseExpr(Pretty(**e));
    EXPECT_TRUE(pretty.ok() && Format(**pretty) == printed)
        << q.file << ":" << q.line << ": " << Pretty(**e);
    if (printed == printed2) ++roundtrip_ok;
  }
  std::cout << "PromQL conformance queries: " << parsed << " of "
            << queries.size() << " parse; " << must_parse - must_parse_failed
            << " of " << must_parse << " that must parse do; "
            << expected_fail << " evals expect failure, "
            << expected_fail_parse_error
            << " of them at parse time; round trip stable for "
            << roundtrip_ok << " of " << parsed << "\n";
  EXPECT_EQ(must_parse_failed, 0);
}

}  // namespace
}  // namespace vigil::promql::parser
