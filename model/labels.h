// Labels is the identity of a time series: a set of (name, value) pairs,
// sorted by name, with no duplicate names and no empty values.
//
// It is an immutable value type. Copies share one contiguous buffer, so a
// copy costs one reference-count increment; the hash is computed once when
// the set is built. Build sets with LabelsBuilder or Labels::FromPairs.
//
// Thread safety: a Labels object may be read from many threads at once.
// LabelsBuilder is not thread-safe.

#ifndef VIGIL_MODEL_LABELS_H_
#define VIGIL_MODEL_LABELS_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace vigil::model {

// The label that carries the metric name.
inline constexpr absl::string_view kMetricName = "__name__";

// One label, as a view into the Labels it came from (valid while that
// Labels, or any copy of it, lives).
struct LabelView {
  absl::string_view name;
  absl::string_view value;
};

class Labels {
 public:
  class Iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = LabelView;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = LabelView;

    Iterator(const Labels* labels, size_t i) : labels_(labels), i_(i) {}
    LabelView operator*() const { return (*labels_)[i_]; }
    Iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const Iterator& o) const { return i_ == o.i_; }
    bool operator!=(const Iterator& o) const { return i_ != o.i_; }

   private:
    const Labels* labels_;
    size_t i_;
  };

  // The empty set.
  Labels() = default;

  // Builds a set from arbitrary pairs: sorts by name; for a repeated name
  // the last pair wins; pairs with an empty value are dropped.
  static Labels FromPairs(
      std::initializer_list<std::pair<absl::string_view, absl::string_view>>
          pairs);
  static Labels FromPairs(
      absl::Span<const std::pair<std::string, std::string>> pairs);

  // Builds a set from pairs already sorted by name, with unique names and
  // non-empty values (REQUIRES; not checked). For builders that keep their
  // own sorted views, such as relabeling's scratch builder.
  static Labels FromSortedViews(absl::Span<const LabelView> pairs);

  size_t size() const { return rep_ ? rep_->size : 0; }
  bool empty() const { return size() == 0; }
  LabelView operator[](size_t i) const;
  Iterator begin() const { return Iterator(this, 0); }
  Iterator end() const { return Iterator(this, size()); }

  // The value of `name`, or "" when the set has no such label (Prometheus
  // treats an absent label and an empty value alike).
  absl::string_view Get(absl::string_view name) const;
  bool Has(absl::string_view name) const;
  absl::string_view MetricName() const { return Get(kMetricName); }

  // A 64-bit hash of all pairs, stable across processes and releases
  // (xxHash3 over name 0xff value 0xff ...).
  uint64_t Hash() const { return rep_ ? rep_->hash : kEmptyHash; }

  // Hash over only the labels named in `names` (`include`) or over all but
  // those (`!include`); `names` need not be sorted. Used for grouping.
  uint64_t HashFor(absl::Span<const std::string> names, bool include) const;

  // Total bytes of names and values, for memory accounting.
  size_t ByteSize() const;

  // Prometheus's text form: {__name__="up", job="node"}.
  std::string ToString() const;

  // Lexicographic by (name, value) pairs, as Prometheus's labels.Compare.
  static int Compare(const Labels& a, const Labels& b);
  friend bool operator==(const Labels& a, const Labels& b) {
    return a.rep_ == b.rep_ ||
           (a.Hash() == b.Hash() && Compare(a, b) == 0);
  }
  friend bool operator!=(const Labels& a, const Labels& b) { return !(a == b); }
  friend bool operator<(const Labels& a, const Labels& b) {
    return Compare(a, b) < 0;
  }
  template <typename H>
  friend H AbslHashValue(H h, const Labels& l) {
    return H::combine(std::move(h), l.Hash());
  }

 private:
  friend class LabelsBuilder;
  struct Rep {
    uint64_t hash;
    size_t size;
    // data = name0 0xff value0 0xff name1 0xff ...; offsets[2i] starts name
    // i, offsets[2i+1] starts value i, offsets[2size] == data.size().
    std::string data;
    std::vector<uint32_t> offsets;
    // No name or value contains 0xff (never in valid UTF-8), so the data
    // bytes alone order label sets.
    bool sep_free;
  };
  static const uint64_t kEmptyHash;

  // Takes pairs already sorted by name with unique names, non-empty values.
  static Labels FromSortedUnique(
      const std::vector<std::pair<absl::string_view, absl::string_view>>& p);

  std::shared_ptr<const Rep> rep_;
};

// Builds a Labels from a base set plus edits; reusable across builds.
class LabelsBuilder {
 public:
  LabelsBuilder() = default;
  explicit LabelsBuilder(const Labels& base) { Reset(base); }

  // Starts over from `base`, dropping all edits.
  void Reset(const Labels& base);

  // Sets `name` to `value`; an empty value deletes the label.
  LabelsBuilder& Set(absl::string_view name, absl::string_view value);
  LabelsBuilder& Del(absl::string_view name);
  // Keeps only the named labels.
  LabelsBuilder& Keep(absl::Span<const std::string> names);

  // The current value of `name` with edits applied, "" when absent.
  absl::string_view Get(absl::string_view name) const;

  // Calls fn(name, value) for every label, sorted by name.
  template <typename Fn>
  void ForEach(Fn fn) const {
    for (const auto& [n, v] : items_) fn(absl::string_view(n), absl::string_view(v));
  }

  Labels Build() const;

 private:
  // Sorted by name, unique names, non-empty values.
  std::vector<std::pair<std::string, std::string>> items_;
};

// Prometheus's legacy name rule: [a-zA-Z_][a-zA-Z0-9_]*.
bool IsValidLegacyLabelName(absl::string_view name);
// Legacy metric name rule: [a-zA-Z_:][a-zA-Z0-9_:]*.
bool IsValidLegacyMetricName(absl::string_view name);
// Prometheus 3.x (UTF-8 names): any non-empty valid UTF-8 string.
bool IsValidLabelName(absl::string_view name);
bool IsValidUtf8(absl::string_view s);

// Checks a set against Prometheus's rules for stored series. Returns
// InvalidArgument naming the first offending label: an empty or invalid
// UTF-8 name, a value that is not valid UTF-8, or no metric name when
// `require_metric_name`.
absl::Status ValidateLabels(const Labels& labels, bool require_metric_name);

// Go-style double-quoted string with \\, \", \n, \t and \x escapes, as
// Prometheus prints label values.
std::string QuoteString(absl::string_view s);

}  // namespace vigil::model

#endif  // VIGIL_MODEL_LABELS_H_
