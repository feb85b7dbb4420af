#include "libpromql/evaluator.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "libtsdb/storage/sample_iterator.h"
#include "libtsdb/storage/sample_reader.h"
#include "libtsdb/storage/series_set.h"
#include "model/status_macros.h"
#include "model/value.h"

namespace vigil::promql::internal {

using parser::ValueType;

void QueryContext::Warn(std::string w) {
  if (std::find(warnings.begin(), warnings.end(), w) == warnings.end()) {
    warnings.push_back(std::move(w));
  }
}

void QueryContext::Info(std::string i) {
  if (std::find(infos.begin(), infos.end(), i) == infos.end()) {
    infos.push_back(std::move(i));
  }
}

absl::Status QueryContext::CheckInterrupt() {
  if ((++checks & 0xff) != 1) return absl::OkStatus();
  if (cancel != nullptr && cancel->cancelled()) {
    return absl::CancelledError("query was canceled in query execution");
  }
  if (deadline != absl::InfiniteFuture() && absl::Now() > deadline) {
    return absl::DeadlineExceededError("query timed out in query execution");
  }
  return absl::OkStatus();
}

absl::Status QueryContext::Acquire(int64_t n) {
  current_samples += n;
  if (stats != nullptr && current_samples > stats->peak_samples) {
    stats->peak_samples = current_samples;
  }
  if (current_samples > max_samples) {
    return absl::ResourceExhaustedError(kTooManySamples);
  }
  return absl::OkStatus();
}

void StepReader::At(int64_t ts, EVector* out) {
  out->clear();
  const EMatrix& m = *m_;
  for (size_t i = 0; i < m.size(); ++i) {
    const std::vector<FPoint>& pts = m[i].points;
    size_t& p = pos_[i];
    while (p < pts.size() && pts[p].t < ts) ++p;
    if (p < pts.size() && pts[p].t == ts) {
      out->push_back(ESample{m[i].metric, pts[p].v, m[i].drop_name});
    }
  }
}

absl::Status SeriesAccumulator::Add(int64_t ts, ESample s) {
  auto [it, inserted] = index_.try_emplace(s.metric, out_.size());
  if (inserted) {
    out_.push_back(ESeries{std::move(s.metric), {}, s.drop_name});
  }
  ESeries& series = out_[it->second];
  if (!series.points.empty() && series.points.back().t == ts) {
    return absl::InvalidArgumentError(
        "vector cannot contain metrics with the same labelset");
  }
  series.drop_name = s.drop_name;
  series.points.push_back(FPoint{ts, s.v});
  ++points_;
  return absl::OkStatus();
}

int64_t CountPoints(const EMatrix& m) {
  int64_t n = 0;
  for (const ESeries& s : m) n += static_cast<int64_t>(s.points.size());
  return n;
}

absl::StatusOr<EMatrix> MergeSameLabelset(EMatrix m) {
  absl::flat_hash_map<model::Labels, size_t> index;
  EMatrix out;
  bool merged = false;
  for (ESeries& s : m) {
    auto [it, inserted] = index.try_emplace(s.metric, out.size());
    if (inserted) {
      out.push_back(std::move(s));
      continue;
    }
    merged = true;
    ESeries& dst = out[it->second];
    std::vector<FPoint> pts;
    pts.reserve(dst.points.size() + s.points.size());
    size_t a = 0, b = 0;
    while (a < dst.points.size() || b < s.points.size()) {
      if (b == s.points.size() ||
          (a < dst.points.size() && dst.points[a].t < s.points[b].t)) {
        pts.push_back(dst.points[a++]);
      } else if (a == dst.points.size() || s.points[b].t < dst.points[a].t) {
        pts.push_back(s.points[b++]);
      } else {
        return absl::InvalidArgumentError(
            "vector cannot contain metrics with the same labelset");
      }
    }
    dst.points = std::move(pts);
    dst.drop_name = dst.drop_name || s.drop_name;
  }
  (void)merged;
  return out;
}

std::string FormatFloatForLabel(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[512];
  auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  if (r.ec != std::errc()) return absl::StrCat(v);
  return std::string(buf, r.ptr);
}

const parser::Expr& Unwrap(const parser::Expr& e) {
  const parser::Expr* p = &e;
  while (true) {
    if (p->Is<parser::ParenExpr>()) {
      p = p->As<parser::ParenExpr>().expr.get();
    } else if (p->Is<parser::StepInvariantExpr>()) {
      p = p->As<parser::StepInvariantExpr>().expr.get();
    } else {
      return *p;
    }
  }
}

std::optional<int64_t> Evaluator::AtTime(
    parser::AtModifier at, const std::optional<int64_t>& ts) const {
  switch (at) {
    case parser::AtModifier::kNone:
      return std::nullopt;
    case parser::AtModifier::kTimestamp:
      return ts;
    case parser::AtModifier::kStart:
      return ctx_->query_start;
    case parser::AtModifier::kEnd:
      return ctx_->query_end;
  }
  return std::nullopt;
}

absl::StatusOr<EVal> Evaluator::Eval(const parser::Expr& e) {
  VIGIL_RETURN_IF_ERROR(ctx_->CheckInterrupt());
  switch (e.kind) {
    case parser::NodeKind::kNumberLiteral: {
      double v = e.As<parser::NumberLiteral>().value;
      return MakeScalar([v](size_t) { return v; });
    }
    case parser::NodeKind::kStringLiteral: {
      EVal out;
      out.type = ValueType::kString;
      out.str = e.As<parser::StringLiteral>().value;
      return out;
    }
    case parser::NodeKind::kVectorSelector:
      return EvalVectorSelector(e.As<parser::VectorSelector>());
    case parser::NodeKind::kMatrixSelector:
    case parser::NodeKind::kSubquery:
      return EvalRangeAtInstant(e);
    case parser::NodeKind::kCall:
      return EvalCall(e.As<parser::Call>());
    case parser::NodeKind::kAggregate:
      return EvalAggregate(e.As<parser::AggregateExpr>());
    case parser::NodeKind::kBinary:
      return EvalBinary(e.As<parser::BinaryExpr>());
    case parser::NodeKind::kUnary:
      return EvalUnary(e.As<parser::UnaryExpr>());
    case parser::NodeKind::kParen:
      return Eval(*e.As<parser::ParenExpr>().expr);
    case parser::NodeKind::kStepInvariant:
      return Eval(*e.As<parser::StepInvariantExpr>().expr);
    case parser::NodeKind::kDuration:
      break;
  }
  return absl::InternalError("unexpected expression node in evaluation");
}

absl::StatusOr<EVal> Evaluator::EvalVectorSelector(
    const parser::VectorSelector& vs, bool timestamps) {
  std::optional<int64_t> at = AtTime(vs.at, vs.timestamp_ms);
  const int64_t off = vs.original_offset_ms;
  const int64_t lookback = ctx_->lookback_ms;
  // Experimental `smoothed`: interpolate between the samples around the
  // evaluation time.
  const bool smoothed = vs.smoothed && !timestamps;
  storage::SelectHints hints;
  hints.start_ms = (at ? *at : start_) - off - lookback + 1;
  hints.end_ms = (at ? *at : end_) - off + (smoothed ? lookback : 0);
  hints.step_ms = interval_;
  std::unique_ptr<storage::SeriesSet> set =
      ctx_->querier->Select(true, &hints, vs.matchers);
  EVal out;
  out.type = ValueType::kVector;
  const size_t n = NumSteps();
  while (set->Next()) {
    VIGIL_RETURN_IF_ERROR(ctx_->CheckInterrupt());
    std::unique_ptr<storage::SampleIterator> it = set->NewIterator();
    storage::SampleReader r(it.get());
    ESeries s;
    s.metric = set->labels();
    bool pending = r.Seek(hints.start_ms);
    bool have_last = false;
    FPoint last{0, 0};
    int64_t loaded = 0;
    auto advance_to = [&](int64_t ref) {
      while (pending && r.timestamp() <= ref) {
        last = FPoint{r.timestamp(), r.value()};
        have_last = true;
        ++loaded;
        pending = r.Next();
      }
    };
    auto value_at = [&](int64_t ref, double* v) {
      if (!have_last || last.t <= ref - lookback || model::IsStaleNaN(last.v)) {
        return false;
      }
      *v = timestamps ? last.t / 1000.0 : last.v;
      if (smoothed && last.t < ref && pending && r.timestamp() <= ref + lookback &&
          !model::IsStaleNaN(r.value())) {
        FPoint next{r.timestamp(), r.value()};
        *v = last.v + (next.v - last.v) * static_cast<double>(ref - last.t) /
                          static_cast<double>(next.t - last.t);
      }
      return true;
    };
    if (at) {
      int64_t ref = *at - off;
      advance_to(ref);
      double v;
      if (value_at(ref, &v)) {
        s.points.reserve(n);
        for (size_t i = 0; i < n; ++i) s.points.push_back(FPoint{StepTime(i), v});
      }
    } else {
      for (size_t i = 0; i < n; ++i) {
        int64_t ts = StepTime(i);
        int64_t ref = ts - off;
        advance_to(ref);
        double v;
        if (value_at(ref, &v)) {
          s.points.push_back(FPoint{ts, v});
          // Keep a long series from outgrowing the limit before it is
          // accounted below.
          if ((s.points.size() & 1023) == 0 &&
              ctx_->current_samples + static_cast<int64_t>(s.points.size()) >
                  ctx_->max_samples) {
            return absl::ResourceExhaustedError(kTooManySamples);
          }
        }
      }
    }
    VIGIL_RETURN_IF_ERROR(it->status());
    if (ctx_->stats != nullptr) ctx_->stats->total_samples += loaded;
    if (!s.points.empty()) {
      VIGIL_RETURN_IF_ERROR(ctx_->Acquire(static_cast<int64_t>(s.points.size())));
      out.m.push_back(std::move(s));
    }
  }
  VIGIL_RETURN_IF_ERROR(set->status());
  for (std::string& w : set->warnings()) ctx_->Warn(std::move(w));
  return out;
}

absl::StatusOr<EVal> Evaluator::EvalSubqueryInner(
    const parser::SubqueryExpr& sq, int64_t* range_ms, int64_t* offset_ms,
    std::optional<int64_t>* at_out) {
  std::optional<int64_t> at = AtTime(sq.at, sq.timestamp_ms);
  const int64_t off = sq.original_offset_ms;
  const int64_t range = sq.range_ms;
  const int64_t step = sq.step_ms > 0 ? sq.step_ms : ctx_->default_step_ms;
  *range_ms = range;
  *offset_ms = off;
  *at_out = at;
  int64_t outer_start = at ? *at : start_;
  int64_t outer_end = at ? *at : end_;
  int64_t new_end = outer_end - off;
  int64_t base = outer_start - off - range;
  int64_t new_start = step * (base / step);
  if (new_start <= base) new_start += step;
  if (new_start > new_end) {
    EVal empty;
    empty.type = ValueType::kMatrix;
    return empty;
  }
  // Any value over more steps than the sample limit would exceed it; refuse
  // before walking (or allocating) that many steps.
  if ((new_end - new_start) / step + 1 > ctx_->max_samples) {
    return absl::ResourceExhaustedError(kTooManySamples);
  }
  Evaluator sub(ctx_, new_start, new_end, step);
  VIGIL_ASSIGN_OR_RETURN(EVal inner, sub.Eval(*sq.expr));
  if (inner.type == ValueType::kScalar) {
    // A scalar inside a subquery is a series without labels.
    inner.type = ValueType::kVector;
  }
  return inner;
}

absl::StatusOr<EVal> Evaluator::EvalRangeAtInstant(const parser::Expr& e) {
  if (start_ != end_) {
    return absl::InvalidArgumentError(
        "cannot do range evaluation of matrix selector");
  }
  EVal out;
  out.type = ValueType::kMatrix;
  if (e.Is<parser::SubqueryExpr>()) {
    int64_t range, off;
    std::optional<int64_t> at;
    VIGIL_ASSIGN_OR_RETURN(
        EVal inner, EvalSubqueryInner(e.As<parser::SubqueryExpr>(), &range,
                                      &off, &at));
    out.m = std::move(inner.m);
    return out;
  }
  const parser::MatrixSelector& ms = e.As<parser::MatrixSelector>();
  const parser::VectorSelector& vs = *ms.vector_selector;
  if (vs.anchored || vs.smoothed) {
    return absl::UnimplementedError(
        "a bare anchored/smoothed range selector is not supported");
  }
  std::optional<int64_t> at = AtTime(vs.at, vs.timestamp_ms);
  int64_t ref = (at ? *at : start_) - vs.original_offset_ms;
  storage::SelectHints hints;
  hints.start_ms = ref - ms.range_ms + 1;
  hints.end_ms = ref;
  hints.range_ms = ms.range_ms;
  std::unique_ptr<storage::SeriesSet> set =
      ctx_->querier->Select(true, &hints, vs.matchers);
  while (set->Next()) {
    VIGIL_RETURN_IF_ERROR(ctx_->CheckInterrupt());
    std::unique_ptr<storage::SampleIterator> it = set->NewIterator();
    storage::SampleReader r(it.get());
    ESeries s;
    s.metric = set->labels();
    for (bool ok = r.Seek(hints.start_ms); ok && r.timestamp() <= ref;
         ok = r.Next()) {
      if (ctx_->stats != nullptr) ctx_->stats->total_samples++;
      if (model::IsStaleNaN(r.value())) continue;
      s.points.push_back(FPoint{r.timestamp(), r.value()});
    }
    VIGIL_RETURN_IF_ERROR(it->status());
    if (!s.points.empty()) {
      VIGIL_RETURN_IF_ERROR(ctx_->Acquire(static_cast<int64_t>(s.points.size())));
      out.m.push_back(std::move(s));
    }
  }
  VIGIL_RETURN_IF_ERROR(set->status());
  return out;
}

}  // namespace vigil::promql::internal
