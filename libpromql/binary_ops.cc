// Unary and binary operators: scalar/scalar, vector/scalar and
// vector/vector with on/ignoring, group_left/group_right and bool, and the
// set operators and/or/unless.

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "libpromql/evaluator.h"
#include "model/status_macros.h"

namespace vigil::promql::internal {
namespace {

using parser::BinaryOp;
using parser::ValueType;
using parser::VectorMatchCardinality;

bool IsArithmetic(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
    case BinaryOp::kMod:
    case BinaryOp::kPow:
    case BinaryOp::kAtan2:
      return true;
    default:
      return false;
  }
}

// Applies `op`; for comparisons returns lhs and sets *keep.
double ElemBinop(BinaryOp op, double l, double r, bool* keep) {
  *keep = true;
  switch (op) {
    case BinaryOp::kAdd: return l + r;
    case BinaryOp::kSub: return l - r;
    case BinaryOp::kMul: return l * r;
    case BinaryOp::kDiv: return l / r;
    case BinaryOp::kMod: return std::fmod(l, r);
    case BinaryOp::kPow: return std::pow(l, r);
    case BinaryOp::kAtan2: return std::atan2(l, r);
    case BinaryOp::kEql: *keep = l == r; return l;
    case BinaryOp::kNeq: *keep = l != r; return l;
    case BinaryOp::kGtr: *keep = l > r; return l;
    case BinaryOp::kLss: *keep = l < r; return l;
    case BinaryOp::kGte: *keep = l >= r; return l;
    case BinaryOp::kLte: *keep = l <= r; return l;
    default: *keep = false; return 0;
  }
}

// The labels a matching signature is computed over.
model::Labels MatchLabels(const model::Labels& l, bool on,
                          const std::vector<std::string>& names) {
  model::LabelsBuilder b(l);
  if (on) {
    b.Keep(names);
  } else {
    for (const std::string& n : names) b.Del(n);
    b.Del(model::kMetricName);
  }
  return b.Build();
}

uint64_t Signature(const model::Labels& l, bool on,
                   const std::vector<std::string>& names_plus_name) {
  return l.HashFor(names_plus_name, on);
}

// Per-series cursor over the points of a matrix: for each step, the
// indices of series with a point there.
class IndexReader {
 public:
  explicit IndexReader(const EMatrix* m) : m_(m), pos_(m->size(), 0) {}
  void At(int64_t ts, std::vector<std::pair<size_t, double>>* out) {
    out->clear();
    for (size_t i = 0; i < m_->size(); ++i) {
      const std::vector<FPoint>& pts = (*m_)[i].points;
      size_t& p = pos_[i];
      while (p < pts.size() && pts[p].t < ts) ++p;
      if (p < pts.size() && pts[p].t == ts) out->emplace_back(i, pts[p].v);
    }
  }

 private:
  const EMatrix* m_;
  std::vector<size_t> pos_;
};

}  // namespace

absl::StatusOr<EVal> Evaluator::EvalUnary(const parser::UnaryExpr& u) {
  VIGIL_ASSIGN_OR_RETURN(EVal v, Eval(*u.expr));
  if (u.op == parser::UnaryOp::kMinus) {
    for (ESeries& s : v.m) {
      for (FPoint& p : s.points) p.v = -p.v;
      if (v.type == ValueType::kVector) s.drop_name = true;
    }
  }
  return v;
}

absl::StatusOr<EVal> Evaluator::EvalBinary(const parser::BinaryExpr& b) {
  VIGIL_ASSIGN_OR_RETURN(EVal lhs, Eval(*b.lhs));
  VIGIL_ASSIGN_OR_RETURN(EVal rhs, Eval(*b.rhs));
  const BinaryOp op = b.op;
  const bool arith = IsArithmetic(op);
  const bool ret_bool = b.return_bool;
  ctx_->Release(CountPoints(lhs.m) + CountPoints(rhs.m));

  // scalar op scalar.
  if (lhs.type == ValueType::kScalar && rhs.type == ValueType::kScalar) {
    const std::vector<FPoint>& l = lhs.m[0].points;
    const std::vector<FPoint>& r = rhs.m[0].points;
    EVal out = MakeScalar([&](size_t i) {
      bool keep;
      double v = ElemBinop(op, l[i].v, r[i].v, &keep);
      if (parser::IsComparisonOp(op)) return keep ? 1.0 : 0.0;
      return v;
    });
    VIGIL_RETURN_IF_ERROR(ctx_->Acquire(CountPoints(out.m)));
    return out;
  }

  // vector op scalar / scalar op vector.
  if (lhs.type == ValueType::kScalar || rhs.type == ValueType::kScalar) {
    const bool swap = lhs.type == ValueType::kScalar;
    EVal& vec = swap ? rhs : lhs;
    const std::vector<FPoint>& sc = (swap ? lhs : rhs).m[0].points;
    EVal out;
    out.type = ValueType::kVector;
    for (ESeries& s : vec.m) {
      ESeries o;
      o.metric = s.metric;
      o.drop_name = s.drop_name || arith || ret_bool;
      for (const FPoint& p : s.points) {
        size_t idx = static_cast<size_t>((p.t - start_) / interval_);
        double sv = sc[idx].v;
        double lv = swap ? sv : p.v;
        double rv = swap ? p.v : sv;
        bool keep;
        double v = ElemBinop(op, lv, rv, &keep);
        if (parser::IsComparisonOp(op) && swap) v = rv;
        if (ret_bool) {
          v = keep ? 1.0 : 0.0;
          keep = true;
        }
        if (keep) o.points.push_back(FPoint{p.t, v});
      }
      if (!o.points.empty()) out.m.push_back(std::move(o));
    }
    VIGIL_RETURN_IF_ERROR(ctx_->Acquire(CountPoints(out.m)));
    return out;
  }

  if (lhs.type != ValueType::kVector || rhs.type != ValueType::kVector) {
    return absl::InvalidArgumentError(
        absl::StrCat("binary expression must contain only scalar and instant "
                     "vector types"));
  }

  parser::VectorMatching matching;
  if (b.matching) matching = *b.matching;
  std::vector<std::string> sig_names = matching.matching_labels;
  if (!matching.on) sig_names.push_back(std::string(model::kMetricName));
  std::vector<uint64_t> lsig(lhs.m.size()), rsig(rhs.m.size());
  for (size_t i = 0; i < lhs.m.size(); ++i) {
    lsig[i] = Signature(lhs.m[i].metric, matching.on, sig_names);
  }
  for (size_t i = 0; i < rhs.m.size(); ++i) {
    rsig[i] = Signature(rhs.m[i].metric, matching.on, sig_names);
  }

  IndexReader lr(&lhs.m), rr(&rhs.m);
  std::vector<std::pair<size_t, double>> lv, rv;
  SeriesAccumulator acc;
  const size_t n = NumSteps();

  if (parser::IsSetOp(op)) {
    absl::flat_hash_set<uint64_t> sigs;
    for (size_t step = 0; step < n; ++step) {
      VIGIL_RETURN_IF_ERROR(ctx_->CheckInterrupt());
      int64_t ts = StepTime(step);
      lr.At(ts, &lv);
      rr.At(ts, &rv);
      sigs.clear();
      if (op == BinaryOp::kOr) {
        for (auto [i, v] : lv) {
          sigs.insert(lsig[i]);
          VIGIL_RETURN_IF_ERROR(
              acc.Add(ts, ESample{lhs.m[i].metric, v, lhs.m[i].drop_name}));
        }
        for (auto [i, v] : rv) {
          if (sigs.contains(rsig[i])) continue;
          VIGIL_RETURN_IF_ERROR(
              acc.Add(ts, ESample{rhs.m[i].metric, v, rhs.m[i].drop_name}));
        }
        continue;
      }
      for (auto [i, v] : rv) sigs.insert(rsig[i]);
      const bool want = op == BinaryOp::kAnd;
      for (auto [i, v] : lv) {
        if (sigs.contains(lsig[i]) != want) continue;
        VIGIL_RETURN_IF_ERROR(
            acc.Add(ts, ESample{lhs.m[i].metric, v, lhs.m[i].drop_name}));
      }
    }
    EVal out;
    out.type = ValueType::kVector;
    VIGIL_RETURN_IF_ERROR(ctx_->Acquire(static_cast<int64_t>(acc.points())));
    out.m = acc.Take();
    return out;
  }

  if (matching.card == VectorMatchCardinality::kManyToMany) {
    return absl::InvalidArgumentError(
        "many-to-many only allowed for set operators");
  }
  const bool one_to_many = matching.card == VectorMatchCardinality::kOneToMany;
  // `many` is the side whose series are kept; `one` must be unique.
  const EMatrix& many = one_to_many ? rhs.m : lhs.m;
  const EMatrix& one = one_to_many ? lhs.m : rhs.m;
  const std::vector<uint64_t>& many_sig = one_to_many ? rsig : lsig;
  const std::vector<uint64_t>& one_sig = one_to_many ? lsig : rsig;
  std::vector<std::pair<size_t, double>>& many_v = one_to_many ? rv : lv;
  std::vector<std::pair<size_t, double>>& one_v = one_to_many ? lv : rv;

  // Result labels per (many, one) pair.
  absl::flat_hash_map<std::pair<size_t, size_t>, model::Labels> metric_cache;
  constexpr size_t kNoMatch = static_cast<size_t>(-1);
  auto result_metric = [&](size_t mi, size_t oi) -> const model::Labels& {
    auto it = metric_cache.find({mi, oi});
    if (it != metric_cache.end()) return it->second;
    model::LabelsBuilder lb(many[mi].metric);
    if (matching.card == VectorMatchCardinality::kOneToOne) {
      if (matching.on) {
        lb.Keep(matching.matching_labels);
      } else {
        for (const std::string& l : matching.matching_labels) lb.Del(l);
      }
    }
    for (const std::string& l : matching.include) {
      absl::string_view v = oi == kNoMatch ? "" : one[oi].metric.Get(l);
      if (!v.empty()) {
        lb.Set(l, v);
      } else {
        lb.Del(l);
      }
    }
    return metric_cache.emplace(std::make_pair(mi, oi), lb.Build())
        .first->second;
  };

  absl::flat_hash_map<uint64_t, std::pair<size_t, double>> one_by_sig;
  absl::flat_hash_map<uint64_t, absl::flat_hash_set<uint64_t>> matched;
  for (size_t step = 0; step < n; ++step) {
    VIGIL_RETURN_IF_ERROR(ctx_->CheckInterrupt());
    int64_t ts = StepTime(step);
    lr.At(ts, &lv);
    rr.At(ts, &rv);
    one_by_sig.clear();
    matched.clear();
    for (auto [i, v] : one_v) {
      auto [it, inserted] = one_by_sig.try_emplace(one_sig[i], i, v);
      if (!inserted) {
        const model::Labels& a = one[it->second.first].metric;
        const model::Labels& d = one[i].metric;
        return absl::InvalidArgumentError(absl::StrCat(
            "found duplicate series for the match group ",
            MatchLabels(d, matching.on, matching.matching_labels).ToString(),
            " on the ", one_to_many ? "left" : "right",
            " hand-side of the operation: [", a.ToString(), ", ",
            d.ToString(),
            "];many-to-many matching not allowed: matching labels must be "
            "unique on one side"));
      }
    }
    for (auto [mi, mv] : many_v) {
      auto it = one_by_sig.find(many_sig[mi]);
      if (it == one_by_sig.end()) {
        // Experimental fill_right / fill: the missing "one" side.
        if (!matching.fill_rhs) continue;
        double fl = one_to_many ? *matching.fill_rhs : mv;
        double fr = one_to_many ? mv : *matching.fill_rhs;
        bool keep;
        double v = ElemBinop(op, fl, fr, &keep);
        if (ret_bool) {
          v = keep ? 1.0 : 0.0;
        } else if (!keep) {
          continue;
        }
        VIGIL_RETURN_IF_ERROR(acc.Add(
            ts, ESample{result_metric(mi, kNoMatch), v,
                        many[mi].drop_name || ret_bool || arith}));
        continue;
      }
      auto [oi, ov] = it->second;
      const model::Labels& metric = result_metric(mi, oi);
      if (matching.card == VectorMatchCardinality::kOneToOne) {
        auto [mit, inserted] = matched.try_emplace(many_sig[mi]);
        if (!inserted) {
          return absl::InvalidArgumentError(
              "multiple matches for labels: many-to-one matching must be "
              "explicit (group_left/group_right)");
        }
      } else {
        absl::flat_hash_set<uint64_t>& seen = matched[many_sig[mi]];
        if (!seen.insert(metric.Hash()).second) {
          return absl::InvalidArgumentError(
              "multiple matches for labels: grouping labels must ensure "
              "unique matches");
        }
      }
      double fl = one_to_many ? ov : mv;
      double fr = one_to_many ? mv : ov;
      bool keep;
      double v = ElemBinop(op, fl, fr, &keep);
      if (ret_bool) {
        v = keep ? 1.0 : 0.0;
      } else if (!keep) {
        continue;
      }
      bool drop = many[mi].drop_name || ret_bool || arith;
      VIGIL_RETURN_IF_ERROR(acc.Add(ts, ESample{metric, v, drop}));
    }
    // Experimental fill_left / fill: the missing "many" side.
    if (matching.fill_lhs) {
      for (auto [oi, ov] : one_v) {
        if (matched.contains(one_sig[oi])) continue;
        double fl = one_to_many ? ov : *matching.fill_lhs;
        double fr = one_to_many ? *matching.fill_lhs : ov;
        bool keep;
        double v = ElemBinop(op, fl, fr, &keep);
        if (ret_bool) {
          v = keep ? 1.0 : 0.0;
        } else if (!keep) {
          continue;
        }
        model::Labels metric =
            MatchLabels(one[oi].metric, matching.on, matching.matching_labels);
        VIGIL_RETURN_IF_ERROR(acc.Add(
            ts, ESample{std::move(metric), v,
                        one[oi].drop_name || ret_bool || arith}));
      }
    }
  }
  EVal out;
  out.type = ValueType::kVector;
  VIGIL_RETURN_IF_ERROR(ctx_->Acquire(static_cast<int64_t>(acc.points())));
  out.m = acc.Take();
  return out;
}

}  // namespace vigil::promql::internal
