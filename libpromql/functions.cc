// PromQL function calls: instant-vector functions applied column-wise,
// range-vector functions sliding a window over each series, and the label
// manipulating, sorting, absent and histogram functions.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "libpromql/evaluator.h"
#include "libpromql/kernels.h"
#include "libpromql/parser/function_table.h"
#include "libtsdb/storage/sample_iterator.h"
#include "libtsdb/storage/sample_reader.h"
#include "libtsdb/storage/series_set.h"
#include "model/status_macros.h"
#include "model/value.h"
#include "re2/re2.h"

namespace vigil::promql::internal {
namespace {

using parser::ValueType;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string FormatQuantileWarning(double q) {
  return absl::StrCat(
      "PromQL warning: quantile value should be between 0 and 1, got ",
      std::isnan(q) ? std::string("NaN") : absl::StrFormat("%g", q));
}

// Labels `absent(x{a="b"})` reports: equality matchers, except names that
// appear in more than one matcher.
model::Labels AbsentLabels(const parser::Expr& arg) {
  const std::vector<model::Matcher>* ms = nullptr;
  if (arg.Is<parser::VectorSelector>()) {
    ms = &arg.As<parser::VectorSelector>().matchers;
  } else if (arg.Is<parser::MatrixSelector>()) {
    ms = &arg.As<parser::MatrixSelector>().vector_selector->matchers;
  } else {
    return model::Labels();
  }
  model::LabelsBuilder b{model::Labels()};
  std::vector<std::string> has;
  for (const model::Matcher& m : *ms) {
    if (m.name() == model::kMetricName) continue;
    bool seen = std::find(has.begin(), has.end(), m.name()) != has.end();
    if (m.type() == model::MatchType::kEqual && !seen) {
      b.Set(m.name(), m.value());
      has.push_back(m.name());
    } else {
      b.Del(m.name());
    }
  }
  return b.Build();
}

// Go's regexp.Expand template syntax: $1, ${1}, $name, ${name}, $$.
std::string ExpandTemplate(absl::string_view tmpl, const re2::RE2& re,
                           const std::vector<absl::string_view>& groups) {
  std::string out;
  const auto& named = re.NamedCapturingGroups();
  for (size_t i = 0; i < tmpl.size(); ++i) {
    char c = tmpl[i];
    if (c != '$' || i + 1 >= tmpl.size()) {
      out.push_back(c);
      continue;
    }
    if (tmpl[i + 1] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    std::string name;
    size_t j = i + 1;
    bool braced = tmpl[j] == '{';
    if (braced) {
      size_t close = tmpl.find('}', j);
      if (close == absl::string_view::npos) {
        out.push_back(c);
        continue;
      }
      name = std::string(tmpl.substr(j + 1, close - j - 1));
      j = close + 1;
    } else {
      size_t k = j;
      while (k < tmpl.size() &&
             (absl::ascii_isalnum(tmpl[k]) || tmpl[k] == '_')) {
        ++k;
      }
      name = std::string(tmpl.substr(j, k - j));
      j = k;
    }
    if (name.empty()) {
      out.push_back(c);
      continue;
    }
    int idx = -1;
    int num;
    if (absl::SimpleAtoi(name, &num) && absl::ascii_isdigit(name[0])) {
      idx = num;
    } else {
      auto it = named.find(name);
      if (it != named.end()) idx = it->second;
    }
    if (idx >= 0 && idx < static_cast<int>(groups.size())) {
      out.append(groups[idx].data(), groups[idx].size());
    }
    i = j - 1;
  }
  return out;
}

// facette/natsort's order: digit runs compare numerically.
bool NatLess(absl::string_view a, absl::string_view b) {
  auto chunks = [](absl::string_view s) {
    std::vector<absl::string_view> out;
    size_t i = 0;
    while (i < s.size()) {
      bool digit = absl::ascii_isdigit(s[i]);
      size_t j = i;
      while (j < s.size() && absl::ascii_isdigit(s[j]) == digit) ++j;
      out.push_back(s.substr(i, j - i));
      i = j;
    }
    return out;
  };
  std::vector<absl::string_view> ca = chunks(a), cb = chunks(b);
  for (size_t i = 0; i < ca.size() && i < cb.size(); ++i) {
    if (ca[i] == cb[i]) continue;
    bool da = absl::ascii_isdigit(ca[i][0]);
    bool db = absl::ascii_isdigit(cb[i][0]);
    if (da && db) {
      uint64_t x = 0, y = 0;
      if (absl::SimpleAtoi(ca[i], &x) && absl::SimpleAtoi(cb[i], &y) && x != y) {
        return x < y;
      }
    }
    return ca[i] < cb[i];
  }
  return ca.size() < cb.size();
}

double DateFunc(absl::string_view name, double secs) {
  if (!std::isfinite(secs) || std::fabs(secs) > 1e15) return kNaN;
  absl::Time t = absl::FromUnixSeconds(static_cast<int64_t>(secs));
  absl::CivilSecond cs = absl::ToCivilSecond(t, absl::UTCTimeZone());
  if (name == "minute") return cs.minute();
  if (name == "hour") return cs.hour();
  if (name == "day_of_month") return cs.day();
  if (name == "month") return cs.month();
  if (name == "year") return static_cast<double>(cs.year());
  if (name == "day_of_week") {
    // absl: Monday=0..Sunday=6; Go: Sunday=0.
    int wd = static_cast<int>(absl::GetWeekday(absl::CivilDay(cs)));
    return (wd + 1) % 7;
  }
  if (name == "day_of_year") return absl::GetYearDay(absl::CivilDay(cs));
  if (name == "days_in_month") {
    absl::CivilMonth m(cs);
    return static_cast<double>(absl::CivilDay(m + 1) - absl::CivilDay(m));
  }
  return kNaN;
}

bool IsDateFunc(absl::string_view n) {
  return n == "minute" || n == "hour" || n == "day_of_month" || n == "month" ||
         n == "year" || n == "day_of_week" || n == "day_of_year" ||
         n == "days_in_month";
}

std::optional<std::function<double(double)>> SimpleMath(absl::string_view n) {
  using F = std::function<double(double)>;
  if (n == "abs") return F([](double v) { return std::fabs(v); });
  if (n == "ceil") return F([](double v) { return std::ceil(v); });
  if (n == "floor") return F([](double v) { return std::floor(v); });
  if (n == "exp") return F([](double v) { return std::exp(v); });
  if (n == "sqrt") return F([](double v) { return std::sqrt(v); });
  if (n == "ln") return F([](double v) { return std::log(v); });
  if (n == "log2") return F([](double v) { return std::log2(v); });
  if (n == "log10") return F([](double v) { return std::log10(v); });
  if (n == "sin") return F([](double v) { return std::sin(v); });
  if (n == "cos") return F([](double v) { return std::cos(v); });
  if (n == "tan") return F([](double v) { return std::tan(v); });
  if (n == "asin") return F([](double v) { return std::asin(v); });
  if (n == "acos") return F([](double v) { return std::acos(v); });
  if (n == "atan") return F([](double v) { return std::atan(v); });
  if (n == "sinh") return F([](double v) { return std::sinh(v); });
  if (n == "cosh") return F([](double v) { return std::cosh(v); });
  if (n == "tanh") return F([](double v) { return std::tanh(v); });
  if (n == "asinh") return F([](double v) { return std::asinh(v); });
  if (n == "acosh") return F([](double v) { return std::acosh(v); });
  if (n == "atanh") return F([](double v) { return std::atanh(v); });
  if (n == "rad") return F([](double v) { return v * M_PI / 180; });
  if (n == "deg") return F([](double v) { return v * 180 / M_PI; });
  if (n == "sgn") {
    return F([](double v) { return v < 0 ? -1.0 : v > 0 ? 1.0 : v; });
  }
  return std::nullopt;
}

using RangeKernel = std::function<std::optional<double>(
    absl::Span<const FPoint>, int64_t /*ts*/, size_t /*step*/)>;

// A sliding window over a stream of points.
class Window {
 public:
  using Pull = std::function<bool(FPoint*)>;
  explicit Window(Pull pull) : pull_(std::move(pull)) {
    pending_ok_ = pull_(&pending_);
  }
  // Moves the window to (lo, hi].
  void Advance(int64_t lo, int64_t hi) {
    while (pending_ok_ && pending_.t <= hi) {
      buf_.push_back(pending_);
      pending_ok_ = pull_(&pending_);
    }
    while (head_ < buf_.size() && buf_[head_].t <= lo) ++head_;
    if (head_ > 256 && head_ * 2 > buf_.size()) {
      buf_.erase(buf_.begin(), buf_.begin() + head_);
      head_ = 0;
    }
  }
  absl::Span<const FPoint> span() const {
    return absl::Span<const FPoint>(buf_.data() + head_, buf_.size() - head_);
  }

  // The window for the experimental anchored/smoothed selectors: the
  // samples in (lo, hi], the last sample at or before lo (within
  // `lookback`) and, when smoothed, the first sample after hi (within
  // `lookback`).
  void Extended(int64_t lo, int64_t hi, int64_t lookback, bool smoothed,
                std::vector<FPoint>* out) {
    while (pending_ok_ && pending_.t <= hi) {
      buf_.push_back(pending_);
      pending_ok_ = pull_(&pending_);
    }
    while (head_ + 1 < buf_.size() && buf_[head_ + 1].t <= lo) ++head_;
    out->clear();
    for (size_t i = head_; i < buf_.size(); ++i) {
      if (buf_[i].t <= lo && buf_[i].t <= lo - lookback) continue;
      out->push_back(buf_[i]);
    }
    if (smoothed && pending_ok_ && pending_.t > hi && pending_.t <= hi + lookback) {
      out->push_back(pending_);
    }
  }

 private:
  Pull pull_;
  FPoint pending_{0, 0};
  bool pending_ok_ = false;
  std::vector<FPoint> buf_;
  size_t head_ = 0;
};

}  // namespace

absl::StatusOr<EVal> Evaluator::EvalCall(const parser::Call& call) {
  const absl::string_view name = call.func->name;
  const size_t n = NumSteps();

  // Range-vector functions.
  for (size_t i = 0; i < call.func->arg_types.size() && i < call.args.size();
       ++i) {
    if (call.func->arg_types[i] == ValueType::kMatrix) {
      return EvalRangeFunction(call, i);
    }
  }

  if (name == "time") {
    return MakeScalar([&](size_t i) { return StepTime(i) / 1000.0; });
  }
  if (name == "pi") return MakeScalar([](size_t) { return M_PI; });
  if (name == "start") {
    return MakeScalar([&](size_t) { return ctx_->query_start / 1000.0; });
  }
  if (name == "end") {
    return MakeScalar([&](size_t) { return ctx_->query_end / 1000.0; });
  }
  if (name == "range") {
    return MakeScalar(
        [&](size_t) { return (ctx_->query_end - ctx_->query_start) / 1000.0; });
  }
  if (name == "step") {
    return MakeScalar([&](size_t) { return ctx_->query_step / 1000.0; });
  }
  if (name == "label_replace") return EvalLabelReplace(call);
  if (name == "label_join") return EvalLabelJoin(call);
  if (name == "timestamp") return EvalTimestamp(call);
  if (name == "histogram_quantile" || name == "histogram_quantiles") {
    return EvalHistogramQuantile(call);
  }
  if (name == "histogram_fraction") return EvalHistogramFraction(call);
  if (name == "info") return EvalInfo(call);
  if (absl::StartsWith(name, "histogram_") || name == "start_timestamp") {
    return absl::UnimplementedError(absl::StrCat(
        "function ", name, " (native histograms / experimental) is not supported"));
  }

  // Evaluate arguments.
  std::vector<EVal> args;
  args.reserve(call.args.size());
  for (const parser::ExprPtr& a : call.args) {
    if (a->type() == ValueType::kString) {
      EVal s;
      s.type = ValueType::kString;
      const parser::Expr& u = Unwrap(*a);
      if (u.Is<parser::StringLiteral>()) s.str = u.As<parser::StringLiteral>().value;
      args.push_back(std::move(s));
      continue;
    }
    VIGIL_ASSIGN_OR_RETURN(EVal v, Eval(*a));
    args.push_back(std::move(v));
  }
  for (const EVal& a : args) ctx_->Release(CountPoints(a.m));

  auto scalar_at = [&](size_t arg, int64_t t) {
    size_t idx = static_cast<size_t>((t - start_) / interval_);
    return args[arg].m[0].points[idx].v;
  };
  EVal out;
  out.type = ValueType::kVector;

  if (name == "min_of" || name == "max_of") {
    const bool is_min = name == "min_of";
    out = MakeScalar([&](size_t i) {
      double a = args[0].m[0].points[i].v, b = args[1].m[0].points[i].v;
      if (std::isnan(a) || std::isnan(b)) return kNaN;
      return is_min ? std::min(a, b) : std::max(a, b);
    });
  } else if (name == "vector") {
    ESeries s;
    s.points = args[0].m[0].points;
    out.m.push_back(std::move(s));
  } else if (name == "scalar") {
    out = MakeScalar([](size_t) { return kNaN; });
    std::vector<int> count(n, 0);
    for (const ESeries& s : args[0].m) {
      for (const FPoint& p : s.points) {
        size_t idx = static_cast<size_t>((p.t - start_) / interval_);
        if (count[idx]++ == 0) {
          out.m[0].points[idx].v = p.v;
        } else {
          out.m[0].points[idx].v = kNaN;
        }
      }
    }
  } else if (auto f = SimpleMath(name)) {
    for (ESeries& s : args[0].m) {
      for (FPoint& p : s.points) p.v = (*f)(p.v);
      s.drop_name = true;
      out.m.push_back(std::move(s));
    }
  } else if (name == "round") {
    for (ESeries& s : args[0].m) {
      for (FPoint& p : s.points) {
        double to = call.args.size() > 1 ? scalar_at(1, p.t) : 1.0;
        double inv = 1.0 / to;
        p.v = std::floor(p.v * inv + 0.5) / inv;
      }
      s.drop_name = true;
      out.m.push_back(std::move(s));
    }
  } else if (name == "clamp" || name == "clamp_min" || name == "clamp_max") {
    for (ESeries& s : args[0].m) {
      ESeries o;
      o.metric = s.metric;
      o.drop_name = true;
      for (const FPoint& p : s.points) {
        double lo = -std::numeric_limits<double>::infinity();
        double hi = std::numeric_limits<double>::infinity();
        if (name == "clamp") {
          lo = scalar_at(1, p.t);
          hi = scalar_at(2, p.t);
        } else if (name == "clamp_min") {
          lo = scalar_at(1, p.t);
        } else {
          hi = scalar_at(1, p.t);
        }
        if (hi < lo) continue;
        o.points.push_back(FPoint{p.t, std::max(lo, std::min(hi, p.v))});
      }
      if (!o.points.empty()) out.m.push_back(std::move(o));
    }
  } else if (IsDateFunc(name)) {
    if (args.empty()) {
      ESeries s;
      for (size_t i = 0; i < n; ++i) {
        s.points.push_back(FPoint{StepTime(i), DateFunc(name, StepTime(i) / 1000.0)});
      }
      out.m.push_back(std::move(s));
    } else {
      for (ESeries& s : args[0].m) {
        for (FPoint& p : s.points) p.v = DateFunc(name, p.v);
        s.drop_name = true;
        out.m.push_back(std::move(s));
      }
    }
  } else if (name == "absent") {
    model::Labels labels = AbsentLabels(*call.args[0]);
    std::vector<bool> present(n, false);
    for (const ESeries& s : args[0].m) {
      for (const FPoint& p : s.points) {
        present[static_cast<size_t>((p.t - start_) / interval_)] = true;
      }
    }
    ESeries s;
    s.metric = labels;
    for (size_t i = 0; i < n; ++i) {
      if (!present[i]) s.points.push_back(FPoint{StepTime(i), 1});
    }
    if (!s.points.empty()) out.m.push_back(std::move(s));
  } else if (name == "sort" || name == "sort_desc" || name == "sort_by_label" ||
             name == "sort_by_label_desc") {
    if (ctx_->range_query) {
      ctx_->Warn(
          "PromQL warning: sort is ineffective for range queries since "
          "results are always ordered by labels");
    }
    out.m = std::move(args[0].m);
    if (n == 1) {
      if (name == "sort" || name == "sort_desc") {
        bool desc = name == "sort_desc";
        std::stable_sort(out.m.begin(), out.m.end(),
                         [desc](const ESeries& a, const ESeries& b) {
                           double x = a.points[0].v, y = b.points[0].v;
                           if (std::isnan(x)) return false;
                           if (std::isnan(y)) return true;
                           return desc ? x > y : x < y;
                         });
      } else {
        bool desc = name == "sort_by_label_desc";
        std::vector<std::string> labels;
        for (size_t i = 1; i < args.size(); ++i) labels.push_back(args[i].str);
        std::stable_sort(
            out.m.begin(), out.m.end(),
            [&](const ESeries& a, const ESeries& b) {
              for (const std::string& l : labels) {
                absl::string_view x = a.metric.Get(l), y = b.metric.Get(l);
                if (x == y) continue;
                return desc ? NatLess(y, x) : NatLess(x, y);
              }
              int c = model::Labels::Compare(a.metric, b.metric);
              return desc ? c > 0 : c < 0;
            });
      }
    }
  } else {
    return absl::UnimplementedError(
        absl::StrCat("function ", name, " is not supported"));
  }
  VIGIL_RETURN_IF_ERROR(ctx_->Acquire(CountPoints(out.m)));
  return out;
}

absl::StatusOr<EVal> Evaluator::EvalTimestamp(const parser::Call& call) {
  const parser::Expr& arg = Unwrap(*call.args[0]);
  EVal v;
  if (arg.Is<parser::VectorSelector>()) {
    VIGIL_ASSIGN_OR_RETURN(
        v, EvalVectorSelector(arg.As<parser::VectorSelector>(), true));
  } else {
    VIGIL_ASSIGN_OR_RETURN(v, Eval(*call.args[0]));
    for (ESeries& s : v.m) {
      for (FPoint& p : s.points) p.v = p.t / 1000.0;
    }
  }
  for (ESeries& s : v.m) s.drop_name = true;
  return v;
}

absl::StatusOr<EVal> Evaluator::EvalLabelReplace(const parser::Call& call) {
  auto str = [&](size_t i) {
    return Unwrap(*call.args[i]).As<parser::StringLiteral>().value;
  };
  const std::string dst = str(1), repl = str(2), src = str(3), regex = str(4);
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_dot_nl(true);
  re2::RE2 re(absl::StrCat("^(?s:", regex, ")$"), opts);
  if (!re.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid regular expression in label_replace(): ", regex));
  }
  if (!model::IsValidLabelName(dst)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid destination label name in label_replace(): ", dst));
  }
  VIGIL_ASSIGN_OR_RETURN(EVal v, Eval(*call.args[0]));
  const int ngroups = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> pieces(ngroups);
  std::vector<absl::string_view> groups(ngroups);
  for (ESeries& s : v.m) {
    std::string src_val(s.metric.Get(src));
    if (!re.Match(src_val, 0, src_val.size(), re2::RE2::ANCHOR_BOTH,
                  pieces.data(), ngroups)) {
      continue;
    }
    for (int g = 0; g < ngroups; ++g) {
      groups[g] = absl::string_view(pieces[g].data(), pieces[g].size());
    }
    std::string res = ExpandTemplate(repl, re, groups);
    model::LabelsBuilder b(s.metric);
    b.Set(dst, res);
    s.metric = b.Build();
    if (dst == model::kMetricName) s.drop_name = false;
  }
  VIGIL_ASSIGN_OR_RETURN(v.m, MergeSameLabelset(std::move(v.m)));
  return v;
}

absl::StatusOr<EVal> Evaluator::EvalLabelJoin(const parser::Call& call) {
  auto str = [&](size_t i) {
    return Unwrap(*call.args[i]).As<parser::StringLiteral>().value;
  };
  const std::string dst = str(1), sep = str(2);
  std::vector<std::string> srcs;
  for (size_t i = 3; i < call.args.size(); ++i) {
    srcs.push_back(str(i));
    if (!model::IsValidLabelName(srcs.back())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid source label name in label_join(): ", srcs.back()));
    }
  }
  if (!model::IsValidLabelName(dst)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid destination label name in label_join(): ", dst));
  }
  VIGIL_ASSIGN_OR_RETURN(EVal v, Eval(*call.args[0]));
  for (ESeries& s : v.m) {
    // (Joined by hand: absent labels are empty views with no data.)
    std::string joined;
    for (size_t i = 0; i < srcs.size(); ++i) {
      if (i > 0) joined += sep;
      absl::string_view v = s.metric.Get(srcs[i]);
      if (!v.empty()) joined.append(v.data(), v.size());
    }
    model::LabelsBuilder b(s.metric);
    b.Set(dst, joined);
    s.metric = b.Build();
    if (dst == model::kMetricName) s.drop_name = false;
  }
  VIGIL_ASSIGN_OR_RETURN(v.m, MergeSameLabelset(std::move(v.m)));
  return v;
}

namespace {

struct BucketGroup {
  model::Labels metric;
  std::vector<kernels::Bucket> buckets;
};

// Groups the classic-histogram samples of one step by their labels
// without `le` (and the name); warns about malformed `le` labels.
void GroupBuckets(const EMatrix& m, const std::vector<size_t>& present,
                  const std::vector<double>& values, QueryContext* ctx,
                  absl::flat_hash_map<uint64_t, size_t>* index,
                  std::vector<BucketGroup>* groups) {
  // With delayed name removal the name stays part of the group key.
  static const std::vector<std::string> kExcluded = {"le"};
  index->clear();
  groups->clear();
  for (size_t k = 0; k < present.size(); ++k) {
    const ESeries& s = m[present[k]];
    absl::string_view le = s.metric.Get("le");
    double ub;
    std::string les(le);
    bool ok = !le.empty();
    if (ok) {
      std::string lower = absl::AsciiStrToLower(les);
      if (lower == "+inf" || lower == "inf") {
        ub = std::numeric_limits<double>::infinity();
      } else if (lower == "-inf") {
        ub = -std::numeric_limits<double>::infinity();
      } else {
        ok = absl::SimpleAtod(les, &ub);
      }
    }
    if (!ok) {
      ctx->Warn(absl::StrCat(
          "PromQL warning: bucket label \"le\" is missing or has a malformed "
          "value of ",
          model::QuoteString(le), " for metric name ",
          model::QuoteString(s.metric.MetricName())));
      continue;
    }
    uint64_t sig = s.metric.HashFor(kExcluded, false);
    auto [it, inserted] = index->try_emplace(sig, groups->size());
    if (inserted) {
      model::LabelsBuilder b(s.metric);
      b.Del("le");
      groups->push_back(BucketGroup{b.Build(), {}});
    }
    (*groups)[it->second].buckets.push_back(kernels::Bucket{ub, values[k]});
  }
}

double BucketFraction(double lower, double upper,
                      std::vector<kernels::Bucket>* bp) {
  std::vector<kernels::Bucket>& b = *bp;
  std::stable_sort(b.begin(), b.end(), [](const auto& x, const auto& y) {
    if (std::isnan(x.upper_bound)) return false;
    if (std::isnan(y.upper_bound)) return true;
    return x.upper_bound < y.upper_bound;
  });
  if (b.empty() || !std::isinf(b.back().upper_bound) || b.back().upper_bound < 0) {
    return kNaN;
  }
  size_t w = 0;
  for (size_t i = 1; i < b.size(); ++i) {
    if (b[i].upper_bound == b[w].upper_bound) {
      b[w].count += b[i].count;
    } else {
      b[++w] = b[i];
    }
  }
  b.resize(w + 1);
  double count = b.back().count;
  if (count == 0 || std::isnan(lower) || std::isnan(upper)) return kNaN;
  if (lower >= upper) return 0;
  double rank = 0, lower_rank = 0, upper_rank = 0;
  bool lower_set = false, upper_set = false;
  for (size_t i = 0; i < b.size(); ++i) {
    double lb = -std::numeric_limits<double>::infinity();
    if (i > 0) {
      lb = b[i - 1].upper_bound;
    } else if (b[i].upper_bound > 0) {
      lb = 0;
    }
    double ub = b[i].upper_bound;
    auto interp = [&](double v) {
      // No interpolation inside a bucket of infinite width: its
      // observations sit at the bucket's finite edge.
      if (std::isinf(lb)) return b[i].count;
      if (std::isinf(ub)) return rank;
      return rank + (b[i].count - rank) * (v - lb) / (ub - lb);
    };
    if (!lower_set && lb >= lower) {
      lower_rank = rank;
      lower_set = true;
    }
    if (!upper_set && lb >= upper) {
      upper_rank = rank;
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    if (!lower_set && lb < lower && ub > lower) {
      lower_rank = interp(lower);
      lower_set = true;
    }
    if (!upper_set && lb < upper && ub > upper) {
      upper_rank = interp(upper);
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    rank = b[i].count;
  }
  if (!lower_set || lower_rank > count) lower_rank = count;
  if (!upper_set || upper_rank > count) upper_rank = count;
  return (upper_rank - lower_rank) / count;
}

}  // namespace

// OpenMetrics float text: Go's 'g' shortest form, ".0" added to integers.
static std::string FormatOpenMetricsFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

absl::StatusOr<EVal> Evaluator::EvalHistogramQuantile(const parser::Call& call) {
  // histogram_quantile(q, v) or histogram_quantiles(v, "label", q...).
  const bool multi = call.func->name == "histogram_quantiles";
  std::vector<EVal> qs;
  std::string qlabel;
  EVal in;
  if (multi) {
    VIGIL_ASSIGN_OR_RETURN(in, Eval(*call.args[0]));
    qlabel = Unwrap(*call.args[1]).As<parser::StringLiteral>().value;
    for (size_t i = 2; i < call.args.size(); ++i) {
      VIGIL_ASSIGN_OR_RETURN(EVal q, Eval(*call.args[i]));
      qs.push_back(std::move(q));
    }
    for (const ESeries& s : in.m) {
      if (s.metric.Has(qlabel)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "label ", model::QuoteString(qlabel),
            " already exists in the input of histogram_quantiles"));
      }
    }
  } else {
    VIGIL_ASSIGN_OR_RETURN(EVal q, Eval(*call.args[0]));
    qs.push_back(std::move(q));
    VIGIL_ASSIGN_OR_RETURN(in, Eval(*call.args[1]));
  }
  int64_t held = CountPoints(in.m);
  for (const EVal& q : qs) held += CountPoints(q.m);
  ctx_->Release(held);
  const size_t n = NumSteps();
  std::vector<size_t> pos(in.m.size(), 0), present;
  std::vector<double> values;
  absl::flat_hash_map<uint64_t, size_t> index;
  std::vector<BucketGroup> groups;
  SeriesAccumulator acc;
  for (size_t step = 0; step < n; ++step) {
    VIGIL_RETURN_IF_ERROR(ctx_->CheckInterrupt());
    int64_t ts = StepTime(step);
    present.clear();
    values.clear();
    for (size_t i = 0; i < in.m.size(); ++i) {
      const std::vector<FPoint>& pts = in.m[i].points;
      while (pos[i] < pts.size() && pts[pos[i]].t < ts) ++pos[i];
      if (pos[i] < pts.size() && pts[pos[i]].t == ts) {
        present.push_back(i);
        values.push_back(pts[pos[i]].v);
      }
    }
    for (const EVal& q : qs) {
      double qv = q.m[0].points[step].v;
      if (std::isnan(qv) || qv < 0 || qv > 1) {
        ctx_->Warn(FormatQuantileWarning(qv));
      }
    }
    if (present.empty()) continue;
    GroupBuckets(in.m, present, values, ctx_, &index, &groups);
    for (const EVal& q : qs) {
      for (const BucketGroup& g0 : groups) {
        double qv = q.m[0].points[step].v;
        BucketGroup g = g0;
        if (multi) {
          model::LabelsBuilder b(g.metric);
          b.Set(qlabel, FormatOpenMetricsFloat(qv));
          g.metric = b.Build();
        }
        kernels::BucketQuantileResult r = kernels::BucketQuantile(qv, &g.buckets);
        if (r.forced_monotonicity) {
          ctx_->Info(absl::StrCat(
              "PromQL info: input to histogram_quantile needed to be fixed for "
              "monotonicity (see "
              "https://prometheus.io/docs/prometheus/latest/querying/functions/"
              "#histogram_quantile) for metric name ",
              model::QuoteString(g.metric.MetricName())));
        }
        VIGIL_RETURN_IF_ERROR(acc.Add(ts, ESample{g.metric, r.value, true}));
      }
    }
  }
  EVal out;
  out.type = ValueType::kVector;
  VIGIL_RETURN_IF_ERROR(ctx_->Acquire(static_cast<int64_t>(acc.points())));
  out.m = acc.Take();
  return out;
}

absl::StatusOr<EVal> Evaluator::EvalHistogramFraction(const parser::Call& call) {
  VIGIL_ASSIGN_OR_RETURN(EVal lo, Eval(*call.args[0]));
  VIGIL_ASSIGN_OR_RETURN(EVal hi, Eval(*call.args[1]));
  VIGIL_ASSIGN_OR_RETURN(EVal in, Eval(*call.args[2]));
  ctx_->Release(CountPoints(lo.m) + CountPoints(hi.m) + CountPoints(in.m));
  const size_t n = NumSteps();
  std::vector<size_t> pos(in.m.size(), 0), present;
  std::vector<double> values;
  absl::flat_hash_map<uint64_t, size_t> index;
  std::vector<BucketGroup> groups;
  SeriesAccumulator acc;
  for (size_t step = 0; step < n; ++step) {
    int64_t ts = StepTime(step);
    present.clear();
    values.clear();
    for (size_t i = 0; i < in.m.size(); ++i) {
      const std::vector<FPoint>& pts = in.m[i].points;
      while (pos[i] < pts.size() && pts[pos[i]].t < ts) ++pos[i];
      if (pos[i] < pts.size() && pts[pos[i]].t == ts) {
        present.push_back(i);
        values.push_back(pts[pos[i]].v);
      }
    }
    if (present.empty()) continue;
    GroupBuckets(in.m, present, values, ctx_, &index, &groups);
    for (BucketGroup& g : groups) {
      double f = BucketFraction(lo.m[0].points[step].v, hi.m[0].points[step].v,
                                &g.buckets);
      VIGIL_RETURN_IF_ERROR(acc.Add(ts, ESample{g.metric, f, true}));
    }
  }
  EVal out;
  out.type = ValueType::kVector;
  VIGIL_RETURN_IF_ERROR(ctx_->Acquire(static_cast<int64_t>(acc.points())));
  out.m = acc.Take();
  return out;
}

// info(v, {data matchers}): adds the data labels of matching info series
// (target_info by default) joined on the identifying labels instance and
// job.
absl::StatusOr<EVal> Evaluator::EvalInfo(const parser::Call& call) {
  static const std::vector<std::string> kIdentifying = {"instance", "job"};
  std::vector<model::Matcher> name_ms, data_ms;
  if (call.args.size() > 1) {
    const parser::Expr& sel = Unwrap(*call.args[1]);
    if (!sel.Is<parser::VectorSelector>()) {
      return absl::InvalidArgumentError(
          "expected a label selector as info()'s second argument");
    }
    for (const model::Matcher& m : sel.As<parser::VectorSelector>().matchers) {
      (m.name() == model::kMetricName ? name_ms : data_ms).push_back(m);
    }
  }
  bool positive_name = false;
  for (const model::Matcher& m : name_ms) {
    positive_name = positive_name || m.type() == model::MatchType::kEqual ||
                    m.type() == model::MatchType::kRegexMatch;
  }
  if (name_ms.empty()) {
    name_ms.push_back(model::Matcher::Equal(model::kMetricName, "target_info"));
  } else if (!positive_name) {
    // Only negative name matchers: the candidates are the *_info metrics.
    VIGIL_ASSIGN_OR_RETURN(
        model::Matcher m, model::Matcher::Create(model::MatchType::kRegexMatch,
                                                 model::kMetricName, ".+_info"));
    name_ms.push_back(std::move(m));
  }
  VIGIL_ASSIGN_OR_RETURN(EVal base, Eval(*call.args[0]));

  parser::VectorSelector info_sel;
  info_sel.matchers = name_ms;
  for (const model::Matcher& m : data_ms) info_sel.matchers.push_back(m);
  // Values are the sample timestamps, to prefer the latest info sample.
  VIGIL_ASSIGN_OR_RETURN(EVal info, EvalVectorSelector(info_sel, true));
  ctx_->Release(CountPoints(base.m) + CountPoints(info.m));

  bool data_accepts_empty = true;
  for (const model::Matcher& m : data_ms) {
    data_accepts_empty = data_accepts_empty && m.MatchesEmpty();
  }
  // Info series by identifying-label signature.
  absl::flat_hash_map<uint64_t, std::vector<size_t>> info_by_sig;
  for (size_t i = 0; i < info.m.size(); ++i) {
    info_by_sig[info.m[i].metric.HashFor(kIdentifying, true)].push_back(i);
  }
  // Base series that are themselves selected info metrics pass through;
  // that needs a positive name matcher in the query.
  std::vector<uint64_t> base_sig(base.m.size());
  std::vector<bool> is_info(base.m.size());
  for (size_t i = 0; i < base.m.size(); ++i) {
    base_sig[i] = base.m[i].metric.HashFor(kIdentifying, true);
    is_info[i] = positive_name && model::MatchesAll(name_ms, base.m[i].metric);
  }
  StepReader base_reader(&base.m);
  std::vector<size_t> info_pos(info.m.size(), 0);
  EVector step_base;
  SeriesAccumulator acc;
  const size_t n = NumSteps();
  for (size_t step = 0; step < n; ++step) {
    VIGIL_RETURN_IF_ERROR(ctx_->CheckInterrupt());
    const int64_t ts = StepTime(step);
    // Which info series have a sample at this step, and its time.
    std::vector<double> info_t(info.m.size(), -1);
    for (size_t i = 0; i < info.m.size(); ++i) {
      const std::vector<FPoint>& pts = info.m[i].points;
      while (info_pos[i] < pts.size() && pts[info_pos[i]].t < ts) ++info_pos[i];
      if (info_pos[i] < pts.size() && pts[info_pos[i]].t == ts) {
        info_t[i] = pts[info_pos[i]].v;
      }
    }
    // Series index per base sample, in the order StepReader returns them.
    size_t bi = 0;
    base_reader.At(ts, &step_base);
    for (ESample& s : step_base) {
      while (bi < base.m.size() && base.m[bi].metric != s.metric) ++bi;
      const size_t idx = bi++;
      if (is_info[idx]) {
        VIGIL_RETURN_IF_ERROR(acc.Add(ts, std::move(s)));
        continue;
      }
      // The latest matching info series per info metric name.
      absl::flat_hash_map<std::string, size_t> chosen;
      auto it = info_by_sig.find(base_sig[idx]);
      if (it != info_by_sig.end()) {
        for (size_t ii : it->second) {
          if (info_t[ii] < 0) continue;
          std::string nm(info.m[ii].metric.MetricName());
          auto [c, inserted] = chosen.try_emplace(nm, ii);
          if (!inserted && info_t[ii] > info_t[c->second]) c->second = ii;
        }
      }
      if (chosen.empty()) {
        if (data_accepts_empty) {
          VIGIL_RETURN_IF_ERROR(acc.Add(ts, std::move(s)));
        }
        continue;
      }
      model::LabelsBuilder b(s.metric);
      absl::flat_hash_map<std::string, std::string> added;
      for (const auto& [nm, ii] : chosen) {
        for (model::LabelView lv : info.m[ii].metric) {
          if (lv.name == model::kMetricName || lv.name == "instance" ||
              lv.name == "job") {
            continue;
          }
          if (!data_ms.empty()) {
            bool wanted = false;
            for (const model::Matcher& m : data_ms) wanted = wanted || m.name() == lv.name;
            if (!wanted) continue;
          }
          if (s.metric.Has(lv.name)) continue;
          std::string ln(lv.name);
          auto [a, inserted] = added.try_emplace(ln, std::string(lv.value));
          if (!inserted && a->second != lv.value) {
            return absl::InvalidArgumentError(absl::StrCat(
                "conflicting label: ", ln, " has values ", a->second, " and ",
                lv.value, " in info metrics"));
          }
          b.Set(lv.name, lv.value);
        }
      }
      s.metric = b.Build();
      VIGIL_RETURN_IF_ERROR(acc.Add(ts, std::move(s)));
    }
  }
  EVal out;
  out.type = ValueType::kVector;
  VIGIL_RETURN_IF_ERROR(ctx_->Acquire(static_cast<int64_t>(acc.points())));
  out.m = acc.Take();
  return out;
}

absl::StatusOr<EVal> Evaluator::EvalRangeFunction(const parser::Call& call,
                                                  size_t mi) {
  const absl::string_view name = call.func->name;
  const size_t n = NumSteps();
  std::vector<EVal> params(call.args.size());
  for (size_t i = 0; i < call.args.size(); ++i) {
    if (i == mi) continue;
    VIGIL_ASSIGN_OR_RETURN(params[i], Eval(*call.args[i]));
    ctx_->Release(CountPoints(params[i].m));
  }
  auto param_at = [&](size_t i, size_t step) {
    return params[i].m[0].points[step].v;
  };

  // The kernel per function.
  RangeKernel kernel;
  using S = absl::Span<const FPoint>;
  if (name == "rate" || name == "increase" || name == "delta") {
    // Filled below once the range is known.
  } else if (name == "irate") {
    kernel = [](S w, int64_t, size_t) { return kernels::InstantValue(w, true); };
  } else if (name == "idelta") {
    kernel = [](S w, int64_t, size_t) { return kernels::InstantValue(w, false); };
  } else if (name == "avg_over_time") {
    kernel = [](S w, int64_t, size_t) { return kernels::AvgOverTime(w); };
  } else if (name == "sum_over_time") {
    kernel = [](S w, int64_t, size_t) { return kernels::SumOverTime(w); };
  } else if (name == "count_over_time") {
    kernel = [](S w, int64_t, size_t) { return kernels::CountOverTime(w); };
  } else if (name == "min_over_time") {
    kernel = [](S w, int64_t, size_t) { return kernels::MinOverTime(w); };
  } else if (name == "max_over_time") {
    kernel = [](S w, int64_t, size_t) { return kernels::MaxOverTime(w); };
  } else if (name == "last_over_time") {
    kernel = [](S w, int64_t, size_t) { return kernels::LastOverTime(w); };
  } else if (name == "first_over_time") {
    kernel = [](S w, int64_t, size_t) { return kernels::FirstOverTime(w); };
  } else if (name == "present_over_time" || name == "absent_over_time") {
    kernel = [](S w, int64_t, size_t) { return kernels::PresentOverTime(w); };
  } else if (name == "stddev_over_time") {
    kernel = [](S w, int64_t, size_t) { return kernels::StddevOverTime(w); };
  } else if (name == "stdvar_over_time") {
    kernel = [](S w, int64_t, size_t) { return kernels::StdvarOverTime(w); };
  } else if (name == "mad_over_time") {
    kernel = [](S w, int64_t, size_t) { return kernels::MadOverTime(w); };
  } else if (name == "ts_of_first_over_time") {
    kernel = [](S w, int64_t, size_t) { return kernels::TsOfFirstOverTime(w); };
  } else if (name == "ts_of_last_over_time") {
    kernel = [](S w, int64_t, size_t) { return kernels::TsOfLastOverTime(w); };
  } else if (name == "ts_of_min_over_time") {
    kernel = [](S w, int64_t, size_t) { return kernels::TsOfMinOverTime(w); };
  } else if (name == "ts_of_max_over_time") {
    kernel = [](S w, int64_t, size_t) { return kernels::TsOfMaxOverTime(w); };
  } else if (name == "changes") {
    kernel = [](S w, int64_t, size_t) { return kernels::Changes(w); };
  } else if (name == "resets") {
    kernel = [](S w, int64_t, size_t) { return kernels::Resets(w); };
  } else if (name == "deriv") {
    kernel = [](S w, int64_t, size_t) { return kernels::Deriv(w); };
  } else if (name == "quantile_over_time") {
    bool warned = false;
    kernel = [&, warned](S w, int64_t, size_t step) mutable {
      double q = param_at(0, step);
      if (!w.empty() && !warned && (std::isnan(q) || q < 0 || q > 1)) {
        ctx_->Warn(FormatQuantileWarning(q));
        warned = true;
      }
      return kernels::QuantileOverTime(q, w);
    };
  } else if (name == "predict_linear") {
    kernel = [&](S w, int64_t ts, size_t step) {
      return kernels::PredictLinear(w, ts, param_at(1, step));
    };
  } else if (name == "double_exponential_smoothing") {
    // Validated per step below.
  } else {
    return absl::UnimplementedError(
        absl::StrCat("function ", name, " is not supported"));
  }

  const parser::Expr& marg = Unwrap(*call.args[mi]);
  int64_t range = 0, off = 0;
  std::optional<int64_t> at;
  std::unique_ptr<storage::SeriesSet> set;
  EVal sub;
  const bool is_selector = marg.Is<parser::MatrixSelector>();
  const parser::VectorSelector* vs = nullptr;
  if (is_selector) {
    const parser::MatrixSelector& ms = marg.As<parser::MatrixSelector>();
    vs = ms.vector_selector.get();
    if (vs->anchored && name != "changes" && name != "delta" &&
        name != "increase" && name != "rate" && name != "resets") {
      return absl::InvalidArgumentError(absl::StrCat(
          "anchored modifier can only be used with: changes, delta, increase, "
          "rate, resets - not with ",
          name));
    }
    if (vs->smoothed && name != "delta" && name != "increase" && name != "rate") {
      return absl::InvalidArgumentError(absl::StrCat(
          "smoothed modifier can only be used with: delta, increase, rate - "
          "not with ",
          name));
    }
    range = ms.range_ms;
    off = vs->original_offset_ms;
    at = AtTime(vs->at, vs->timestamp_ms);
    storage::SelectHints hints;
    const int64_t extra =
        (vs->anchored || vs->smoothed) ? ctx_->lookback_ms : 0;
    hints.start_ms = (at ? *at : start_) - off - range + 1 - extra;
    hints.end_ms = (at ? *at : end_) - off + (vs->smoothed ? extra : 0);
    hints.step_ms = interval_;
    hints.range_ms = range;
    hints.func = std::string(name);
    set = ctx_->querier->Select(true, &hints, vs->matchers);
  } else if (marg.Is<parser::SubqueryExpr>()) {
    VIGIL_ASSIGN_OR_RETURN(
        sub, EvalSubqueryInner(marg.As<parser::SubqueryExpr>(), &range, &off, &at));
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("expected a range vector argument to ", name));
  }

  const bool extended = vs != nullptr && (vs->anchored || vs->smoothed);
  const bool smoothed = vs != nullptr && vs->smoothed;
  if (extended) {
    const bool counter = name != "delta";
    const bool is_rate = name == "rate";
    const bool rate_family =
        name == "rate" || name == "increase" || name == "delta";
    const bool is_changes = name == "changes";
    kernel = [=](S w, int64_t ts, size_t) -> std::optional<double> {
      int64_t end = (at ? *at : ts) - off;
      int64_t start = end - range;
      if (w.empty() || w.front().t > end) return std::nullopt;
      if (rate_family) {
        return kernels::ExtendedRate(w, start, end, range, counter, is_rate,
                                     smoothed);
      }
      if (w.back().t <= start) return std::nullopt;
      return is_changes ? kernels::Changes(w) : kernels::Resets(w);
    };
  } else if (name == "rate" || name == "increase" || name == "delta") {
    const bool counter = name != "delta";
    const bool is_rate = name == "rate";
    kernel = [=](S w, int64_t ts, size_t) {
      int64_t end = (at ? *at : ts) - off;
      return kernels::ExtrapolatedRate(w, end - range, end, range, counter,
                                       is_rate);
    };
  } else if (name == "double_exponential_smoothing") {
    kernel = [&](S w, int64_t, size_t step) -> std::optional<double> {
      return kernels::DoubleExponentialSmoothing(w, param_at(1, step),
                                                 param_at(2, step));
    };
    for (size_t step = 0; step < n; ++step) {
      double sf = param_at(1, step), tf = param_at(2, step);
      if (!(sf > 0 && sf < 1)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "invalid smoothing factor. Expected: 0 < sf < 1, got: %f", sf));
      }
      if (!(tf > 0 && tf < 1)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "invalid trend factor. Expected: 0 < tf < 1, got: %f", tf));
      }
    }
  }

  const bool keeps_name = name == "last_over_time" || name == "first_over_time";
  const bool absent = name == "absent_over_time";
  const bool counter_info = name == "rate" || name == "increase";
  std::vector<bool> any_present(absent ? n : 0, false);
  EVal out;
  out.type = ValueType::kVector;

  auto process = [&](const model::Labels& metric, bool in_drop,
                     Window* win) -> absl::Status {
    ESeries o;
    o.metric = metric;
    o.drop_name = in_drop || !keeps_name;
    bool saw_floats = false;
    std::vector<FPoint> ext;
    auto eval_step = [&](size_t step, int64_t ts) -> absl::Status {
      int64_t end = (at ? *at : ts) - off;
      S w;
      if (extended) {
        win->Extended(end - range, end, ctx_->lookback_ms, smoothed, &ext);
        w = S(ext);
      } else {
        win->Advance(end - range, end);
        w = win->span();
      }
      VIGIL_RETURN_IF_ERROR(ctx_->Acquire(static_cast<int64_t>(w.size())));
      std::optional<double> r = kernel(w, ts, step);
      ctx_->Release(static_cast<int64_t>(w.size()));
      if (!w.empty()) saw_floats = true;
      if (r) o.points.push_back(FPoint{ts, *r});
      return absl::OkStatus();
    };
    // With @ every step sees the same window; only predict_linear also
    // depends on the evaluation time.
    if (at && name != "predict_linear") {
      VIGIL_RETURN_IF_ERROR(eval_step(0, start_));
      if (!o.points.empty()) {
        double v = o.points[0].v;
        o.points.clear();
        for (size_t i = 0; i < n; ++i) o.points.push_back(FPoint{StepTime(i), v});
      }
    } else {
      for (size_t step = 0; step < n; ++step) {
        VIGIL_RETURN_IF_ERROR(ctx_->CheckInterrupt());
        VIGIL_RETURN_IF_ERROR(eval_step(step, StepTime(step)));
      }
    }
    if (counter_info && saw_floats) {
      absl::string_view mn = metric.MetricName();
      if (!mn.empty() && !absl::EndsWith(mn, "_total") &&
          !absl::EndsWith(mn, "_sum") && !absl::EndsWith(mn, "_count") &&
          !absl::EndsWith(mn, "_bucket")) {
        ctx_->Info(absl::StrCat(
            "PromQL info: metric might not be a counter, name does not end in "
            "_total/_sum/_count/_bucket: ",
            model::QuoteString(mn)));
      }
    }
    if (absent) {
      for (const FPoint& p : o.points) {
        any_present[static_cast<size_t>((p.t - start_) / interval_)] = true;
      }
      return absl::OkStatus();
    }
    if (!o.points.empty()) {
      VIGIL_RETURN_IF_ERROR(ctx_->Acquire(static_cast<int64_t>(o.points.size())));
      out.m.push_back(std::move(o));
    }
    return absl::OkStatus();
  };

  if (is_selector) {
    while (set->Next()) {
      VIGIL_RETURN_IF_ERROR(ctx_->CheckInterrupt());
      std::unique_ptr<storage::SampleIterator> it = set->NewIterator();
      const int64_t first_lo = (at ? *at : start_) - off - range -
                               (extended ? ctx_->lookback_ms : 0);
      bool started = false;
      int64_t loaded = 0;
      storage::SampleReader r(it.get());
      Window win([&](FPoint* p) {
        while (true) {
          bool ok = started ? r.Next() : r.Seek(first_lo + 1);
          started = true;
          if (!ok) return false;
          ++loaded;
          if (model::IsStaleNaN(r.value())) continue;
          *p = FPoint{r.timestamp(), r.value()};
          return true;
        }
      });
      VIGIL_RETURN_IF_ERROR(process(set->labels(), false, &win));
      VIGIL_RETURN_IF_ERROR(it->status());
      if (ctx_->stats != nullptr) ctx_->stats->total_samples += loaded;
    }
    VIGIL_RETURN_IF_ERROR(set->status());
    for (std::string& w : set->warnings()) ctx_->Warn(std::move(w));
  } else {
    for (const ESeries& s : sub.m) {
      size_t idx = 0;
      const std::vector<FPoint>* pts = &s.points;
      Window win([&idx, pts](FPoint* p) {
        if (idx >= pts->size()) return false;
        *p = (*pts)[idx++];
        return true;
      });
      VIGIL_RETURN_IF_ERROR(process(s.metric, s.drop_name, &win));
    }
    ctx_->Release(CountPoints(sub.m));
  }

  if (absent) {
    ESeries s;
    s.metric = AbsentLabels(marg);
    for (size_t i = 0; i < n; ++i) {
      if (!any_present[i]) s.points.push_back(FPoint{StepTime(i), 1});
    }
    if (!s.points.empty()) {
      VIGIL_RETURN_IF_ERROR(ctx_->Acquire(static_cast<int64_t>(s.points.size())));
      out.m.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace vigil::promql::internal
