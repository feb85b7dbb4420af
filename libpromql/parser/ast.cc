#include "libpromql/parser/ast.h"

#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "libpromql/parser/function_table.h"
#include "model/status_macros.h"

namespace vigil::promql::parser {

absl::string_view ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kNone:
      return "none";
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kString:
      return "string";
    case ValueType::kVector:
      return "instant vector";
    case ValueType::kMatrix:
      return "range vector";
  }
  return "none";
}

absl::string_view BinaryOpString(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kMod:
      return "%";
    case BinaryOp::kPow:
      return "^";
    case BinaryOp::kAtan2:
      return "atan2";
    case BinaryOp::kEql:
      return "==";
    case BinaryOp::kNeq:
      return "!=";
    case BinaryOp::kGtr:
      return ">";
    case BinaryOp::kLss:
      return "<";
    case BinaryOp::kGte:
      return ">=";
    case BinaryOp::kLte:
      return "<=";
    case BinaryOp::kAnd:
      return "and";
    case BinaryOp::kOr:
      return "or";
    case BinaryOp::kUnless:
      return "unless";
    case BinaryOp::kTrimUpper:
      return "</";
    case BinaryOp::kTrimLower:
      return ">/";
  }
  return "?";
}

bool IsComparisonOp(BinaryOp op) {
  switch (op) {
    case BinaryOp::kEql:
    case BinaryOp::kNeq:
    case BinaryOp::kGtr:
    case BinaryOp::kLss:
    case BinaryOp::kGte:
    case BinaryOp::kLte:
      return true;
    default:
      return false;
  }
}

bool IsSetOp(BinaryOp op) {
  return op == BinaryOp::kAnd || op == BinaryOp::kOr ||
         op == BinaryOp::kUnless;
}

absl::string_view AggregateOpString(AggregateOp op) {
  switch (op) {
    case AggregateOp::kSum:
      return "sum";
    case AggregateOp::kAvg:
      return "avg";
    case AggregateOp::kCount:
      return "count";
    case AggregateOp::kMin:
      return "min";
    case AggregateOp::kMax:
      return "max";
    case AggregateOp::kGroup:
      return "group";
    case AggregateOp::kStddev:
      return "stddev";
    case AggregateOp::kStdvar:
      return "stdvar";
    case AggregateOp::kTopK:
      return "topk";
    case AggregateOp::kBottomK:
      return "bottomk";
    case AggregateOp::kCountValues:
      return "count_values";
    case AggregateOp::kQuantile:
      return "quantile";
    case AggregateOp::kLimitK:
      return "limitk";
    case AggregateOp::kLimitRatio:
      return "limit_ratio";
  }
  return "?";
}

bool AggregateOpHasParam(AggregateOp op) {
  switch (op) {
    case AggregateOp::kTopK:
    case AggregateOp::kBottomK:
    case AggregateOp::kCountValues:
    case AggregateOp::kQuantile:
    case AggregateOp::kLimitK:
    case AggregateOp::kLimitRatio:
      return true;
    default:
      return false;
  }
}

absl::string_view CardinalityString(VectorMatchCardinality c) {
  switch (c) {
    case VectorMatchCardinality::kOneToOne:
      return "one-to-one";
    case VectorMatchCardinality::kManyToOne:
      return "many-to-one";
    case VectorMatchCardinality::kOneToMany:
      return "one-to-many";
    case VectorMatchCardinality::kManyToMany:
      return "many-to-many";
  }
  return "?";
}

ValueType Call::type() const {
  return func == nullptr ? ValueType::kNone : func->return_type;
}

ValueType BinaryExpr::type() const {
  if (lhs->type() == ValueType::kScalar && rhs->type() == ValueType::kScalar) {
    return ValueType::kScalar;
  }
  return ValueType::kVector;
}

namespace {

template <typename E, typename Out>
void AppendChildren(E& e, Out* out) {
  switch (e.kind) {
    case NodeKind::kMatrixSelector:
      out->push_back(e.template As<MatrixSelector>().vector_selector.get());
      break;
    case NodeKind::kSubquery:
      out->push_back(e.template As<SubqueryExpr>().expr.get());
      break;
    case NodeKind::kCall:
      for (auto& a : e.template As<Call>().args) out->push_back(a.get());
      break;
    case NodeKind::kAggregate: {
      auto& a = e.template As<AggregateExpr>();
      if (a.expr) out->push_back(a.expr.get());
      if (a.param) out->push_back(a.param.get());
      break;
    }
    case NodeKind::kBinary:
      out->push_back(e.template As<BinaryExpr>().lhs.get());
      out->push_back(e.template As<BinaryExpr>().rhs.get());
      break;
    case NodeKind::kUnary:
      out->push_back(e.template As<UnaryExpr>().expr.get());
      break;
    case NodeKind::kParen:
      out->push_back(e.template As<ParenExpr>().expr.get());
      break;
    case NodeKind::kStepInvariant:
      out->push_back(e.template As<StepInvariantExpr>().expr.get());
      break;
    case NodeKind::kDuration:
    case NodeKind::kNumberLiteral:
    case NodeKind::kStringLiteral:
    case NodeKind::kVectorSelector:
      break;
  }
}

template <typename T>
std::unique_ptr<T> CloneAs(const std::unique_ptr<T>& p) {
  if (p == nullptr) return nullptr;
  ExprPtr c = Clone(*p);
  return std::unique_ptr<T>(static_cast<T*>(c.release()));
}

ExprPtr CloneOrNull(const ExprPtr& p) {
  return p == nullptr ? nullptr : Clone(*p);
}

absl::StatusOr<double> EvalSeconds(const Expr& e, int64_t step_ms,
                                   int64_t range_ms) {
  if (e.Is<NumberLiteral>()) return e.As<NumberLiteral>().value;
  if (e.Is<ParenExpr>()) {
    return EvalSeconds(*e.As<ParenExpr>().expr, step_ms, range_ms);
  }
  if (!e.Is<DurationExpr>()) {
    return absl::InvalidArgumentError("unexpected duration expression type");
  }
  const auto& d = e.As<DurationExpr>();
  using Op = DurationExpr::Op;
  switch (d.op) {
    case Op::kStep:
      return static_cast<double>(step_ms) / 1000.0;
    case Op::kRange:
      return static_cast<double>(range_ms) / 1000.0;
    case Op::kLiteral:
      return EvalSeconds(*d.lhs, step_ms, range_ms);
    case Op::kNeg: {
      VIGIL_ASSIGN_OR_RETURN(double r, EvalSeconds(*d.rhs, step_ms, range_ms));
      return -r;
    }
    default:
      break;
  }
  VIGIL_ASSIGN_OR_RETURN(double l, EvalSeconds(*d.lhs, step_ms, range_ms));
  VIGIL_ASSIGN_OR_RETURN(double r, EvalSeconds(*d.rhs, step_ms, range_ms));
  switch (d.op) {
    case Op::kAdd:
      return l + r;
    case Op::kSub:
      return l - r;
    case Op::kMul:
      return l * r;
    case Op::kDiv:
      if (r == 0) return absl::InvalidArgumentError("division by zero");
      return l / r;
    case Op::kMod:
      if (r == 0) return absl::InvalidArgumentError("modulo by zero");
      return std::fmod(l, r);
    case Op::kPow:
      return std::pow(l, r);
    case Op::kMinOf:
      return std::min(l, r);
    case Op::kMaxOf:
      return std::max(l, r);
    default:
      break;
  }
  return absl::InvalidArgumentError("unexpected duration expression operator");
}

bool UsesStepOrRange(const Expr& e) {
  if (!e.Is<DurationExpr>()) {
    if (e.Is<ParenExpr>()) return UsesStepOrRange(*e.As<ParenExpr>().expr);
    return false;
  }
  const auto& d = e.As<DurationExpr>();
  if (d.op == DurationExpr::Op::kStep || d.op == DurationExpr::Op::kRange) {
    return true;
  }
  return (d.lhs && UsesStepOrRange(*d.lhs)) ||
         (d.rhs && UsesStepOrRange(*d.rhs));
}

// Prometheus's calculateDuration: seconds to milliseconds with checks.
absl::StatusOr<int64_t> CalculateDuration(const Expr& e, bool allow_negative,
                                          int64_t step_ms, int64_t range_ms) {
  VIGIL_ASSIGN_OR_RETURN(double s, EvalSeconds(e, step_ms, range_ms));
  if (std::isnan(s) || (s <= 0 && !allow_negative)) {
    return absl::InvalidArgumentError("duration must be greater than 0");
  }
  return DurationSecondsToMs(s);
}

}  // namespace

std::vector<Expr*> Children(Expr& e) {
  std::vector<Expr*> out;
  AppendChildren(e, &out);
  return out;
}

std::vector<const Expr*> Children(const Expr& e) {
  std::vector<const Expr*> out;
  AppendChildren(e, &out);
  return out;
}

ExprPtr Clone(const Expr& e) {
  ExprPtr out;
  switch (e.kind) {
    case NodeKind::kNumberLiteral: {
      const auto& s = e.As<NumberLiteral>();
      auto n = std::make_unique<NumberLiteral>();
      n->value = s.value;
      n->duration = s.duration;
      out = std::move(n);
      break;
    }
    case NodeKind::kStringLiteral: {
      auto n = std::make_unique<StringLiteral>();
      n->value = e.As<StringLiteral>().value;
      out = std::move(n);
      break;
    }
    case NodeKind::kDuration: {
      const auto& s = e.As<DurationExpr>();
      auto n = std::make_unique<DurationExpr>();
      n->op = s.op;
      n->lhs = CloneOrNull(s.lhs);
      n->rhs = CloneOrNull(s.rhs);
      n->wrapped = s.wrapped;
      out = std::move(n);
      break;
    }
    case NodeKind::kVectorSelector: {
      const auto& s = e.As<VectorSelector>();
      auto n = std::make_unique<VectorSelector>();
      n->name = s.name;
      n->matchers = s.matchers;
      n->original_offset_ms = s.original_offset_ms;
      n->original_offset_expr = CloneAs(s.original_offset_expr);
      n->offset_ms = s.offset_ms;
      n->at = s.at;
      n->timestamp_ms = s.timestamp_ms;
      n->anchored = s.anchored;
      n->smoothed = s.smoothed;
      n->bypass_empty_matcher_check = s.bypass_empty_matcher_check;
      out = std::move(n);
      break;
    }
    case NodeKind::kMatrixSelector: {
      const auto& s = e.As<MatrixSelector>();
      auto n = std::make_unique<MatrixSelector>();
      n->vector_selector = CloneAs(s.vector_selector);
      n->range_ms = s.range_ms;
      n->range_expr = CloneAs(s.range_expr);
      out = std::move(n);
      break;
    }
    case NodeKind::kSubquery: {
      const auto& s = e.As<SubqueryExpr>();
      auto n = std::make_unique<SubqueryExpr>();
      n->expr = CloneOrNull(s.expr);
      n->range_ms = s.range_ms;
      n->range_expr = CloneAs(s.range_expr);
      n->step_ms = s.step_ms;
      n->step_expr = CloneAs(s.step_expr);
      n->original_offset_ms = s.original_offset_ms;
      n->original_offset_expr = CloneAs(s.original_offset_expr);
      n->offset_ms = s.offset_ms;
      n->at = s.at;
      n->timestamp_ms = s.timestamp_ms;
      out = std::move(n);
      break;
    }
    case NodeKind::kCall: {
      const auto& s = e.As<Call>();
      auto n = std::make_unique<Call>();
      n->func = s.func;
      for (const auto& a : s.args) n->args.push_back(Clone(*a));
      out = std::move(n);
      break;
    }
    case NodeKind::kAggregate: {
      const auto& s = e.As<AggregateExpr>();
      auto n = std::make_unique<AggregateExpr>();
      n->op = s.op;
      n->expr = CloneOrNull(s.expr);
      n->param = CloneOrNull(s.param);
      n->grouping = s.grouping;
      n->without = s.without;
      out = std::move(n);
      break;
    }
    case NodeKind::kBinary: {
      const auto& s = e.As<BinaryExpr>();
      auto n = std::make_unique<BinaryExpr>();
      n->op = s.op;
      n->lhs = CloneOrNull(s.lhs);
      n->rhs = CloneOrNull(s.rhs);
      n->return_bool = s.return_bool;
      n->matching = s.matching;
      out = std::move(n);
      break;
    }
    case NodeKind::kUnary: {
      const auto& s = e.As<UnaryExpr>();
      auto n = std::make_unique<UnaryExpr>();
      n->op = s.op;
      n->expr = CloneOrNull(s.expr);
      out = std::move(n);
      break;
    }
    case NodeKind::kParen: {
      auto n = std::make_unique<ParenExpr>();
      n->expr = CloneOrNull(e.As<ParenExpr>().expr);
      out = std::move(n);
      break;
    }
    case NodeKind::kStepInvariant: {
      auto n = std::make_unique<StepInvariantExpr>();
      n->expr = CloneOrNull(e.As<StepInvariantExpr>().expr);
      out = std::move(n);
      break;
    }
  }
  out->pos = e.pos;
  return out;
}

absl::StatusOr<int64_t> DurationSecondsToMs(double seconds) {
  const double ms = seconds * 1000.0;
  if (!(ms < 9.2233720368547e15 && ms > -9.2233720368547e15)) {
    return absl::InvalidArgumentError("duration is out of range");
  }
  const double whole = std::round(ms);
  if (std::fabs(ms - whole) < 1e-6) return static_cast<int64_t>(whole);
  return static_cast<int64_t>(ms);
}

absl::StatusOr<int64_t> EvalDurationMs(const Expr& e, int64_t step_ms,
                                       int64_t range_ms) {
  VIGIL_ASSIGN_OR_RETURN(double s, EvalSeconds(e, step_ms, range_ms));
  return DurationSecondsToMs(s);
}

bool NeedsDurationResolution(const Expr& root) {
  switch (root.kind) {
    case NodeKind::kDuration:
      return UsesStepOrRange(root);
    case NodeKind::kVectorSelector: {
      const auto& v = root.As<VectorSelector>();
      return v.original_offset_expr && UsesStepOrRange(*v.original_offset_expr);
    }
    case NodeKind::kMatrixSelector: {
      const auto& m = root.As<MatrixSelector>();
      if (m.range_expr && UsesStepOrRange(*m.range_expr)) return true;
      break;
    }
    case NodeKind::kSubquery: {
      const auto& s = root.As<SubqueryExpr>();
      if ((s.range_expr && UsesStepOrRange(*s.range_expr)) ||
          (s.step_expr && UsesStepOrRange(*s.step_expr)) ||
          (s.original_offset_expr &&
           UsesStepOrRange(*s.original_offset_expr))) {
        return true;
      }
      break;
    }
    default:
      break;
  }
  for (const Expr* c : Children(root)) {
    if (NeedsDurationResolution(*c)) return true;
  }
  return false;
}

absl::Status ResolveDurations(Expr* root, int64_t step_ms, int64_t range_ms) {
  switch (root->kind) {
    case NodeKind::kVectorSelector: {
      auto& v = root->As<VectorSelector>();
      if (v.original_offset_expr) {
        VIGIL_ASSIGN_OR_RETURN(
            v.original_offset_ms,
            CalculateDuration(*v.original_offset_expr, true, step_ms,
                              range_ms));
        v.offset_ms = v.original_offset_ms;
      }
      break;
    }
    case NodeKind::kMatrixSelector: {
      auto& m = root->As<MatrixSelector>();
      if (m.range_expr) {
        VIGIL_ASSIGN_OR_RETURN(
            m.range_ms,
            CalculateDuration(*m.range_expr, false, step_ms, range_ms));
      }
      break;
    }
    case NodeKind::kSubquery: {
      auto& s = root->As<SubqueryExpr>();
      if (s.original_offset_expr) {
        VIGIL_ASSIGN_OR_RETURN(
            s.original_offset_ms,
            CalculateDuration(*s.original_offset_expr, true, step_ms,
                              range_ms));
        s.offset_ms = s.original_offset_ms;
      }
      if (s.step_expr) {
        VIGIL_ASSIGN_OR_RETURN(
            s.step_ms,
            CalculateDuration(*s.step_expr, false, step_ms, range_ms));
      }
      if (s.range_expr) {
        VIGIL_ASSIGN_OR_RETURN(
            s.range_ms,
            CalculateDuration(*s.range_expr, false, step_ms, range_ms));
      }
      break;
    }
    default:
      break;
  }
  for (Expr* c : Children(*root)) {
    VIGIL_RETURN_IF_ERROR(ResolveDurations(c, step_ms, range_ms));
  }
  return absl::OkStatus();
}

}  // namespace vigil::promql::parser
