#include "examples/server/promql_ast_json.h"

#include "examples/server/json_writer.h"
#include "libpromql/parser/function_table.h"
#include "libpromql/parser/parser.h"

namespace vigil::server {
namespace {

using promql::parser::AggregateExpr;
using promql::parser::AtModifier;
using promql::parser::BinaryExpr;
using promql::parser::Call;
using promql::parser::DurationExpr;
using promql::parser::Expr;
using promql::parser::MatrixSelector;
using promql::parser::NumberLiteral;
using promql::parser::ParenExpr;
using promql::parser::StepInvariantExpr;
using promql::parser::StringLiteral;
using promql::parser::SubqueryExpr;
using promql::parser::UnaryExpr;
using promql::parser::ValueType;
using promql::parser::VectorSelector;

// Go's parser.ValueType strings.
absl::string_view TypeString(ValueType t) {
  switch (t) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kString:
      return "string";
    case ValueType::kVector:
      return "vector";
    case ValueType::kMatrix:
      return "matrix";
    case ValueType::kNone:
      break;
  }
  return "none";
}

absl::string_view DurationOpString(DurationExpr::Op op) {
  switch (op) {
    case DurationExpr::Op::kAdd:
      return "+";
    case DurationExpr::Op::kSub:
    case DurationExpr::Op::kNeg:
      return "-";
    case DurationExpr::Op::kMul:
      return "*";
    case DurationExpr::Op::kDiv:
      return "/";
    case DurationExpr::Op::kMod:
      return "%";
    case DurationExpr::Op::kPow:
      return "^";
    case DurationExpr::Op::kStep:
      return "step";
    case DurationExpr::Op::kRange:
      return "range";
    case DurationExpr::Op::kMinOf:
      return "min_of";
    case DurationExpr::Op::kMaxOf:
      return "max_of";
    case DurationExpr::Op::kLiteral:
      break;
  }
  return "";
}

class Translator {
 public:
  std::string Take() { return w_.Take(); }

  void Node(const Expr* e) {
    if (e == nullptr) return w_.Null();
    switch (e->kind) {
      case promql::parser::NodeKind::kAggregate:
        return Aggregate(e->As<AggregateExpr>());
      case promql::parser::NodeKind::kBinary:
        return Binary(e->As<BinaryExpr>());
      case promql::parser::NodeKind::kCall:
        return CallNode(e->As<Call>());
      case promql::parser::NodeKind::kMatrixSelector:
        return Matrix(e->As<MatrixSelector>());
      case promql::parser::NodeKind::kSubquery:
        return Subquery(e->As<SubqueryExpr>());
      case promql::parser::NodeKind::kDuration:
        return Duration(e);
      case promql::parser::NodeKind::kNumberLiteral:
        w_.BeginObject();
        Field("type", "numberLiteral");
        Field("val", FormatFloatFixed(e->As<NumberLiteral>().value));
        return w_.EndObject();
      case promql::parser::NodeKind::kParen:
        w_.BeginObject();
        w_.Key("expr");
        Node(e->As<ParenExpr>().expr.get());
        Field("type", "parenExpr");
        return w_.EndObject();
      case promql::parser::NodeKind::kStringLiteral:
        w_.BeginObject();
        Field("type", "stringLiteral");
        Field("val", e->As<StringLiteral>().value);
        return w_.EndObject();
      case promql::parser::NodeKind::kUnary: {
        const UnaryExpr& u = e->As<UnaryExpr>();
        w_.BeginObject();
        w_.Key("expr");
        Node(u.expr.get());
        Field("op", u.op == promql::parser::UnaryOp::kMinus ? "-" : "+");
        Field("type", "unaryExpr");
        return w_.EndObject();
      }
      case promql::parser::NodeKind::kVectorSelector:
        return Vector(e->As<VectorSelector>(), nullptr);
      case promql::parser::NodeKind::kStepInvariant:
        // An engine rewrite, never parsed: show what it wraps.
        return Node(e->As<StepInvariantExpr>().expr.get());
    }
  }

 private:
  void Field(absl::string_view key, absl::string_view value) {
    w_.Key(key);
    w_.String(value);
  }
  void List(absl::string_view key, const std::vector<std::string>& v) {
    w_.Key(key);
    w_.StringArray(v);
  }
  void OptionalInt(absl::string_view key, const std::optional<int64_t>& v) {
    w_.Key(key);
    if (v.has_value()) {
      w_.Int(*v);
    } else {
      w_.Null();
    }
  }
  void StartOrEnd(AtModifier at) {
    w_.Key("startOrEnd");
    if (at == AtModifier::kStart) {
      w_.String("start");
    } else if (at == AtModifier::kEnd) {
      w_.String("end");
    } else {
      w_.Null();
    }
  }
  std::optional<int64_t> Timestamp(AtModifier at, const std::optional<int64_t>& ts) {
    if (at != AtModifier::kTimestamp) return std::nullopt;
    return ts;
  }

  // translateDurationExpr: number literals carry "duration"; a number in
  // parentheses is the number itself, as Prometheus's parser keeps it.
  void Duration(const Expr* e) {
    if (e == nullptr) return w_.Null();
    if (e->Is<NumberLiteral>()) {
      const NumberLiteral& n = e->As<NumberLiteral>();
      w_.BeginObject();
      w_.Key("duration");
      w_.Bool(n.duration);
      Field("type", "numberLiteral");
      Field("val", FormatFloatFixed(n.value));
      return w_.EndObject();
    }
    if (!e->Is<DurationExpr>()) return Node(e);
    const DurationExpr& d = e->As<DurationExpr>();
    if (d.op == DurationExpr::Op::kLiteral) return Duration(d.lhs.get());
    w_.BeginObject();
    w_.Key("lhs");
    Duration(d.lhs.get());
    Field("op", DurationOpString(d.op));
    w_.Key("rhs");
    Duration(d.rhs.get());
    Field("type", "durationExpr");
    w_.Key("wrapped");
    w_.Bool(d.wrapped);
    w_.EndObject();
  }

  void Matchers(const std::vector<model::Matcher>& ms) {
    w_.Key("matchers");
    w_.BeginArray();
    for (const model::Matcher& m : ms) {
      w_.BeginObject();
      Field("name", m.name());
      Field("type", model::MatchTypeString(m.type()));
      Field("value", m.value());
      w_.EndObject();
    }
    w_.EndArray();
  }

  // A vector selector, or the matrix selector `ms` around it.
  void Vector(const VectorSelector& vs, const MatrixSelector* ms) {
    w_.BeginObject();
    w_.Key("anchored");
    w_.Bool(vs.anchored);
    Matchers(vs.matchers);
    Field("name", vs.name);
    w_.Key("offset");
    w_.Int(vs.original_offset_ms);
    w_.Key("offsetExpr");
    Duration(vs.original_offset_expr.get());
    if (ms != nullptr) {
      w_.Key("range");
      w_.Int(ms->range_ms);
      w_.Key("rangeExpr");
      Duration(ms->range_expr.get());
    }
    w_.Key("smoothed");
    w_.Bool(vs.smoothed);
    StartOrEnd(vs.at);
    OptionalInt("timestamp", Timestamp(vs.at, vs.timestamp_ms));
    Field("type", ms != nullptr ? "matrixSelector" : "vectorSelector");
    w_.EndObject();
  }

  void Matrix(const MatrixSelector& ms) { Vector(*ms.vector_selector, &ms); }

  void Subquery(const SubqueryExpr& sq) {
    w_.BeginObject();
    w_.Key("expr");
    Node(sq.expr.get());
    w_.Key("offset");
    w_.Int(sq.original_offset_ms);
    w_.Key("offsetExpr");
    Duration(sq.original_offset_expr.get());
    w_.Key("range");
    w_.Int(sq.range_ms);
    w_.Key("rangeExpr");
    Duration(sq.range_expr.get());
    StartOrEnd(sq.at);
    w_.Key("step");
    w_.Int(sq.step_ms);
    w_.Key("stepExpr");
    Duration(sq.step_expr.get());
    OptionalInt("timestamp", Timestamp(sq.at, sq.timestamp_ms));
    Field("type", "subquery");
    w_.EndObject();
  }

  void CallNode(const Call& c) {
    w_.BeginObject();
    w_.Key("args");
    w_.BeginArray();
    for (const auto& a : c.args) Node(a.get());
    w_.EndArray();
    w_.Key("func");
    w_.BeginObject();
    w_.Key("argTypes");
    w_.BeginArray();
    for (ValueType t : c.func->arg_types) w_.String(TypeString(t));
    w_.EndArray();
    Field("name", c.func->name);
    Field("returnType", TypeString(c.func->return_type));
    w_.Key("variadic");
    w_.Int(c.func->variadic);
    w_.EndObject();
    Field("type", "call");
    w_.EndObject();
  }

  void Aggregate(const AggregateExpr& a) {
    w_.BeginObject();
    w_.Key("expr");
    Node(a.expr.get());
    List("grouping", a.grouping);
    Field("op", promql::parser::AggregateOpString(a.op));
    w_.Key("param");
    Node(a.param.get());
    Field("type", "aggregation");
    w_.Key("without");
    w_.Bool(a.without);
    w_.EndObject();
  }

  void Fill(absl::string_view key, const std::optional<double>& v) {
    w_.Key(key);
    if (v.has_value()) {
      w_.Raw(FormatJsonNumber(*v));
    } else {
      w_.Null();
    }
  }

  void Binary(const BinaryExpr& b) {
    w_.BeginObject();
    w_.Key("bool");
    w_.Bool(b.return_bool);
    w_.Key("lhs");
    Node(b.lhs.get());
    w_.Key("matching");
    if (b.matching.has_value()) {
      const promql::parser::VectorMatching& m = *b.matching;
      w_.BeginObject();
      Field("card", promql::parser::CardinalityString(m.card));
      w_.Key("fillValues");
      w_.BeginObject();
      Fill("lhs", m.fill_lhs);
      Fill("rhs", m.fill_rhs);
      w_.EndObject();
      List("include", m.include);
      List("labels", m.matching_labels);
      w_.Key("on");
      w_.Bool(m.on);
      w_.EndObject();
    } else {
      w_.Null();
    }
    Field("op", promql::parser::BinaryOpString(b.op));
    w_.Key("rhs");
    Node(b.rhs.get());
    Field("type", "binaryExpr");
    w_.EndObject();
  }

  JsonWriter w_;
};

}  // namespace

std::string PromqlAstJson(const Expr& expr) {
  Translator t;
  t.Node(&expr);
  return t.Take();
}

absl::StatusOr<std::string> ParseQueryJson(absl::string_view query) {
  absl::StatusOr<std::unique_ptr<Expr>> e = promql::parser::ParseExpr(query);
  if (!e.ok()) return e.status();
  return PromqlAstJson(**e);
}

}  // namespace vigil::server
