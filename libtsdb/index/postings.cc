#include "libtsdb/index/postings.h"

#include <algorithm>

namespace vigil::tsdb::index {

Postings Intersect(const Postings& a, const Postings& b) {
  Postings out;
  if (a.empty() || b.empty()) return out;
  const Postings& small = a.size() <= b.size() ? a : b;
  const Postings& big = a.size() <= b.size() ? b : a;
  out.reserve(small.size());
  if (big.size() > 32 * small.size()) {
    // Galloping: binary-search each element of the small list.
    auto lo = big.begin();
    for (uint64_t x : small) {
      lo = std::lower_bound(lo, big.end(), x);
      if (lo == big.end()) break;
      if (*lo == x) out.push_back(x);
    }
    return out;
  }
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(),
                        std::back_inserter(out));
  return out;
}

Postings IntersectAll(std::vector<Postings> lists) {
  if (lists.empty()) return {};
  std::sort(lists.begin(), lists.end(),
            [](const Postings& x, const Postings& y) {
              return x.size() < y.size();
            });
  Postings acc = std::move(lists[0]);
  for (size_t i = 1; i < lists.size() && !acc.empty(); ++i) {
    acc = Intersect(acc, lists[i]);
  }
  return acc;
}

Postings Union(const Postings& a, const Postings& b) {
  Postings out;
  out.reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(),
                 std::back_inserter(out));
  return out;
}

Postings Merge(std::vector<Postings> lists) {
  if (lists.empty()) return {};
  if (lists.size() == 1) return std::move(lists[0]);
  if (lists.size() == 2) return Union(lists[0], lists[1]);
  size_t total = 0;
  for (const Postings& p : lists) total += p.size();
  Postings out;
  out.reserve(total);
  for (const Postings& p : lists) out.insert(out.end(), p.begin(), p.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Postings Subtract(const Postings& a, const Postings& b) {
  if (b.empty()) return a;
  Postings out;
  out.reserve(a.size());
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(),
                      std::back_inserter(out));
  return out;
}

Postings LabelIndex::PostingsForValues(
    absl::string_view name, const std::vector<std::string>& values) const {
  std::vector<Postings> lists;
  lists.reserve(values.size());
  for (const std::string& v : values) {
    Postings p = PostingsFor(name, v);
    if (!p.empty()) lists.push_back(std::move(p));
  }
  return Merge(std::move(lists));
}

namespace {

// Union of postings of the values of m.name() for which Matches(v) ==
// `want`. Uses the matcher's set and prefix fast paths when `want` is the
// positive sense.
Postings PostingsForMatcherValues(const LabelIndex& index,
                                  const model::Matcher& m, bool want) {
  bool positive_type = m.type() == model::MatchType::kEqual ||
                       m.type() == model::MatchType::kRegexMatch;
  // Values selected by the positive form of m.
  if (positive_type == want && !m.SetMatches().empty()) {
    return index.PostingsForValues(m.name(), m.SetMatches());
  }
  absl::string_view prefix;
  if (positive_type == want) prefix = m.Prefix();
  std::vector<std::string> values;
  index.VisitValues(m.name(), prefix, [&](absl::string_view v) {
    if (m.Matches(v) == want) values.emplace_back(v);
  });
  return index.PostingsForValues(m.name(), values);
}

}  // namespace

Postings PostingsForMatchers(const LabelIndex& index,
                             const std::vector<model::Matcher>& matchers) {
  if (matchers.empty()) return {};
  std::vector<Postings> its;
  std::vector<Postings> not_its;
  for (const model::Matcher& m : matchers) {
    if (m.MatchesEmpty()) {
      // Selects series lacking the label, so work by exclusion: drop the
      // series whose value the matcher rejects.
      not_its.push_back(PostingsForMatcherValues(index, m, false));
    } else {
      Postings p = PostingsForMatcherValues(index, m, true);
      if (p.empty()) return {};
      its.push_back(std::move(p));
    }
  }
  Postings base = its.empty() ? index.AllPostings() : IntersectAll(std::move(its));
  for (const Postings& n : not_its) {
    if (base.empty()) break;
    base = Subtract(base, n);
  }
  return base;
}

}  // namespace vigil::tsdb::index
