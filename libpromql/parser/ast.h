// The abstract syntax tree of a PromQL expression, as produced by
// ParseExpr() (parser.h) and printed back by Format() (printer.h).
//
// Nodes are plain structs deriving from Expr; `kind` says which one, and
// `As<T>()` downcasts after checking it. Children are owned through
// std::unique_ptr, so the tree of a query is owned by its root. Positions
// are byte offsets into the parsed input (`[start, end)`), used for error
// messages ("1:14: parse error: ...").
//
// The shape follows Prometheus 3.x's promql/parser AST (ast.go): a matrix
// selector wraps a vector selector that carries offset and `@`; a binary
// expression carries vector matching only when both sides are instant
// vectors; the evaluator fills `offset_ms` (the effective offset) while
// `original_offset_ms` keeps what the query said.
//
// Experimental 3.x syntax is represented too: duration expressions
// (`[5m+1m]`, `offset (step()*2)`) as DurationExpr subtrees next to the
// resolved milliseconds, `anchored`/`smoothed` on selectors, and
// `fill()/fill_left()/fill_right()` values on vector matching.
//
// Thread safety: a tree is a plain value; concurrent reads are safe, any
// mutation (the engine rewriting offsets) needs exclusive access.

#ifndef VIGIL_LIBPROMQL_PARSER_AST_H_
#define VIGIL_LIBPROMQL_PARSER_AST_H_

#include <cassert>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "model/matcher.h"

namespace vigil::promql::parser {

// The type an expression evaluates to. Same enumerator order as
// vigil::promql::ValueType (libpromql/value.h), so a static_cast converts.
enum class ValueType { kNone, kScalar, kString, kVector, kMatrix };

// Prometheus's names, used in error messages: "scalar", "string",
// "instant vector", "range vector", "none".
absl::string_view ValueTypeName(ValueType t);

// Byte offsets [start, end) into the parsed input.
struct PosRange {
  int start = 0;
  int end = 0;
};

struct Function;  // function_table.h

enum class NodeKind {
  kNumberLiteral,
  kStringLiteral,
  kVectorSelector,
  kMatrixSelector,
  kSubquery,
  kCall,
  kAggregate,
  kBinary,
  kUnary,
  kParen,
  kStepInvariant,  // never produced by the parser; for engine rewrites
  kDuration,       // experimental duration arithmetic inside [] / offset
};

enum class BinaryOp {
  kAdd,     // +
  kSub,     // -
  kMul,     // *
  kDiv,     // /
  kMod,     // %
  kPow,     // ^   (right-associative)
  kAtan2,   // atan2
  kEql,     // ==
  kNeq,     // !=
  kGtr,     // >
  kLss,     // <
  kGte,     // >=
  kLte,     // <=
  kAnd,     // and
  kOr,      // or
  kUnless,  // unless
  // Native-histogram trim operators (3.x): bucket-wise cut of the
  // histogram above / below the scalar on the right.
  kTrimUpper,  // </
  kTrimLower,  // >/
};
absl::string_view BinaryOpString(BinaryOp op);  // "+", "atan2", "and", ...
bool IsComparisonOp(BinaryOp op);               // == != > < >= <=
bool IsSetOp(BinaryOp op);                      // and or unless

enum class AggregateOp {
  kSum,
  kAvg,
  kCount,
  kMin,
  kMax,
  kGroup,
  kStddev,
  kStdvar,
  kTopK,
  kBottomK,
  kCountValues,
  kQuantile,
  kLimitK,      // experimental
  kLimitRatio,  // experimental
};
absl::string_view AggregateOpString(AggregateOp op);  // "sum", "topk", ...
// topk, bottomk, count_values, quantile, limitk, limit_ratio.
bool AggregateOpHasParam(AggregateOp op);

enum class UnaryOp { kMinus, kPlus };

// How an `@` modifier was given.
enum class AtModifier {
  kNone,       // no @
  kTimestamp,  // @ <number>: `timestamp_ms` holds it
  kStart,      // @ start()
  kEnd,        // @ end()
};

enum class VectorMatchCardinality {
  kOneToOne,
  kManyToOne,   // group_left
  kOneToMany,   // group_right
  kManyToMany,  // set operators
};
// "one-to-one", "many-to-one", "one-to-many", "many-to-many".
absl::string_view CardinalityString(VectorMatchCardinality c);

struct Expr {
  explicit Expr(NodeKind k) : kind(k) {}
  virtual ~Expr() = default;
  Expr(const Expr&) = delete;
  Expr& operator=(const Expr&) = delete;

  // The type this expression evaluates to (Prometheus's Expr.Type()).
  virtual ValueType type() const = 0;

  template <typename T>
  const T& As() const {
    assert(kind == T::kKind);
    return static_cast<const T&>(*this);
  }
  template <typename T>
  T& As() {
    assert(kind == T::kKind);
    return static_cast<T&>(*this);
  }
  template <typename T>
  bool Is() const {
    return kind == T::kKind;
  }

  const NodeKind kind;
  PosRange pos;
};

using ExprPtr = std::unique_ptr<Expr>;

// 1, 0x1f, 1e3, Inf, NaN, and (3.x) durations where numbers are allowed.
struct NumberLiteral final : Expr {
  static constexpr NodeKind kKind = NodeKind::kNumberLiteral;
  NumberLiteral() : Expr(kKind) {}
  ValueType type() const override { return ValueType::kScalar; }

  double value = 0;
  // Written as a duration ("5m" is 300); the printer keeps that form.
  bool duration = false;
};

struct StringLiteral final : Expr {
  static constexpr NodeKind kKind = NodeKind::kStringLiteral;
  StringLiteral() : Expr(kKind) {}
  ValueType type() const override { return ValueType::kString; }

  std::string value;  // unescaped
};

// Experimental duration arithmetic (Prometheus's DurationExpr): appears only
// as VectorSelector::original_offset_expr, MatrixSelector::range_expr,
// SubqueryExpr::range_expr/step_expr/original_offset_expr. Leaves are
// NumberLiteral nodes (seconds; `duration` set when written as "5m").
struct DurationExpr final : Expr {
  static constexpr NodeKind kKind = NodeKind::kDuration;
  enum class Op {
    kAdd, kSub, kMul, kDiv, kMod, kPow,  // lhs op rhs
    kNeg,    // -rhs (lhs null)
    kStep,   // step()   (no operands)
    kRange,  // range()  (no operands)
    kMinOf,  // min_of(lhs, rhs)
    kMaxOf,  // max_of(lhs, rhs)
    kLiteral,  // wraps a NumberLiteral in lhs (only when `wrapped`)
  };
  DurationExpr() : Expr(kKind) {}
  ValueType type() const override { return ValueType::kScalar; }

  Op op = Op::kAdd;
  ExprPtr lhs;  // NumberLiteral or DurationExpr
  ExprPtr rhs;
  bool wrapped = false;  // written in parentheses
};

struct VectorSelector final : Expr {
  static constexpr NodeKind kKind = NodeKind::kVectorSelector;
  VectorSelector() : Expr(kKind) {}
  ValueType type() const override { return ValueType::kVector; }

  // The metric name as written before `{` or as a lone quoted name inside
  // braces; "" when only given by an explicit `__name__` matcher.
  std::string name;
  // All matchers, including the implicit `__name__="<name>"` one (which comes
  // last, as in Prometheus).
  std::vector<model::Matcher> matchers;

  // `offset` as written (negative allowed), in milliseconds.
  int64_t original_offset_ms = 0;
  // Set when the offset was a duration expression; original_offset_ms is
  // then its resolved value once known.
  std::unique_ptr<DurationExpr> original_offset_expr;
  // Effective offset; the parser sets it equal to original_offset_ms, the
  // engine may rewrite it (subqueries, @).
  int64_t offset_ms = 0;

  AtModifier at = AtModifier::kNone;
  std::optional<int64_t> timestamp_ms;  // for kTimestamp (ms since epoch)

  bool anchored = false;  // experimental extended range selectors
  bool smoothed = false;
  // Set for info()'s second argument, which may match only empty values.
  bool bypass_empty_matcher_check = false;
};

// <vector selector>[<range>]. Offset, @, anchored/smoothed live on the
// inner vector selector.
struct MatrixSelector final : Expr {
  static constexpr NodeKind kKind = NodeKind::kMatrixSelector;
  MatrixSelector() : Expr(kKind) {}
  ValueType type() const override { return ValueType::kMatrix; }

  std::unique_ptr<VectorSelector> vector_selector;
  int64_t range_ms = 0;
  std::unique_ptr<DurationExpr> range_expr;  // experimental, else null
};

// <expr>[<range>:<step>] with optional offset and @.
struct SubqueryExpr final : Expr {
  static constexpr NodeKind kKind = NodeKind::kSubquery;
  SubqueryExpr() : Expr(kKind) {}
  ValueType type() const override { return ValueType::kMatrix; }

  ExprPtr expr;
  int64_t range_ms = 0;
  std::unique_ptr<DurationExpr> range_expr;
  // 0 when omitted (`[5m:]`): the engine uses its default step.
  int64_t step_ms = 0;
  std::unique_ptr<DurationExpr> step_expr;

  int64_t original_offset_ms = 0;
  std::unique_ptr<DurationExpr> original_offset_expr;
  int64_t offset_ms = 0;  // effective, like VectorSelector::offset_ms

  AtModifier at = AtModifier::kNone;
  std::optional<int64_t> timestamp_ms;
};

struct Call final : Expr {
  static constexpr NodeKind kKind = NodeKind::kCall;
  Call() : Expr(kKind) {}
  ValueType type() const override;

  const Function* func = nullptr;  // never null in a parsed tree
  std::vector<ExprPtr> args;
};

// sum by (job) (x), topk(3, x), count_values without (a) ("v", x), ...
struct AggregateExpr final : Expr {
  static constexpr NodeKind kKind = NodeKind::kAggregate;
  AggregateExpr() : Expr(kKind) {}
  ValueType type() const override { return ValueType::kVector; }

  AggregateOp op = AggregateOp::kSum;
  ExprPtr expr;   // the vector aggregated over
  ExprPtr param;  // topk/bottomk/limitk k, quantile q, count_values label,
                  // limit_ratio ratio; null for the others
  std::vector<std::string> grouping;  // by/without labels, as written
  bool without = false;
};

struct VectorMatching {
  VectorMatchCardinality card = VectorMatchCardinality::kOneToOne;
  // on(...) / ignoring(...) labels.
  std::vector<std::string> matching_labels;
  bool on = false;  // on() rather than ignoring()
  // group_left(...) / group_right(...) extra labels.
  std::vector<std::string> include;
  // Experimental fill modifiers: value used for a missing left/right side.
  // fill(v) sets both.
  std::optional<double> fill_lhs;
  std::optional<double> fill_rhs;
};

struct BinaryExpr final : Expr {
  static constexpr NodeKind kKind = NodeKind::kBinary;
  BinaryExpr() : Expr(kKind) {}
  // Scalar when both sides are scalars, else instant vector.
  ValueType type() const override;

  BinaryOp op = BinaryOp::kAdd;
  ExprPtr lhs;
  ExprPtr rhs;
  bool return_bool = false;  // `bool` modifier on a comparison
  // Present iff both sides are instant vectors.
  std::optional<VectorMatching> matching;
};

// -x / +x on a non-literal (a literal absorbs its sign at parse time).
struct UnaryExpr final : Expr {
  static constexpr NodeKind kKind = NodeKind::kUnary;
  UnaryExpr() : Expr(kKind) {}
  ValueType type() const override { return expr->type(); }

  UnaryOp op = UnaryOp::kMinus;
  ExprPtr expr;
};

struct ParenExpr final : Expr {
  static constexpr NodeKind kKind = NodeKind::kParen;
  ParenExpr() : Expr(kKind) {}
  ValueType type() const override { return expr->type(); }

  ExprPtr expr;
};

// Marks a subtree whose result is the same at every step (engine
// optimisation; the parser never produces it).
struct StepInvariantExpr final : Expr {
  static constexpr NodeKind kKind = NodeKind::kStepInvariant;
  StepInvariantExpr() : Expr(kKind) {}
  ValueType type() const override { return expr->type(); }

  ExprPtr expr;
};

// The direct children of `e` in evaluation order (for a matrix selector its
// vector selector; for an aggregation the param, if any, comes after expr as
// in Prometheus's Children()). Duration expressions are not listed.
std::vector<Expr*> Children(Expr& e);
std::vector<const Expr*> Children(const Expr& e);

// A deep copy of `e` (matchers share their compiled regexes).
ExprPtr Clone(const Expr& e);

// Seconds as a duration in milliseconds, truncated toward zero like Go's
// time.Duration(v * 1000). A product within 1e-6 of a whole millisecond is
// taken as that millisecond, so `1001ms` (1.001 s in a double) stays 1001.
// Returns InvalidArgument ("duration is out of range") beyond int64.
absl::StatusOr<int64_t> DurationSecondsToMs(double seconds);

// Evaluates a duration expression to milliseconds. `step_ms` and `range_ms`
// are the values of step() and range() (query step; end - start).
// Returns InvalidArgument for division by zero or a result out of range.
absl::StatusOr<int64_t> EvalDurationMs(const Expr& e, int64_t step_ms,
                                       int64_t range_ms);

// Whether the tree contains a duration expression using step() or range(),
// i.e. whether ResolveDurations() must run before evaluation.
bool NeedsDurationResolution(const Expr& root);

// Computes range_ms / step_ms / original_offset_ms (and offset_ms) of every
// node carrying a duration expression, for a query with the given step and
// range. Returns InvalidArgument with Prometheus's message when a range or
// step is not positive.
absl::Status ResolveDurations(Expr* root, int64_t step_ms, int64_t range_ms);

}  // namespace vigil::promql::parser

#endif  // VIGIL_LIBPROMQL_PARSER_AST_H_
