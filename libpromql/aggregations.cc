// Aggregation operators: sum, avg, count, min, max, group, stddev, stdvar,
// topk, bottomk, quantile, count_values, limitk, limit_ratio.

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libpromql/evaluator.h"
#include "libpromql/kernels.h"
#include "model/status_macros.h"
#include "xxhash.h"

namespace vigil::promql::internal {
namespace {

using parser::AggregateOp;
using parser::ValueType;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Group {
  model::Labels metric;
  bool drop_name = false;
  double value = 0;
  double kahan_c = 0;
  double mean = 0;
  double count = 0;
  bool incremental_mean = false;
  bool seen = false;
  std::vector<double> values;               // quantile
  std::vector<std::pair<size_t, double>> k;  // topk/bottomk/limitk members
};

// Prometheus's Labels.Hash (xxhash64 over name 0xff value 0xff ...), used
// by limit_ratio so the same series are picked as in Prometheus.
uint64_t PrometheusLabelsHash(const model::Labels& l) {
  std::string buf;
  for (model::LabelView lv : l) {
    buf.append(lv.name.data(), lv.name.size());
    buf.push_back('\xff');
    buf.append(lv.value.data(), lv.value.size());
    buf.push_back('\xff');
  }
  return XXH64(buf.data(), buf.size(), 0);
}

// Whether a should rank above b for topk (NaN ranks lowest).
bool TopkBetter(double a, double b) {
  if (std::isnan(b)) return !std::isnan(a);
  return a > b;
}
bool BottomkBetter(double a, double b) {
  if (std::isnan(b)) return !std::isnan(a);
  return a < b;
}

}  // namespace

absl::StatusOr<EVal> Evaluator::EvalAggregate(const parser::AggregateExpr& agg) {
  const AggregateOp op = agg.op;
  EVal param;
  std::string count_values_label;
  if (agg.param != nullptr) {
    if (op == AggregateOp::kCountValues) {
      const parser::Expr& p = Unwrap(*agg.param);
      if (!p.Is<parser::StringLiteral>()) {
        return absl::InvalidArgumentError(
            "count_values needs a string literal label name");
      }
      count_values_label = p.As<parser::StringLiteral>().value;
      if (!model::IsValidLabelName(count_values_label)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "invalid label name ", model::QuoteString(count_values_label)));
      }
    } else {
      VIGIL_ASSIGN_OR_RETURN(param, Eval(*agg.param));
      if (param.type != ValueType::kScalar) {
        return absl::InvalidArgumentError("aggregation parameter must be a scalar");
      }
    }
  }
  VIGIL_ASSIGN_OR_RETURN(EVal in, Eval(*agg.expr));
  ctx_->Release(CountPoints(in.m));

  // Grouping key per input series, computed once.
  std::vector<std::string> grouping = agg.grouping;
  std::sort(grouping.begin(), grouping.end());
  std::vector<std::string> without_names = grouping;
  if (agg.without) without_names.push_back(std::string(model::kMetricName));
  const size_t ns = in.m.size();
  std::vector<uint64_t> key(ns);
  std::vector<model::Labels> group_metric(ns);
  absl::flat_hash_map<uint64_t, model::Labels> metric_by_key;
  for (size_t i = 0; i < ns; ++i) {
    const model::Labels& l = in.m[i].metric;
    if (agg.without) {
      key[i] = l.HashFor(without_names, false);
    } else {
      key[i] = l.HashFor(grouping, true);
    }
    auto it = metric_by_key.find(key[i]);
    if (it == metric_by_key.end()) {
      model::LabelsBuilder b(l);
      if (agg.without) {
        for (const std::string& n : without_names) b.Del(n);
      } else {
        b.Keep(grouping);
      }
      it = metric_by_key.emplace(key[i], b.Build()).first;
    }
    group_metric[i] = it->second;
  }

  const size_t n = NumSteps();
  std::vector<size_t> pos(ns, 0);
  std::vector<std::pair<size_t, double>> step_in;
  absl::flat_hash_map<uint64_t, size_t> group_index;
  std::vector<Group> groups;
  SeriesAccumulator acc;
  bool warned_q = false;

  for (size_t step = 0; step < n; ++step) {
    VIGIL_RETURN_IF_ERROR(ctx_->CheckInterrupt());
    const int64_t ts = StepTime(step);
    step_in.clear();
    for (size_t i = 0; i < ns; ++i) {
      const std::vector<FPoint>& pts = in.m[i].points;
      size_t& p = pos[i];
      while (p < pts.size() && pts[p].t < ts) ++p;
      if (p < pts.size() && pts[p].t == ts) step_in.emplace_back(i, pts[p].v);
    }
    double pv = agg.param != nullptr && op != AggregateOp::kCountValues
                    ? param.m[0].points[step].v
                    : 0;
    int64_t k = 0;
    if (op == AggregateOp::kTopK || op == AggregateOp::kBottomK ||
        op == AggregateOp::kLimitK) {
      if (std::isnan(pv)) {
        return absl::InvalidArgumentError("Parameter value is NaN");
      }
      if (pv >= 9.2e18) {
        k = std::numeric_limits<int64_t>::max();
      } else if (pv <= -9.2e18) {
        k = std::numeric_limits<int64_t>::min();
      } else {
        k = static_cast<int64_t>(pv);
      }
      if (k < 1) continue;
    }
    if (op == AggregateOp::kLimitRatio && std::isnan(pv)) {
      return absl::InvalidArgumentError("Ratio value is NaN");
    }
    if (op == AggregateOp::kQuantile && !warned_q &&
        (std::isnan(pv) || pv < 0 || pv > 1)) {
      ctx_->Warn(absl::StrCat(
          "PromQL warning: quantile value should be between 0 and 1, got ",
          std::isnan(pv) ? std::string("NaN") : absl::StrFormat("%g", pv)));
      warned_q = true;
    }
    if (step_in.empty()) continue;
    if (op == AggregateOp::kLimitRatio) {
      if (pv > 1 || pv < -1) {
        double capped = pv > 1 ? 1.0 : -1.0;
        ctx_->Warn(absl::StrCat(
            "PromQL warning: ratio value should be between -1 and 1, got ",
            absl::StrFormat("%g", pv), ", capping to ",
            absl::StrFormat("%g", capped)));
        pv = capped;
      }
    }
    group_index.clear();
    groups.clear();
    for (auto [i, v] : step_in) {
      const bool drop = in.m[i].drop_name;
      uint64_t gk = key[i];
      if (op == AggregateOp::kCountValues) {
        // One group per (grouping labels, value).
        gk = gk * 1000003u ^ std::hash<std::string>()(FormatFloatForLabel(v));
      }
      auto [git, inserted] = group_index.try_emplace(gk, groups.size());
      if (inserted) {
        Group g;
        g.metric = group_metric[i];
        if (op == AggregateOp::kCountValues) {
          model::LabelsBuilder b(g.metric);
          b.Set(count_values_label, FormatFloatForLabel(v));
          g.metric = b.Build();
        }
        g.drop_name = drop;
        groups.push_back(std::move(g));
      }
      Group& g = groups[git->second];
      g.drop_name = g.drop_name || drop;
      const bool first = !g.seen;
      g.seen = true;
      switch (op) {
        case AggregateOp::kSum:
          g.value = kernels::KahanInc(v, g.value, &g.kahan_c);
          break;
        case AggregateOp::kAvg: {
          g.count++;
          if (first) {
            g.value = v;
            break;
          }
          if (!g.incremental_mean) {
            double nc = g.kahan_c;
            double nv = kernels::KahanInc(v, g.value, &nc);
            if (!std::isinf(nv)) {
              g.value = nv;
              g.kahan_c = nc;
              break;
            }
            g.incremental_mean = true;
            g.mean = g.value / (g.count - 1);
            g.kahan_c /= g.count - 1;
          }
          double q = (g.count - 1) / g.count;
          double qc = q * g.kahan_c;
          g.mean = kernels::KahanInc(v / g.count, q * g.mean, &qc);
          g.kahan_c = qc;
          break;
        }
        case AggregateOp::kCount:
        case AggregateOp::kCountValues:
          g.count++;
          break;
        case AggregateOp::kGroup:
          g.value = 1;
          break;
        case AggregateOp::kMin:
          if (first || v < g.value || std::isnan(g.value)) g.value = v;
          break;
        case AggregateOp::kMax:
          if (first || v > g.value || std::isnan(g.value)) g.value = v;
          break;
        case AggregateOp::kStddev:
        case AggregateOp::kStdvar: {
          g.count++;
          double delta = v - (g.mean + g.kahan_c);
          g.mean = kernels::KahanInc(delta / g.count, g.mean, &g.kahan_c);
          g.value += delta * (v - (g.mean + g.kahan_c));
          break;
        }
        case AggregateOp::kQuantile:
          g.values.push_back(v);
          break;
        case AggregateOp::kTopK:
        case AggregateOp::kBottomK: {
          auto better = op == AggregateOp::kTopK ? TopkBetter : BottomkBetter;
          if (static_cast<int64_t>(g.k.size()) < k) {
            g.k.emplace_back(i, v);
          } else {
            // Replace the worst member when v is strictly better.
            size_t worst = 0;
            for (size_t j = 1; j < g.k.size(); ++j) {
              if (better(g.k[worst].second, g.k[j].second)) worst = j;
            }
            if (better(v, g.k[worst].second)) g.k[worst] = {i, v};
          }
          break;
        }
        case AggregateOp::kLimitK:
          if (static_cast<int64_t>(g.k.size()) < k) g.k.emplace_back(i, v);
          break;
        case AggregateOp::kLimitRatio: {
          double offset = static_cast<double>(PrometheusLabelsHash(in.m[i].metric)) /
                          static_cast<double>(std::numeric_limits<uint64_t>::max());
          if ((pv >= 0 && offset < pv) || (pv < 0 && offset >= 1.0 + pv)) {
            g.k.emplace_back(i, v);
          }
          break;
        }
      }
    }

    for (Group& g : groups) {
      switch (op) {
        case AggregateOp::kTopK:
        case AggregateOp::kBottomK:
        case AggregateOp::kLimitK:
        case AggregateOp::kLimitRatio: {
          if (op == AggregateOp::kTopK || op == AggregateOp::kBottomK) {
            auto better = op == AggregateOp::kTopK ? TopkBetter : BottomkBetter;
            std::stable_sort(g.k.begin(), g.k.end(),
                             [&](const auto& a, const auto& b) {
                               return better(a.second, b.second);
                             });
          }
          for (auto [i, v] : g.k) {
            VIGIL_RETURN_IF_ERROR(acc.Add(
                ts, ESample{in.m[i].metric, v, in.m[i].drop_name}));
          }
          continue;
        }
        default:
          break;
      }
      double v = 0;
      switch (op) {
        case AggregateOp::kSum:
          v = std::isinf(g.value) ? g.value : g.value + g.kahan_c;
          break;
        case AggregateOp::kAvg:
          if (g.incremental_mean) {
            v = g.mean + g.kahan_c;
          } else {
            v = g.value / g.count + g.kahan_c / g.count;
          }
          break;
        case AggregateOp::kCount:
        case AggregateOp::kCountValues:
          v = g.count;
          break;
        case AggregateOp::kStdvar:
          v = g.value / g.count;
          break;
        case AggregateOp::kStddev:
          v = std::sqrt(g.value / g.count);
          break;
        case AggregateOp::kQuantile:
          v = kernels::Quantile(pv, &g.values);
          break;
        default:
          v = g.value;
          break;
      }
      VIGIL_RETURN_IF_ERROR(acc.Add(ts, ESample{g.metric, v, g.drop_name}));
    }
  }
  EVal out;
  out.type = ValueType::kVector;
  VIGIL_RETURN_IF_ERROR(ctx_->Acquire(static_cast<int64_t>(acc.points())));
  out.m = acc.Take();
  (void)kNaN;
  return out;
}

}  // namespace vigil::promql::internal
