#include "libtsdb/index/postings.h"

#include <algorithm>
#include <random>
#include <map>
#include <set>

#include "gtest/gtest.h"
#include "libtsdb/index/mem_postings.h"

namespace vigil::tsdb::index {
namespace {

Postings RandomList(std::mt19937_64& rng, int n, int range) {
  std::set<uint64_t> s;
  for (int i = 0; i < n; ++i) s.insert(rng() % range);
  return Postings(s.begin(), s.end());
}

TEST(PostingsTest, SetOperationsMatchStdSet) {
  std::mt19937_64 rng(1);
  for (int round = 0; round < 200; ++round) {
    Postings a = RandomList(rng, rng() % 200, 400);
    Postings b = RandomList(rng, rng() % 5 == 0 ? 3 : rng() % 300, 400);
    std::set<uint64_t> sa(a.begin(), a.end()), sb(b.begin(), b.end());
    Postings inter, uni, diff;
    for (uint64_t x : sa) {
      if (sb.count(x)) inter.push_back(x);
      else diff.push_back(x);
    }
    std::set<uint64_t> su = sa;
    su.insert(sb.begin(), sb.end());
    uni.assign(su.begin(), su.end());
    EXPECT_EQ(Intersect(a, b), inter);
    EXPECT_EQ(Intersect(b, a), inter);
    EXPECT_EQ(Union(a, b), uni);
    EXPECT_EQ(Merge({a, b, a}), uni);
    EXPECT_EQ(Subtract(a, b), diff);
    EXPECT_EQ(IntersectAll({a, b, a}), inter);
  }
  // Galloping path: a tiny list against a huge one.
  Postings big;
  for (uint64_t i = 0; i < 10000; i += 2) big.push_back(i);
  EXPECT_EQ(Intersect({3, 4, 9998, 20000}, big), (Postings{4, 9998}));
}

class MemPostingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Add(1, {{"__name__", "up"}, {"job", "api"}, {"instance", "a:1"}});
    Add(2, {{"__name__", "up"}, {"job", "db"}, {"instance", "b:1"}});
    Add(3, {{"__name__", "http_requests"}, {"job", "api"}, {"code", "200"}});
    Add(4, {{"__name__", "http_requests"}, {"job", "api"}, {"code", "500"}});
    Add(5, {{"__name__", "http_requests"}, {"job", "apiserver"}});
  }
  void Add(uint64_t ref,
           std::initializer_list<std::pair<absl::string_view, absl::string_view>>
               l) {
    labels_[ref] = model::Labels::FromPairs(l);
    p_.Add(ref, labels_[ref]);
  }
  // Brute force over all series.
  Postings Expect(const std::vector<model::Matcher>& ms) {
    Postings out;
    for (const auto& [ref, l] : labels_) {
      if (model::MatchesAll(ms, l)) out.push_back(ref);
    }
    return out;
  }
  model::Matcher M(model::MatchType t, absl::string_view n, absl::string_view v) {
    return model::Matcher::Create(t, n, v).value();
  }

  MemPostings p_;
  std::map<uint64_t, model::Labels> labels_;
};

TEST_F(MemPostingsTest, LabelNamesAndValuesFromDictionary) {
  EXPECT_EQ(p_.LabelNames(),
            (std::vector<std::string>{"__name__", "code", "instance", "job"}));
  EXPECT_EQ(p_.LabelValues("job"),
            (std::vector<std::string>{"api", "apiserver", "db"}));
  EXPECT_TRUE(p_.LabelValues("nope").empty());
  EXPECT_EQ(p_.PostingsFor("job", "api"), (Postings{1, 3, 4}));
  EXPECT_EQ(p_.AllPostings(), (Postings{1, 2, 3, 4, 5}));
}

TEST_F(MemPostingsTest, MatchersAgreeWithBruteForce) {
  using model::MatchType;
  std::vector<std::vector<model::Matcher>> cases = {
      {M(MatchType::kEqual, "job", "api")},
      {M(MatchType::kEqual, "__name__", "up"), M(MatchType::kNotEqual, "job", "db")},
      {M(MatchType::kRegexMatch, "job", "api.*")},
      {M(MatchType::kRegexMatch, "job", "api|db")},
      {M(MatchType::kRegexMatch, "job", ".*er.*")},
      {M(MatchType::kRegexNoMatch, "job", "api.*")},
      {M(MatchType::kEqual, "code", "")},
      {M(MatchType::kNotEqual, "code", "")},
      {M(MatchType::kRegexMatch, "code", "|5..")},
      {M(MatchType::kRegexMatch, "code", ".*")},
      {M(MatchType::kRegexMatch, "code", ".+")},
      {M(MatchType::kEqual, "nope", "x")},
      {M(MatchType::kNotEqual, "nope", "x")},
      {M(MatchType::kEqual, "__name__", "http_requests"),
       M(MatchType::kRegexNoMatch, "code", "5.."),
       M(MatchType::kRegexMatch, "job", "a.*")},
  };
  for (const auto& ms : cases) {
    EXPECT_EQ(PostingsForMatchers(p_, ms), Expect(ms)) << ms[0].ToString();
  }
  EXPECT_TRUE(PostingsForMatchers(p_, {}).empty());
}

TEST_F(MemPostingsTest, DeleteDropsEmptyValues) {
  p_.Delete({2, 5});
  EXPECT_EQ(p_.LabelValues("job"), (std::vector<std::string>{"api"}));
  EXPECT_TRUE(p_.LabelValues("instance") == std::vector<std::string>{"a:1"});
  EXPECT_EQ(p_.AllPostings(), (Postings{1, 3, 4}));
}

TEST(MemPostingsOrderTest, OutOfOrderRefsStaySorted) {
  MemPostings p;
  auto l = model::Labels::FromPairs({{"a", "b"}});
  p.Add(10, l);
  p.Add(3, l);
  p.Add(7, l);
  p.Add(7, l);
  EXPECT_EQ(p.PostingsFor("a", "b"), (Postings{3, 7, 10}));
}

}  // namespace
}  // namespace vigil::tsdb::index
