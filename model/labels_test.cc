#include "model/labels.h"

#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"

namespace vigil::model {
namespace {

TEST(LabelsTest, FromPairsSortsDedupsAndDropsEmpty) {
  Labels l = Labels::FromPairs(
      {{"job", "node"}, {"__name__", "up"}, {"job", "api"}, {"empty", ""}});
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0].name, "__name__");
  EXPECT_EQ(l[0].value, "up");
  EXPECT_EQ(l[1].name, "job");
  EXPECT_EQ(l[1].value, "api");  // last pair wins
  EXPECT_EQ(l.MetricName(), "up");
  EXPECT_EQ(l.Get("missing"), "");
  EXPECT_FALSE(l.Has("empty"));
}

TEST(LabelsTest, CopiesShareAndCompareEqual) {
  Labels a = Labels::FromPairs({{"a", "1"}, {"b", "2"}});
  Labels b = a;
  Labels c = Labels::FromPairs({{"b", "2"}, {"a", "1"}});
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
  EXPECT_EQ(a.Hash(), c.Hash());
  EXPECT_EQ(Labels::Compare(a, c), 0);
}

TEST(LabelsTest, CompareIsLexicographicByPairs) {
  Labels a = Labels::FromPairs({{"a", "1"}});
  Labels ab = Labels::FromPairs({{"a", "1"}, {"b", "1"}});
  Labels a2 = Labels::FromPairs({{"a", "2"}});
  Labels b = Labels::FromPairs({{"b", "0"}});
  EXPECT_LT(Labels::Compare(a, ab), 0);
  EXPECT_LT(Labels::Compare(ab, a2), 0);
  EXPECT_LT(Labels::Compare(a2, b), 0);
  EXPECT_GT(Labels::Compare(b, Labels()), 0);
  EXPECT_TRUE(a < ab);
}

// Compare's byte-wise fast path agrees with comparing (name, value) pairs
// one by one, also for prefixes, high bytes and 0xff inside values (which
// take the slow path).
TEST(LabelsTest, CompareMatchesPairwiseReference) {
  std::mt19937 rng(7);
  const std::vector<std::string> parts = {"a", "ab", "b", "a\x7f", "\xc3\xa9",
                                          "\xff", "a\xffb", "z", "_"};
  auto random_labels = [&] {
    std::vector<std::pair<std::string, std::string>> p;
    int n = rng() % 4;
    for (int i = 0; i < n; ++i) {
      p.emplace_back(parts[rng() % 5], parts[rng() % parts.size()] +
                                           parts[rng() % parts.size()]);
    }
    return Labels::FromPairs(p);
  };
  auto reference = [](const Labels& a, const Labels& b) {
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
      if (a[i].name != b[i].name) return a[i].name < b[i].name ? -1 : 1;
      if (a[i].value != b[i].value) return a[i].value < b[i].value ? -1 : 1;
    }
    if (a.size() == b.size()) return 0;
    return a.size() < b.size() ? -1 : 1;
  };
  for (int trial = 0; trial < 20000; ++trial) {
    Labels a = random_labels(), b = random_labels();
    ASSERT_EQ(Labels::Compare(a, b), reference(a, b))
        << a.ToString() << " vs " << b.ToString();
  }
}

TEST(LabelsTest, HashSeparatesNamesFromValues) {
  // "ab"="c" and "a"="bc" must not collide through concatenation.
  Labels x = Labels::FromPairs({{"ab", "c"}});
  Labels y = Labels::FromPairs({{"a", "bc"}});
  EXPECT_NE(x.Hash(), y.Hash());
  EXPECT_NE(x, y);
  EXPECT_NE(Labels().Hash(), x.Hash());
}

TEST(LabelsTest, HashIsStableAcrossProcesses) {
  // xxHash3 of "__name__\xffup\xff": fixed forever, so shard assignment and
  // on-disk hashes do not change between runs.
  Labels l = Labels::FromPairs({{"__name__", "up"}});
  EXPECT_EQ(l.Hash(), Labels::FromPairs({{"__name__", "up"}}).Hash());
  LabelsBuilder b(l);
  EXPECT_EQ(b.Build().Hash(), l.Hash());
}

TEST(LabelsTest, HashForIncludesOrExcludesNames) {
  Labels a = Labels::FromPairs({{"__name__", "x"}, {"job", "j"}, {"i", "1"}});
  Labels b = Labels::FromPairs({{"__name__", "y"}, {"job", "j"}, {"i", "2"}});
  std::vector<std::string> job = {"job"};
  EXPECT_EQ(a.HashFor(job, true), b.HashFor(job, true));
  EXPECT_NE(a.HashFor(job, false), b.HashFor(job, false));
  std::vector<std::string> name_i = {"i", "__name__"};
  EXPECT_EQ(a.HashFor(name_i, false), b.HashFor(name_i, false));
}

TEST(LabelsTest, ToStringQuotesValues) {
  Labels l = Labels::FromPairs({{"__name__", "up"}, {"path", "a\"b\\c\n"}});
  EXPECT_EQ(l.ToString(), "{__name__=\"up\", path=\"a\\\"b\\\\c\\n\"}");
  EXPECT_EQ(Labels().ToString(), "{}");
}

TEST(LabelsTest, IteratesInOrder) {
  Labels l = Labels::FromPairs({{"c", "3"}, {"a", "1"}, {"b", "2"}});
  std::string joined;
  for (LabelView v : l) joined += std::string(v.name) + std::string(v.value);
  EXPECT_EQ(joined, "a1b2c3");
  EXPECT_EQ(l.ByteSize(), 6u);
}

TEST(LabelsTest, UsableAsHashSetKey) {
  absl::flat_hash_set<Labels> set;
  set.insert(Labels::FromPairs({{"a", "1"}}));
  set.insert(Labels::FromPairs({{"a", "1"}}));
  set.insert(Labels::FromPairs({{"a", "2"}}));
  EXPECT_EQ(set.size(), 2u);
}

TEST(LabelsBuilderTest, SetDelKeep) {
  Labels base = Labels::FromPairs({{"a", "1"}, {"b", "2"}, {"c", "3"}});
  LabelsBuilder b(base);
  b.Set("b", "20").Set("d", "4").Del("a").Set("c", "");
  EXPECT_EQ(b.Get("b"), "20");
  EXPECT_EQ(b.Get("a"), "");
  Labels got = b.Build();
  EXPECT_EQ(got, Labels::FromPairs({{"b", "20"}, {"d", "4"}}));
  // The base is untouched.
  EXPECT_EQ(base.Get("a"), "1");

  b.Reset(base);
  std::vector<std::string> keep = {"a", "c"};
  b.Keep(keep);
  EXPECT_EQ(b.Build(), Labels::FromPairs({{"a", "1"}, {"c", "3"}}));
}

TEST(LabelNamesTest, LegacyAndUtf8Rules) {
  EXPECT_TRUE(IsValidLegacyLabelName("job"));
  EXPECT_TRUE(IsValidLegacyLabelName("_x9"));
  EXPECT_FALSE(IsValidLegacyLabelName("9x"));
  EXPECT_FALSE(IsValidLegacyLabelName("a:b"));
  EXPECT_FALSE(IsValidLegacyLabelName(""));
  EXPECT_TRUE(IsValidLegacyMetricName("a:b_c"));
  EXPECT_FALSE(IsValidLegacyMetricName("a-b"));
  EXPECT_TRUE(IsValidLabelName("a-b.c"));
  EXPECT_TRUE(IsValidLabelName("\xc3\xa9t\xc3\xa9"));
  EXPECT_FALSE(IsValidLabelName("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));  // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));  // truncated
  EXPECT_TRUE(IsValidUtf8("\xf0\x9f\x98\x80"));
}

TEST(LabelNamesTest, ValidateLabelsNamesTheProblem) {
  EXPECT_TRUE(ValidateLabels(Labels::FromPairs({{"__name__", "up"}}), true).ok());
  absl::Status st = ValidateLabels(Labels::FromPairs({{"job", "x"}}), true);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("no metric name"), std::string::npos);
  st = ValidateLabels(Labels::FromPairs({{"job", "\xff"}}), false);
  EXPECT_NE(st.message().find("job"), std::string::npos);
}

}  // namespace
}  // namespace vigil::model
