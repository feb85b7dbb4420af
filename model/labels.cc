#include "model/labels.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#define XXH_STATIC_LINKING_ONLY  // for a stack-allocated XXH3_state_t
#include "xxhash.h"

namespace vigil::model {
namespace {

constexpr char kSep = '\xff';

bool IsLegacyStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

using PairView = std::pair<absl::string_view, absl::string_view>;

// Sorts by name; for equal names keeps the last; drops empty values.
std::vector<PairView> Normalize(std::vector<PairView> pairs) {
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const PairView& a, const PairView& b) {
                     return a.first < b.first;
                   });
  std::vector<PairView> out;
  out.reserve(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (i + 1 < pairs.size() && pairs[i + 1].first == pairs[i].first) continue;
    if (pairs[i].second.empty()) continue;
    out.push_back(pairs[i]);
  }
  return out;
}

}  // namespace

const uint64_t Labels::kEmptyHash = XXH3_64bits("", 0);

Labels Labels::FromSortedUnique(const std::vector<PairView>& pairs) {
  std::vector<LabelView> views;
  views.reserve(pairs.size());
  for (const auto& p : pairs) views.push_back(LabelView{p.first, p.second});
  return FromSortedViews(views);
}

Labels Labels::FromSortedViews(absl::Span<const LabelView> pairs) {
  Labels l;
  if (pairs.empty()) return l;
  auto rep = std::make_shared<Rep>();
  size_t bytes = 0;
  for (const auto& p : pairs) bytes += p.name.size() + p.value.size() + 2;
  rep->data.reserve(bytes);
  rep->offsets.reserve(pairs.size() * 2 + 1);
  for (const auto& p : pairs) {
    rep->offsets.push_back(static_cast<uint32_t>(rep->data.size()));
    rep->data.append(p.name.data(), p.name.size());
    rep->data.push_back(kSep);
    rep->offsets.push_back(static_cast<uint32_t>(rep->data.size()));
    rep->data.append(p.value.data(), p.value.size());
    rep->data.push_back(kSep);
  }
  rep->offsets.push_back(static_cast<uint32_t>(rep->data.size()));
  rep->size = pairs.size();
  rep->hash = XXH3_64bits(rep->data.data(), rep->data.size());
  rep->sep_free = static_cast<size_t>(std::count(
                      rep->data.begin(), rep->data.end(), kSep)) ==
                  2 * pairs.size();
  l.rep_ = std::move(rep);
  return l;
}

Labels Labels::FromPairs(std::initializer_list<PairView> pairs) {
  return FromSortedUnique(Normalize(std::vector<PairView>(pairs)));
}

Labels Labels::FromPairs(
    absl::Span<const std::pair<std::string, std::string>> pairs) {
  std::vector<PairView> v;
  v.reserve(pairs.size());
  for (const auto& p : pairs) v.emplace_back(p.first, p.second);
  return FromSortedUnique(Normalize(std::move(v)));
}

LabelView Labels::operator[](size_t i) const {
  const Rep& r = *rep_;
  const char* d = r.data.data();
  uint32_t n0 = r.offsets[2 * i], v0 = r.offsets[2 * i + 1],
           end = r.offsets[2 * i + 2];
  return LabelView{absl::string_view(d + n0, v0 - n0 - 1),
                   absl::string_view(d + v0, end - v0 - 1)};
}

absl::string_view Labels::Get(absl::string_view name) const {
  size_t lo = 0, hi = size();
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    LabelView l = (*this)[mid];
    int c = l.name.compare(name);
    if (c == 0) return l.value;
    if (c < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return absl::string_view();
}

bool Labels::Has(absl::string_view name) const { return !Get(name).empty(); }

uint64_t Labels::HashFor(absl::Span<const std::string> names,
                         bool include) const {
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  for (LabelView l : *this) {
    bool listed = std::find(names.begin(), names.end(), l.name) != names.end();
    if (listed != include) continue;
    XXH3_64bits_update(&state, l.name.data(), l.name.size());
    XXH3_64bits_update(&state, &kSep, 1);
    XXH3_64bits_update(&state, l.value.data(), l.value.size());
    XXH3_64bits_update(&state, &kSep, 1);
  }
  return XXH3_64bits_digest(&state);
}

size_t Labels::ByteSize() const {
  return rep_ ? rep_->data.size() - 2 * rep_->size : 0;
}

std::string Labels::ToString() const {
  std::string out = "{";
  bool first = true;
  for (LabelView l : *this) {
    if (!first) out += ", ";
    first = false;
    absl::StrAppend(&out, l.name, "=", QuoteString(l.value));
  }
  out += "}";
  return out;
}

namespace {

// The index of the first byte where `a` and `b` (both `n` bytes) differ,
// or n.
size_t Mismatch(const char* a, const char* b, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x, y;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    if (x != y) {
      uint64_t d = x ^ y;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
      return i + __builtin_ctzll(d) / 8;
#else
      return i + __builtin_clzll(d) / 8;
#endif
    }
  }
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

}  // namespace

int Labels::Compare(const Labels& a, const Labels& b) {
  if (a.rep_ != nullptr && b.rep_ != nullptr && a.rep_->sep_free &&
      b.rep_->sep_free) {
    // Equal bytes up to k mean equal strings before the one holding k.
    // There a separator ends the shorter string, which sorts first.
    const std::string& x = a.rep_->data;
    const std::string& y = b.rep_->data;
    size_t n = std::min(x.size(), y.size());
    size_t k = Mismatch(x.data(), y.data(), n);
    if (k == n) {
      if (x.size() == y.size()) return 0;
      return x.size() < y.size() ? -1 : 1;  // fewer labels, same prefix
    }
    if (x[k] == kSep) return -1;
    if (y[k] == kSep) return 1;
    return static_cast<uint8_t>(x[k]) < static_cast<uint8_t>(y[k]) ? -1 : 1;
  }
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    LabelView x = a[i], y = b[i];
    if (int c = x.name.compare(y.name); c != 0) return c < 0 ? -1 : 1;
    if (int c = x.value.compare(y.value); c != 0) return c < 0 ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

void LabelsBuilder::Reset(const Labels& base) {
  items_.clear();
  items_.reserve(base.size());
  for (LabelView l : base) items_.emplace_back(l.name, l.value);
}

LabelsBuilder& LabelsBuilder::Set(absl::string_view name,
                                  absl::string_view value) {
  auto it = std::lower_bound(
      items_.begin(), items_.end(), name,
      [](const auto& item, absl::string_view n) { return item.first < n; });
  bool found = it != items_.end() && it->first == name;
  if (value.empty()) {
    if (found) items_.erase(it);
  } else if (found) {
    it->second.assign(value.data(), value.size());
  } else {
    items_.emplace(it, std::string(name), std::string(value));
  }
  return *this;
}

LabelsBuilder& LabelsBuilder::Del(absl::string_view name) {
  return Set(name, absl::string_view());
}

LabelsBuilder& LabelsBuilder::Keep(absl::Span<const std::string> names) {
  items_.erase(std::remove_if(items_.begin(), items_.end(),
                              [&](const auto& item) {
                                return std::find(names.begin(), names.end(),
                                                 item.first) == names.end();
                              }),
               items_.end());
  return *this;
}

absl::string_view LabelsBuilder::Get(absl::string_view name) const {
  auto it = std::lower_bound(
      items_.begin(), items_.end(), name,
      [](const auto& item, absl::string_view n) { return item.first < n; });
  if (it != items_.end() && it->first == name) return it->second;
  return absl::string_view();
}

Labels LabelsBuilder::Build() const {
  std::vector<PairView> pairs;
  pairs.reserve(items_.size());
  for (const auto& [n, v] : items_) pairs.emplace_back(n, v);
  return Labels::FromSortedUnique(pairs);
}

bool IsValidLegacyLabelName(absl::string_view name) {
  if (name.empty() || !IsLegacyStart(name[0])) return false;
  for (char c : name.substr(1)) {
    if (!IsLegacyStart(c) && !IsDigit(c)) return false;
  }
  return true;
}

bool IsValidLegacyMetricName(absl::string_view name) {
  if (name.empty() || !(IsLegacyStart(name[0]) || name[0] == ':')) {
    return false;
  }
  for (char c : name.substr(1)) {
    if (!IsLegacyStart(c) && !IsDigit(c) && c != ':') return false;
  }
  return true;
}

bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  while (i < s.size()) {
    unsigned char c = p[i];
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size() || (p[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    // Overlong encodings, surrogates and values beyond U+10FFFF.
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

bool IsValidLabelName(absl::string_view name) {
  return !name.empty() && IsValidUtf8(name);
}

absl::Status ValidateLabels(const Labels& labels, bool require_metric_name) {
  if (require_metric_name && labels.MetricName().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("series ", labels.ToString(), " has no metric name"));
  }
  for (LabelView l : labels) {
    if (!IsValidLabelName(l.name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid label name ", QuoteString(l.name), " in ", labels.ToString()));
    }
    if (!IsValidUtf8(l.value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid UTF-8 in value of label ", l.name, " in ",
                       labels.ToString()));
    }
  }
  return absl::OkStatus();
}

std::string QuoteString(absl::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\v': out += "\\v"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          absl::StrAppendFormat(&out, "\\x%02x", c);
        } else if (c >= 0x80) {
          // Copy a valid UTF-8 sequence whole; escape stray bytes.
          size_t n = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
                     : (c & 0xf8) == 0xf0 ? 4 : 0;
          if (n > 0 && i + n <= s.size() && IsValidUtf8(s.substr(i, n))) {
            out.append(s.data() + i, n);
            i += n - 1;
          } else {
            absl::StrAppendFormat(&out, "\\x%02x", c);
          }
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace vigil::model
