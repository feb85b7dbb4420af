#include "libpromql/parser/parser.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libpromql/parser/function_table.h"
#include "libpromql/parser/internal/parse_util.h"
#include "libpromql/parser/lexer.h"
#include "model/duration.h"
#include "model/status_macros.h"

namespace vigil::promql::parser {
namespace {

constexpr int kPowPrec = 6;

// Bounds that keep hostile input from exhausting the stack: the depth of the
// syntax tree (operator chains, subqueries, nesting; walked recursively by
// the type checker, printer and evaluator), and the recursion of the parser
// itself (nested parentheses, calls, unary operators), whose frames are
// larger.
constexpr int kMaxDepth = 1000;
constexpr int kMaxNesting = 256;

// Binary operator precedence (Prometheus's %left/%right list), 0 if `t` is
// not a binary operator.
int BinaryPrecedence(TokenType t, BinaryOp* op) {
  switch (t) {
    case TokenType::kLor:
      *op = BinaryOp::kOr;
      return 1;
    case TokenType::kLand:
      *op = BinaryOp::kAnd;
      return 2;
    case TokenType::kLunless:
      *op = BinaryOp::kUnless;
      return 2;
    case TokenType::kEqlc:
      *op = BinaryOp::kEql;
      return 3;
    case TokenType::kNeq:
      *op = BinaryOp::kNeq;
      return 3;
    case TokenType::kGtr:
      *op = BinaryOp::kGtr;
      return 3;
    case TokenType::kLss:
      *op = BinaryOp::kLss;
      return 3;
    case TokenType::kGte:
      *op = BinaryOp::kGte;
      return 3;
    case TokenType::kLte:
      *op = BinaryOp::kLte;
      return 3;
    case TokenType::kAdd:
      *op = BinaryOp::kAdd;
      return 4;
    case TokenType::kSub:
      *op = BinaryOp::kSub;
      return 4;
    case TokenType::kMul:
      *op = BinaryOp::kMul;
      return 5;
    case TokenType::kDiv:
      *op = BinaryOp::kDiv;
      return 5;
    case TokenType::kMod:
      *op = BinaryOp::kMod;
      return 5;
    case TokenType::kAtan2:
      *op = BinaryOp::kAtan2;
      return 5;
    case TokenType::kTrimUpper:
      *op = BinaryOp::kTrimUpper;
      return 5;
    case TokenType::kTrimLower:
      *op = BinaryOp::kTrimLower;
      return 5;
    case TokenType::kPow:
      *op = BinaryOp::kPow;
      return 6;
    default:
      return 0;
  }
}

bool AggregateOpFor(TokenType t, AggregateOp* op) {
  switch (t) {
    case TokenType::kSum:
      *op = AggregateOp::kSum;
      return true;
    case TokenType::kAvg:
      *op = AggregateOp::kAvg;
      return true;
    case TokenType::kCount:
      *op = AggregateOp::kCount;
      return true;
    case TokenType::kMin:
      *op = AggregateOp::kMin;
      return true;
    case TokenType::kMax:
      *op = AggregateOp::kMax;
      return true;
    case TokenType::kGroup:
      *op = AggregateOp::kGroup;
      return true;
    case TokenType::kStddev:
      *op = AggregateOp::kStddev;
      return true;
    case TokenType::kStdvar:
      *op = AggregateOp::kStdvar;
      return true;
    case TokenType::kTopK:
      *op = AggregateOp::kTopK;
      return true;
    case TokenType::kBottomK:
      *op = AggregateOp::kBottomK;
      return true;
    case TokenType::kCountValues:
      *op = AggregateOp::kCountValues;
      return true;
    case TokenType::kQuantile:
      *op = AggregateOp::kQuantile;
      return true;
    case TokenType::kLimitK:
      *op = AggregateOp::kLimitK;
      return true;
    case TokenType::kLimitRatio:
      *op = AggregateOp::kLimitRatio;
      return true;
    default:
      return false;
  }
}

// Tokens Prometheus's grammar accepts as a metric name (metric_identifier).
bool IsMetricIdentifierToken(TokenType t) {
  switch (t) {
    case TokenType::kIdentifier:
    case TokenType::kMetricIdentifier:
    case TokenType::kBy:
    case TokenType::kWithout:
    case TokenType::kLand:
    case TokenType::kLor:
    case TokenType::kLunless:
    case TokenType::kOffset:
    case TokenType::kStart:
    case TokenType::kEnd:
      return true;
    default:
      return IsAggregatorToken(t);
  }
}

// Tokens accepted as a label name in grouping lists (maybe_label).
bool IsLabelToken(TokenType t) {
  return IsMetricIdentifierToken(t) || IsKeywordToken(t) ||
         t == TokenType::kAtan2;
}

bool IsMatchOp(TokenType t, model::MatchType* mt) {
  switch (t) {
    case TokenType::kEql:
      *mt = model::MatchType::kEqual;
      return true;
    case TokenType::kNeq:
      *mt = model::MatchType::kNotEqual;
      return true;
    case TokenType::kEqlRegex:
      *mt = model::MatchType::kRegexMatch;
      return true;
    case TokenType::kNeqRegex:
      *mt = model::MatchType::kRegexNoMatch;
      return true;
    default:
      return false;
  }
}

// Prometheus's raw ValueType names ("vector", "matrix"), used by a few
// messages instead of the documented ones.
absl::string_view RawTypeName(ValueType t) {
  switch (t) {
    case ValueType::kVector:
      return "vector";
    case ValueType::kMatrix:
      return "matrix";
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kString:
      return "string";
    case ValueType::kNone:
      return "none";
  }
  return "none";
}

// A duration operand inside [...] or after `offset`: a literal (expr null)
// or an experimental duration expression.
struct DurationArg {
  int64_t ms = 0;
  std::unique_ptr<DurationExpr> expr;
};

class Parser {
 public:
  Parser(absl::string_view input, const ParseOptions& options)
      : input_(input), lexer_(input), options_(options) {}

  absl::StatusOr<ExprPtr> ParseTop() {
    if (Peek().type == TokenType::kEOF) {
      return ErrorAt(0, "no expression found in input");
    }
    VIGIL_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr(0));
    if (Peek().type != TokenType::kEOF) return Unexpected("", "");
    VIGIL_RETURN_IF_ERROR(Check(e.get()));
    return e;
  }

  absl::StatusOr<std::unique_ptr<VectorSelector>> ParseSelectorTop() {
    const Token t = Peek();
    ExprPtr e;
    if (t.type == TokenType::kLeftBrace) {
      VIGIL_ASSIGN_OR_RETURN(e, ParseVectorSelector(nullptr));
    } else if (IsMetricIdentifierToken(t.type)) {
      Token name = Consume();
      VIGIL_ASSIGN_OR_RETURN(e, ParseVectorSelector(&name));
    } else {
      return Unexpected("", "");
    }
    if (Peek().type != TokenType::kEOF) return Unexpected("", "");
    VIGIL_RETURN_IF_ERROR(Check(e.get()));
    return std::unique_ptr<VectorSelector>(
        static_cast<VectorSelector*>(e.release()));
  }

 private:
  // ---- tokens ----
  // Lookahead of up to two tokens, comments skipped.
  const Token& PeekAt(int i) {
    while (buffered_ <= i) {
      Token t = lexer_.Next();
      if (t.type == TokenType::kComment) continue;
      buffer_[buffered_++] = t;
    }
    return buffer_[i];
  }
  const Token& Peek() { return buffered_ > 0 ? buffer_[0] : PeekAt(0); }
  Token Consume() {
    Token t = Peek();
    buffer_[0] = buffer_[1];
    --buffered_;
    last_end_ = t.end();
    return t;
  }

  // Counts tree levels opened by the current parse path; levels are given
  // back when the scope ends.
  class DepthScope {
   public:
    explicit DepthScope(Parser* p) : p_(p) {}
    ~DepthScope() { p_->depth_ -= added_; }
    absl::Status Add() {
      ++added_;
      if (++p_->depth_ > kMaxDepth) {
        return p_->ErrorAt(p_->Peek().pos,
                           absl::StrCat("expression nesting too deep: more "
                                        "than ",
                                        kMaxDepth, " levels"));
      }
      return absl::OkStatus();
    }

   private:
    Parser* p_;
    int added_ = 0;
  };

  class NestingScope {
   public:
    explicit NestingScope(Parser* p) : p_(p) {}
    ~NestingScope() { p_->nesting_ -= entered_; }
    absl::Status Enter() {
      entered_ = 1;
      if (++p_->nesting_ > kMaxNesting) {
        return p_->ErrorAt(p_->Peek().pos,
                           absl::StrCat("expression nesting too deep: more "
                                        "than ",
                                        kMaxNesting, " levels"));
      }
      return absl::OkStatus();
    }

   private:
    Parser* p_;
    int entered_ = 0;
  };

  // ---- errors ----
  absl::Status ErrorAt(int pos, absl::string_view msg) {
    return absl::InvalidArgumentError(
        absl::StrCat(internal::PositionString(input_, pos),
                     ": parse error: ", msg));
  }

  // Prometheus's p.unexpected(): names the current token. A lexer error is
  // reported as itself.
  absl::Status Unexpected(absl::string_view context,
                          absl::string_view expected) {
    const Token& t = Peek();
    if (t.type == TokenType::kError) return ErrorAt(t.pos, t.value);
    if (context.empty() && aggregation_depth_ > 0) context = "aggregation";
    std::string msg = absl::StrCat("unexpected ", TokenDescription(t));
    if (!context.empty()) absl::StrAppend(&msg, " in ", context);
    if (!expected.empty()) absl::StrAppend(&msg, ", expected ", expected);
    return ErrorAt(t.pos, msg);
  }

  // ---- literals ----
  absl::StatusOr<std::unique_ptr<NumberLiteral>> NumberFromToken(
      const Token& t) {
    auto n = std::make_unique<NumberLiteral>();
    n->pos = {t.pos, t.end()};
    if (t.type == TokenType::kNumber) {
      absl::StatusOr<double> v = internal::ParseNumber(t.value);
      if (!v.ok()) return ErrorAt(t.pos, v.status().message());
      n->value = *v;
    } else {
      absl::StatusOr<int64_t> ms = model::ParseDurationMs(t.value);
      if (!ms.ok()) return ErrorAt(t.pos, ms.status().message());
      n->value = static_cast<double>(*ms) / 1000.0;
      n->duration = true;
    }
    return n;
  }

  absl::StatusOr<std::string> StringFromToken(const Token& t) {
    absl::StatusOr<std::string> s = internal::Unquote(t.value);
    if (!s.ok()) {
      return ErrorAt(t.pos, absl::StrCat("error unquoting string ",
                                         GoQuote(t.value), ": ",
                                         s.status().message()));
    }
    return s;
  }

  // ---- expressions ----
  absl::StatusOr<ExprPtr> ParseExpr(int min_prec) {
    DepthScope depth(this);
    VIGIL_RETURN_IF_ERROR(depth.Add());
    NestingScope nesting(this);
    VIGIL_RETURN_IF_ERROR(nesting.Enter());
    VIGIL_ASSIGN_OR_RETURN(ExprPtr lhs, ParseUnary());
    for (;;) {
      BinaryOp op;
      const int prec = BinaryPrecedence(Peek().type, &op);
      if (prec == 0 || prec < min_prec) break;
      VIGIL_RETURN_IF_ERROR(depth.Add());
      Consume();
      auto b = std::make_unique<BinaryExpr>();
      b->op = op;
      VIGIL_RETURN_IF_ERROR(ParseBinaryModifiers(b.get()));
      VIGIL_ASSIGN_OR_RETURN(
          ExprPtr rhs, ParseExpr(op == BinaryOp::kPow ? prec : prec + 1));
      b->pos = {lhs->pos.start, rhs->pos.end};
      b->lhs = std::move(lhs);
      b->rhs = std::move(rhs);
      lhs = std::move(b);
    }
    return lhs;
  }

  absl::StatusOr<ExprPtr> ParseUnary() {
    const Token t = Peek();
    if (t.type != TokenType::kAdd && t.type != TokenType::kSub) {
      VIGIL_ASSIGN_OR_RETURN(ExprPtr e, ParsePrimary());
      VIGIL_RETURN_IF_ERROR(ParsePostfix(&e));
      return e;
    }
    Consume();
    // Unary operators bind like '*': only '^' and postfix modifiers bind
    // tighter.
    VIGIL_ASSIGN_OR_RETURN(ExprPtr operand, ParseExpr(kPowPrec));
    if (operand->Is<NumberLiteral>()) {
      if (t.type == TokenType::kSub) {
        operand->As<NumberLiteral>().value *= -1;
      }
      operand->pos.start = t.pos;
      return operand;
    }
    auto u = std::make_unique<UnaryExpr>();
    u->op = t.type == TokenType::kSub ? UnaryOp::kMinus : UnaryOp::kPlus;
    u->pos = {t.pos, operand->pos.end};
    u->expr = std::move(operand);
    return ExprPtr(std::move(u));
  }

  absl::StatusOr<ExprPtr> ParsePrimary() {
    const Token t = Peek();
    switch (t.type) {
      case TokenType::kNumber:
      case TokenType::kDuration: {
        Consume();
        VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<NumberLiteral> n,
                               NumberFromToken(t));
        return ExprPtr(std::move(n));
      }
      case TokenType::kString: {
        Consume();
        auto s = std::make_unique<StringLiteral>();
        VIGIL_ASSIGN_OR_RETURN(s->value, StringFromToken(t));
        s->pos = {t.pos, t.end()};
        return ExprPtr(std::move(s));
      }
      case TokenType::kLeftParen: {
        Consume();
        VIGIL_ASSIGN_OR_RETURN(ExprPtr inner, ParseExpr(0));
        if (Peek().type != TokenType::kRightParen) return Unexpected("", "");
        Token close = Consume();
        auto p = std::make_unique<ParenExpr>();
        p->pos = {t.pos, close.end()};
        p->expr = std::move(inner);
        return ExprPtr(std::move(p));
      }
      case TokenType::kLeftBrace:
        return ParseVectorSelector(nullptr);
      default:
        break;
    }
    const TokenType next = PeekAt(1).type;
    AggregateOp agg;
    if (AggregateOpFor(t.type, &agg) &&
        (next == TokenType::kLeftParen || next == TokenType::kBy ||
         next == TokenType::kWithout)) {
      return ParseAggregate(agg);
    }
    if ((t.type == TokenType::kIdentifier || t.type == TokenType::kStart ||
         t.type == TokenType::kEnd) &&
        next == TokenType::kLeftParen) {
      return ParseCall();
    }
    if (IsMetricIdentifierToken(t.type)) {
      Token name = Consume();
      return ParseVectorSelector(&name);
    }
    return Unexpected("", "");
  }

  // `name` is the metric name token already consumed, or null for `{...}`.
  absl::StatusOr<ExprPtr> ParseVectorSelector(const Token* name) {
    auto vs = std::make_unique<VectorSelector>();
    if (name != nullptr) {
      vs->pos = {name->pos, name->end()};
      vs->name = std::string(name->value);
    }
    if (Peek().type == TokenType::kLeftBrace) {
      Token open = Consume();
      if (name == nullptr) vs->pos.start = open.pos;
      VIGIL_RETURN_IF_ERROR(ParseLabelMatchers(&vs->matchers));
      vs->pos.end = last_end_;
    }
    if (name != nullptr) {
      vs->matchers.push_back(model::Matcher::Equal("__name__", vs->name));
    }
    return ExprPtr(std::move(vs));
  }

  // After '{': matchers up to and including '}'.
  absl::Status ParseLabelMatchers(std::vector<model::Matcher>* out) {
    for (;;) {
      Token t = Peek();
      if (t.type == TokenType::kRightBrace) {
        Consume();
        return absl::OkStatus();
      }
      model::MatchType mt;
      if (t.type == TokenType::kIdentifier || t.type == TokenType::kString) {
        Consume();
        std::string label;
        if (t.type == TokenType::kString) {
          VIGIL_ASSIGN_OR_RETURN(label, StringFromToken(t));
        } else {
          label = std::string(t.value);
        }
        if (!IsMatchOp(Peek().type, &mt)) {
          if (t.type == TokenType::kString) {
            // A lone quoted string is the metric name.
            out->push_back(model::Matcher::Equal("__name__", label));
          } else {
            return Unexpected("label matching", "label matching operator");
          }
        } else {
          Consume();
          Token v = Peek();
          if (v.type != TokenType::kString) {
            return Unexpected("label matching", "string");
          }
          Consume();
          VIGIL_ASSIGN_OR_RETURN(std::string value, StringFromToken(v));
          absl::StatusOr<model::Matcher> m =
              model::Matcher::Create(mt, label, value);
          if (!m.ok()) return ErrorAt(t.pos, m.status().message());
          out->push_back(*std::move(m));
        }
      } else {
        return Unexpected("label matching", "identifier or \"}\"");
      }
      t = Peek();
      if (t.type == TokenType::kComma) {
        Consume();
        continue;
      }
      if (t.type == TokenType::kRightBrace) continue;
      return Unexpected("label matching", "\",\" or \"}\"");
    }
  }

  absl::StatusOr<std::vector<ExprPtr>> ParseCallBody() {
    std::vector<ExprPtr> args;
    if (Peek().type != TokenType::kLeftParen) return Unexpected("", "");
    Consume();
    if (Peek().type == TokenType::kRightParen) {
      Consume();
      return args;
    }
    for (;;) {
      VIGIL_ASSIGN_OR_RETURN(ExprPtr a, ParseExpr(0));
      args.push_back(std::move(a));
      const Token t = Peek();
      if (t.type == TokenType::kComma) {
        Consume();
        if (Peek().type == TokenType::kRightParen) {
          return ErrorAt(t.pos,
                         "trailing commas not allowed in function call args");
        }
        continue;
      }
      if (t.type == TokenType::kRightParen) {
        Consume();
        return args;
      }
      return Unexpected("", "");
    }
  }

  absl::StatusOr<ExprPtr> ParseCall() {
    const Token name = Consume();
    VIGIL_ASSIGN_OR_RETURN(std::vector<ExprPtr> args, ParseCallBody());
    std::string fname = std::string(name.value);
    if (name.type != TokenType::kIdentifier) {
      fname = absl::AsciiStrToLower(fname);  // start / end keywords
    }
    const Function* f = LookupFunction(fname);
    if (f == nullptr) {
      return ErrorAt(name.pos, absl::StrCat("unknown function with name ",
                                            GoQuote(name.value)));
    }
    if (f->experimental && !options_.enable_experimental_functions) {
      return ErrorAt(name.pos, absl::StrCat("function ", GoQuote(name.value),
                                            " is not enabled"));
    }
    auto c = std::make_unique<Call>();
    c->func = f;
    c->args = std::move(args);
    c->pos = {name.pos, last_end_};
    return ExprPtr(std::move(c));
  }

  absl::StatusOr<ExprPtr> ParseAggregate(AggregateOp op) {
    const Token op_tok = Consume();
    auto a = std::make_unique<AggregateExpr>();
    a->op = op;
    bool have_modifier = false;
    if (Peek().type == TokenType::kBy || Peek().type == TokenType::kWithout) {
      a->without = Consume().type == TokenType::kWithout;
      VIGIL_ASSIGN_OR_RETURN(a->grouping, ParseGroupingLabels());
      have_modifier = true;
    }
    if (Peek().type != TokenType::kLeftParen) {
      return Unexpected("aggregation", "");
    }
    ++aggregation_depth_;
    absl::StatusOr<std::vector<ExprPtr>> args = ParseCallBody();
    --aggregation_depth_;
    if (!args.ok()) return args.status();
    if (!have_modifier &&
        (Peek().type == TokenType::kBy || Peek().type == TokenType::kWithout)) {
      a->without = Consume().type == TokenType::kWithout;
      VIGIL_ASSIGN_OR_RETURN(a->grouping, ParseGroupingLabels());
    }
    a->pos = {op_tok.pos, last_end_};
    if (args->empty()) {
      return ErrorAt(op_tok.pos,
                     "no arguments for aggregate expression provided");
    }
    size_t desired = 1;
    if (AggregateOpHasParam(op)) {
      if (!options_.enable_experimental_functions &&
          (op == AggregateOp::kLimitK || op == AggregateOp::kLimitRatio)) {
        return ErrorAt(op_tok.pos,
                       "limitk() and limit_ratio() are experimental and must "
                       "be enabled with "
                       "--enable-feature=promql-experimental-functions");
      }
      desired = 2;
    }
    if (args->size() != desired) {
      return ErrorAt(op_tok.pos,
                     absl::StrFormat("wrong number of arguments for aggregate "
                                     "expression provided, expected %d, got %d",
                                     desired, args->size()));
    }
    if (desired == 2) a->param = std::move((*args)[0]);
    a->expr = std::move((*args)[desired - 1]);
    return ExprPtr(std::move(a));
  }

  // `( label, ... )` after by/without/on/ignoring/group_x.
  absl::StatusOr<std::vector<std::string>> ParseGroupingLabels() {
    std::vector<std::string> labels;
    if (Peek().type != TokenType::kLeftParen) {
      return Unexpected("grouping opts", "\"(\"");
    }
    Consume();
    if (Peek().type == TokenType::kRightParen) {
      Consume();
      return labels;
    }
    for (;;) {
      const Token t = Peek();
      if (t.type == TokenType::kString) {
        Consume();
        VIGIL_ASSIGN_OR_RETURN(std::string l, StringFromToken(t));
        labels.push_back(std::move(l));
      } else if (IsLabelToken(t.type)) {
        Consume();
        labels.emplace_back(t.value);
      } else {
        return Unexpected("grouping opts", "label");
      }
      const Token sep = Peek();
      if (sep.type == TokenType::kComma) {
        Consume();
        if (Peek().type == TokenType::kRightParen) {
          Consume();
          return labels;
        }
        continue;
      }
      if (sep.type == TokenType::kRightParen) {
        Consume();
        return labels;
      }
      return Unexpected("grouping opts", "\",\" or \")\"");
    }
  }

  bool PeekIsFillModifier() {
    const Token& t = Peek();
    if (t.type != TokenType::kIdentifier) return false;
    if (t.value != "fill" && t.value != "fill_left" && t.value != "fill_right") {
      return false;
    }
    return PeekAt(1).type == TokenType::kLeftParen;
  }

  absl::Status ParseBinaryModifiers(BinaryExpr* b) {
    VectorMatching m;
    if (Peek().type == TokenType::kBool) {
      Consume();
      b->return_bool = true;
    }
    const TokenType t = Peek().type;
    if (t == TokenType::kOn || t == TokenType::kIgnoring) {
      Consume();
      m.on = t == TokenType::kOn;
      VIGIL_ASSIGN_OR_RETURN(m.matching_labels, ParseGroupingLabels());
      const TokenType g = Peek().type;
      if (g == TokenType::kGroupLeft || g == TokenType::kGroupRight) {
        Consume();
        m.card = g == TokenType::kGroupLeft
                     ? VectorMatchCardinality::kManyToOne
                     : VectorMatchCardinality::kOneToMany;
        if (Peek().type == TokenType::kLeftParen) {
          VIGIL_ASSIGN_OR_RETURN(m.include, ParseGroupingLabels());
        }
      }
    }
    if (options_.enable_binop_fill_modifiers) {
      while (PeekIsFillModifier()) {
        const Token kw = Consume();
        Consume();  // (
        VIGIL_ASSIGN_OR_RETURN(double v, ParseSignedNumber("fill modifier"));
        if (Peek().type != TokenType::kRightParen) {
          return Unexpected("fill modifier", "\")\"");
        }
        Consume();
        if (kw.value != "fill_right") m.fill_lhs = v;
        if (kw.value != "fill_left") m.fill_rhs = v;
      }
    }
    b->matching = std::move(m);
    return absl::OkStatus();
  }

  // [+-] number-or-duration, in seconds.
  absl::StatusOr<double> ParseSignedNumber(absl::string_view context) {
    double sign = 1;
    if (Peek().type == TokenType::kAdd || Peek().type == TokenType::kSub) {
      if (Consume().type == TokenType::kSub) sign = -1;
    }
    const Token t = Peek();
    if (t.type != TokenType::kNumber && t.type != TokenType::kDuration) {
      return Unexpected(context, "number");
    }
    Consume();
    VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<NumberLiteral> n,
                           NumberFromToken(t));
    return sign * n->value;
  }

  // ---- postfix modifiers ----
  absl::Status ParsePostfix(ExprPtr* e) {
    DepthScope depth(this);
    for (;;) {
      const Token& t = Peek();
      if (t.type == TokenType::kLeftBracket) {
        VIGIL_RETURN_IF_ERROR(depth.Add());
        VIGIL_RETURN_IF_ERROR(ParseRangeOrSubquery(e));
      } else if (t.type == TokenType::kOffset) {
        VIGIL_RETURN_IF_ERROR(ParseOffset(e->get()));
      } else if (t.type == TokenType::kAt) {
        VIGIL_RETURN_IF_ERROR(ParseAt(e->get()));
      } else if (t.type == TokenType::kIdentifier &&
                 options_.enable_extended_range_selectors &&
                 (absl::EqualsIgnoreCase(t.value, "anchored") ||
                  absl::EqualsIgnoreCase(t.value, "smoothed"))) {
        VIGIL_RETURN_IF_ERROR(ParseExtendedModifier(e->get()));
      } else {
        return absl::OkStatus();
      }
    }
  }

  absl::Status ParseExtendedModifier(Expr* e) {
    const Token t = Consume();
    const bool anchored = absl::EqualsIgnoreCase(t.value, "anchored");
    VectorSelector* vs = nullptr;
    if (e->Is<VectorSelector>()) {
      vs = &e->As<VectorSelector>();
    } else if (e->Is<MatrixSelector>()) {
      vs = e->As<MatrixSelector>().vector_selector.get();
    } else {
      return ErrorAt(e->pos.start,
                     absl::StrCat(anchored ? "anchored" : "smoothed",
                                  " modifier must be preceded by an instant "
                                  "vector selector or range vector selector"));
    }
    if (vs->anchored || vs->smoothed) {
      return ErrorAt(t.pos, "anchored or smoothed modifier may not be set "
                            "multiple times");
    }
    (anchored ? vs->anchored : vs->smoothed) = true;
    e->pos.end = t.end();
    return absl::OkStatus();
  }

  bool CanStartDuration(const Token& t) {
    switch (t.type) {
      case TokenType::kNumber:
      case TokenType::kDuration:
        return true;
      case TokenType::kLeftParen:
      case TokenType::kAdd:
      case TokenType::kSub:
        return options_.enable_duration_expressions;
      case TokenType::kIdentifier:
        return options_.enable_duration_expressions &&
               IsDurationFunction(t.value);
      default:
        return false;
    }
  }

  static bool IsDurationFunction(absl::string_view v) {
    return absl::EqualsIgnoreCase(v, "step") ||
           absl::EqualsIgnoreCase(v, "range") ||
           absl::EqualsIgnoreCase(v, "min_of") ||
           absl::EqualsIgnoreCase(v, "max_of");
  }

  // Full duration arithmetic (inside brackets and parentheses).
  absl::StatusOr<ExprPtr> ParseDurationExpr(int min_prec,
                                            absl::string_view context,
                                            absl::string_view expected) {
    DepthScope depth(this);
    VIGIL_RETURN_IF_ERROR(depth.Add());
    NestingScope nesting(this);
    VIGIL_RETURN_IF_ERROR(nesting.Enter());
    VIGIL_ASSIGN_OR_RETURN(ExprPtr lhs, ParseDurationUnary(context, expected));
    for (;;) {
      VIGIL_RETURN_IF_ERROR(depth.Add());
      BinaryOp op;
      const int prec = BinaryPrecedence(Peek().type, &op);
      if (prec < 4 || prec < min_prec || op == BinaryOp::kAtan2 ||
          op == BinaryOp::kTrimUpper || op == BinaryOp::kTrimLower) {
        break;
      }
      Consume();
      VIGIL_ASSIGN_OR_RETURN(
          ExprPtr rhs,
          ParseDurationExpr(op == BinaryOp::kPow ? prec : prec + 1, context,
                            expected));
      auto d = std::make_unique<DurationExpr>();
      switch (op) {
        case BinaryOp::kAdd:
          d->op = DurationExpr::Op::kAdd;
          break;
        case BinaryOp::kSub:
          d->op = DurationExpr::Op::kSub;
          break;
        case BinaryOp::kMul:
          d->op = DurationExpr::Op::kMul;
          break;
        case BinaryOp::kDiv:
          d->op = DurationExpr::Op::kDiv;
          break;
        case BinaryOp::kMod:
          d->op = DurationExpr::Op::kMod;
          break;
        default:
          d->op = DurationExpr::Op::kPow;
          break;
      }
      d->pos = {lhs->pos.start, rhs->pos.end};
      d->lhs = std::move(lhs);
      d->rhs = std::move(rhs);
      lhs = std::move(d);
    }
    return lhs;
  }

  absl::StatusOr<ExprPtr> ParseDurationUnary(absl::string_view context,
                                             absl::string_view expected) {
    const Token t = Peek();
    if (t.type != TokenType::kAdd && t.type != TokenType::kSub) {
      return ParseDurationAtom(context, expected);
    }
    Consume();
    VIGIL_ASSIGN_OR_RETURN(ExprPtr operand,
                           ParseDurationExpr(kPowPrec, context, expected));
    return Negate(t, std::move(operand));
  }

  static ExprPtr Negate(const Token& sign, ExprPtr operand) {
    if (sign.type == TokenType::kAdd) {
      operand->pos.start = sign.pos;
      return operand;
    }
    if (operand->Is<NumberLiteral>()) {
      operand->As<NumberLiteral>().value *= -1;
      operand->pos.start = sign.pos;
      return operand;
    }
    auto d = std::make_unique<DurationExpr>();
    d->op = DurationExpr::Op::kNeg;
    d->pos = {sign.pos, operand->pos.end};
    d->rhs = std::move(operand);
    return ExprPtr(std::move(d));
  }

  absl::StatusOr<ExprPtr> ParseDurationAtom(absl::string_view context,
                                            absl::string_view expected) {
    const Token t = Peek();
    if (t.type == TokenType::kNumber || t.type == TokenType::kDuration) {
      Consume();
      VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<NumberLiteral> n,
                             NumberFromToken(t));
      return ExprPtr(std::move(n));
    }
    if (!options_.enable_duration_expressions) {
      return Unexpected(context, expected);
    }
    if (t.type == TokenType::kLeftParen) {
      Consume();
      VIGIL_ASSIGN_OR_RETURN(ExprPtr inner,
                             ParseDurationExpr(0, context, expected));
      if (Peek().type != TokenType::kRightParen) {
        return Unexpected(context, "\")\"");
      }
      Token close = Consume();
      if (inner->Is<DurationExpr>() && !inner->As<DurationExpr>().wrapped) {
        inner->As<DurationExpr>().wrapped = true;
        inner->pos = {t.pos, close.end()};
        return inner;
      }
      auto d = std::make_unique<DurationExpr>();
      d->op = DurationExpr::Op::kLiteral;
      d->wrapped = true;
      d->pos = {t.pos, close.end()};
      d->lhs = std::move(inner);
      return ExprPtr(std::move(d));
    }
    if (t.type == TokenType::kIdentifier && IsDurationFunction(t.value) &&
        PeekAt(1).type == TokenType::kLeftParen) {
      Consume();
      Consume();
      auto d = std::make_unique<DurationExpr>();
      d->pos.start = t.pos;
      const bool two_args = absl::EqualsIgnoreCase(t.value, "min_of") ||
                            absl::EqualsIgnoreCase(t.value, "max_of");
      if (two_args) {
        d->op = absl::EqualsIgnoreCase(t.value, "min_of")
                    ? DurationExpr::Op::kMinOf
                    : DurationExpr::Op::kMaxOf;
        VIGIL_ASSIGN_OR_RETURN(d->lhs, ParseDurationExpr(0, context, expected));
        if (Peek().type != TokenType::kComma) {
          return Unexpected(context, "\",\"");
        }
        Consume();
        VIGIL_ASSIGN_OR_RETURN(d->rhs, ParseDurationExpr(0, context, expected));
      } else {
        d->op = absl::EqualsIgnoreCase(t.value, "step")
                    ? DurationExpr::Op::kStep
                    : DurationExpr::Op::kRange;
      }
      if (Peek().type != TokenType::kRightParen) {
        return Unexpected(context, "\")\"");
      }
      d->pos.end = Consume().end();
      return ExprPtr(std::move(d));
    }
    return Unexpected(context, expected);
  }

  // Seconds (a literal) to milliseconds (see DurationSecondsToMs), with the
  // error placed at `pos`.
  absl::StatusOr<int64_t> SecondsToMs(double seconds, int pos) {
    absl::StatusOr<int64_t> ms = DurationSecondsToMs(seconds);
    if (!ms.ok()) return ErrorAt(pos, ms.status().message());
    return ms;
  }

  // Turns a parsed duration operand into a literal or an expression, and
  // resolves it now when it does not depend on the query.
  absl::StatusOr<DurationArg> MakeDurationArg(ExprPtr e, bool allow_negative) {
    DurationArg out;
    if (e->Is<NumberLiteral>()) {
      VIGIL_ASSIGN_OR_RETURN(
          out.ms, SecondsToMs(e->As<NumberLiteral>().value, e->pos.start));
      return out;
    }
    out.expr.reset(static_cast<DurationExpr*>(e.release()));
    if (!NeedsDurationResolution(*out.expr)) {
      absl::StatusOr<int64_t> ms = EvalDurationMs(*out.expr, 0, 0);
      if (!ms.ok()) return ErrorAt(out.expr->pos.start, ms.status().message());
      if (*ms <= 0 && !allow_negative) {
        return ErrorAt(out.expr->pos.start, "duration must be greater than 0");
      }
      out.ms = *ms;
    }
    return out;
  }

  absl::StatusOr<DurationArg> ParseBracketDuration(absl::string_view context,
                                                   absl::string_view expected) {
    if (!CanStartDuration(Peek())) return Unexpected(context, expected);
    ExprPtr e;
    if (options_.enable_duration_expressions) {
      VIGIL_ASSIGN_OR_RETURN(e, ParseDurationExpr(0, context, expected));
    } else {
      VIGIL_ASSIGN_OR_RETURN(e, ParseDurationAtom(context, expected));
    }
    if (e->Is<NumberLiteral>() && e->As<NumberLiteral>().value <= 0) {
      return ErrorAt(e->pos.start, "duration must be greater than 0");
    }
    return MakeDurationArg(std::move(e), false);
  }

  absl::Status ParseRangeOrSubquery(ExprPtr* e) {
    const Token open = Consume();
    VIGIL_ASSIGN_OR_RETURN(
        DurationArg range,
        ParseBracketDuration("subquery selector", "duration"));
    const Token t = Peek();
    if (t.type == TokenType::kRightBracket) {
      const Token close = Consume();
      Expr* inner = e->get();
      if (!inner->Is<VectorSelector>()) {
        return ErrorAt(open.pos, "ranges only allowed for vector selectors");
      }
      auto& vs = inner->As<VectorSelector>();
      if (vs.original_offset_ms != 0 || vs.original_offset_expr) {
        return ErrorAt(open.pos, "no offset modifiers allowed before range");
      }
      if (vs.at != AtModifier::kNone) {
        return ErrorAt(open.pos, "no @ modifiers allowed before range");
      }
      auto m = std::make_unique<MatrixSelector>();
      m->pos = {inner->pos.start, close.end()};
      m->range_ms = range.ms;
      m->range_expr = std::move(range.expr);
      m->vector_selector.reset(static_cast<VectorSelector*>(e->release()));
      *e = std::move(m);
      return absl::OkStatus();
    }
    if (t.type != TokenType::kColon) {
      return Unexpected("subquery or range", "\":\" or \"]\"");
    }
    Consume();
    auto s = std::make_unique<SubqueryExpr>();
    s->range_ms = range.ms;
    s->range_expr = std::move(range.expr);
    if (Peek().type != TokenType::kRightBracket) {
      VIGIL_ASSIGN_OR_RETURN(
          DurationArg step,
          ParseBracketDuration("subquery selector", "duration or \"]\""));
      s->step_ms = step.ms;
      s->step_expr = std::move(step.expr);
      if (Peek().type != TokenType::kRightBracket) {
        return Unexpected("subquery selector", "\"]\"");
      }
    }
    const Token close = Consume();
    s->pos = {(*e)->pos.start, close.end()};
    s->expr = std::move(*e);
    *e = std::move(s);
    return absl::OkStatus();
  }

  absl::Status ParseOffset(Expr* e) {
    Consume();  // offset
    constexpr absl::string_view kCtx = "offset";
    constexpr absl::string_view kExpected = "number or duration";
    DurationArg off;
    if (options_.enable_duration_expressions) {
      Token sign;
      sign.type = TokenType::kEOF;
      if (Peek().type == TokenType::kAdd || Peek().type == TokenType::kSub) {
        sign = Consume();
      }
      if (!CanStartDuration(Peek()) || Peek().type == TokenType::kAdd ||
          Peek().type == TokenType::kSub) {
        return Unexpected(kCtx, kExpected);
      }
      VIGIL_ASSIGN_OR_RETURN(ExprPtr atom,
                             ParseDurationAtom(kCtx, kExpected));
      if (sign.type != TokenType::kEOF) atom = Negate(sign, std::move(atom));
      VIGIL_ASSIGN_OR_RETURN(off, MakeDurationArg(std::move(atom), true));
    } else {
      bool neg = false;
      if (Peek().type == TokenType::kSub) {
        Consume();
        neg = true;
      }
      const Token t = Peek();
      if (t.type != TokenType::kNumber && t.type != TokenType::kDuration) {
        return Unexpected(kCtx, kExpected);
      }
      Consume();
      VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<NumberLiteral> n,
                             NumberFromToken(t));
      VIGIL_ASSIGN_OR_RETURN(off.ms, SecondsToMs(n->value, t.pos));
      if (neg) off.ms = -off.ms;
    }
    int64_t* original = nullptr;
    std::unique_ptr<DurationExpr>* original_expr = nullptr;
    int64_t* effective = nullptr;
    if (e->Is<VectorSelector>()) {
      auto& vs = e->As<VectorSelector>();
      original = &vs.original_offset_ms;
      original_expr = &vs.original_offset_expr;
      effective = &vs.offset_ms;
    } else if (e->Is<MatrixSelector>()) {
      auto& vs = *e->As<MatrixSelector>().vector_selector;
      original = &vs.original_offset_ms;
      original_expr = &vs.original_offset_expr;
      effective = &vs.offset_ms;
    } else if (e->Is<SubqueryExpr>()) {
      auto& s = e->As<SubqueryExpr>();
      original = &s.original_offset_ms;
      original_expr = &s.original_offset_expr;
      effective = &s.offset_ms;
    } else {
      return ErrorAt(e->pos.start,
                     "offset modifier must be preceded by an instant vector "
                     "selector or range vector selector or a subquery");
    }
    if (*original != 0 || *original_expr) {
      return ErrorAt(e->pos.start, "offset may not be set multiple times");
    }
    *original = off.ms;
    *effective = off.ms;
    *original_expr = std::move(off.expr);
    e->pos.end = last_end_;
    return absl::OkStatus();
  }

  absl::Status ParseAt(Expr* e) {
    Consume();  // @
    AtModifier at = AtModifier::kTimestamp;
    double ts = 0;
    const Token t = Peek();
    if (t.type == TokenType::kStart || t.type == TokenType::kEnd) {
      Consume();
      if (Peek().type != TokenType::kLeftParen) return Unexpected("@", "timestamp");
      Consume();
      if (Peek().type != TokenType::kRightParen) return Unexpected("@", "timestamp");
      Consume();
      at = t.type == TokenType::kStart ? AtModifier::kStart : AtModifier::kEnd;
    } else {
      double sign = 1;
      if (t.type == TokenType::kAdd || t.type == TokenType::kSub) {
        Consume();
        if (t.type == TokenType::kSub) sign = -1;
      }
      const Token n = Peek();
      if (n.type != TokenType::kNumber && n.type != TokenType::kDuration) {
        return Unexpected("@", "timestamp");
      }
      Consume();
      VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<NumberLiteral> lit,
                             NumberFromToken(n));
      ts = sign * lit->value;
      // Prometheus checks the seconds against int64; the milliseconds must
      // fit as well.
      if (std::isinf(ts) || std::isnan(ts) ||
          ts >= static_cast<double>(std::numeric_limits<int64_t>::max()) ||
          ts <= static_cast<double>(std::numeric_limits<int64_t>::min()) ||
          std::fabs(ts) >= 9.2e15) {
        return ErrorAt(e->pos.start,
                       absl::StrCat("timestamp out of bounds for @ modifier: ",
                                    internal::GoFormatF(ts)));
      }
    }
    AtModifier* target_at = nullptr;
    std::optional<int64_t>* target_ts = nullptr;
    if (e->Is<VectorSelector>()) {
      target_at = &e->As<VectorSelector>().at;
      target_ts = &e->As<VectorSelector>().timestamp_ms;
    } else if (e->Is<MatrixSelector>()) {
      auto& vs = *e->As<MatrixSelector>().vector_selector;
      target_at = &vs.at;
      target_ts = &vs.timestamp_ms;
    } else if (e->Is<SubqueryExpr>()) {
      target_at = &e->As<SubqueryExpr>().at;
      target_ts = &e->As<SubqueryExpr>().timestamp_ms;
    } else {
      return ErrorAt(e->pos.start,
                     "@ modifier must be preceded by an instant vector "
                     "selector or range vector selector or a subquery");
    }
    if (*target_at != AtModifier::kNone) {
      return ErrorAt(e->pos.start,
                     "@ <timestamp> may not be set multiple times");
    }
    *target_at = at;
    if (at == AtModifier::kTimestamp) {
      *target_ts = static_cast<int64_t>(std::round(ts * 1000.0));
    }
    e->pos.end = last_end_;
    return absl::OkStatus();
  }

  // ---- type checking (Prometheus's checkAST) ----
  absl::Status ExpectType(Expr* e, ValueType want, absl::string_view context) {
    VIGIL_RETURN_IF_ERROR(Check(e));
    if (e->type() != want) {
      return ErrorAt(e->pos.start,
                     absl::StrCat("expected type ", ValueTypeName(want),
                                  " in ", context, ", got ",
                                  ValueTypeName(e->type())));
    }
    return absl::OkStatus();
  }

  int OperatorPos(const BinaryExpr& b) {
    int p = b.lhs->pos.end;
    while (p < static_cast<int>(input_.size()) &&
           (input_[p] == ' ' || input_[p] == '\t' || input_[p] == '\n' ||
            input_[p] == '\r')) {
      ++p;
    }
    return p;
  }

  absl::Status Check(Expr* e) {
    switch (e->kind) {
      case NodeKind::kAggregate: {
        auto& a = e->As<AggregateExpr>();
        VIGIL_RETURN_IF_ERROR(
            ExpectType(a.expr.get(), ValueType::kVector, "aggregation expression"));
        if (a.param != nullptr) {
          VIGIL_RETURN_IF_ERROR(ExpectType(
              a.param.get(),
              a.op == AggregateOp::kCountValues ? ValueType::kString
                                                : ValueType::kScalar,
              "aggregation parameter"));
        }
        return absl::OkStatus();
      }
      case NodeKind::kBinary:
        return CheckBinary(&e->As<BinaryExpr>());
      case NodeKind::kCall:
        return CheckCall(&e->As<Call>());
      case NodeKind::kParen:
        return Check(e->As<ParenExpr>().expr.get());
      case NodeKind::kStepInvariant:
        return Check(e->As<StepInvariantExpr>().expr.get());
      case NodeKind::kUnary: {
        auto& u = e->As<UnaryExpr>();
        VIGIL_RETURN_IF_ERROR(Check(u.expr.get()));
        const ValueType t = u.expr->type();
        if (t != ValueType::kScalar && t != ValueType::kVector) {
          return ErrorAt(u.pos.start,
                         absl::StrCat("unary expression only allowed on "
                                      "expressions of type scalar or instant "
                                      "vector, got ",
                                      GoQuote(ValueTypeName(t))));
        }
        return absl::OkStatus();
      }
      case NodeKind::kSubquery: {
        auto& s = e->As<SubqueryExpr>();
        VIGIL_RETURN_IF_ERROR(Check(s.expr.get()));
        if (s.expr->type() != ValueType::kVector) {
          return ErrorAt(s.pos.start,
                         absl::StrCat("subquery is only allowed on instant "
                                      "vector, got ",
                                      RawTypeName(s.expr->type()),
                                      " instead"));
        }
        return absl::OkStatus();
      }
      case NodeKind::kMatrixSelector:
        return Check(e->As<MatrixSelector>().vector_selector.get());
      case NodeKind::kVectorSelector:
        return CheckVectorSelector(e->As<VectorSelector>());
      default:
        return absl::OkStatus();
    }
  }

  absl::Status CheckVectorSelector(const VectorSelector& vs) {
    if (!vs.name.empty()) {
      for (size_t i = 0; i + 1 < vs.matchers.size(); ++i) {
        if (vs.matchers[i].name() == "__name__") {
          return ErrorAt(vs.pos.start,
                         absl::StrCat("metric name must not be set twice: ",
                                      GoQuote(vs.name), " or ",
                                      GoQuote(vs.matchers[i].value())));
        }
      }
      return absl::OkStatus();
    }
    if (vs.bypass_empty_matcher_check) return absl::OkStatus();
    for (const model::Matcher& m : vs.matchers) {
      if (!m.MatchesEmpty()) return absl::OkStatus();
    }
    return ErrorAt(vs.pos.start,
                   "vector selector must contain at least one non-empty "
                   "matcher");
  }

  absl::Status CheckBinary(BinaryExpr* b) {
    VIGIL_RETURN_IF_ERROR(Check(b->lhs.get()));
    VIGIL_RETURN_IF_ERROR(Check(b->rhs.get()));
    const ValueType lt = b->lhs->type();
    const ValueType rt = b->rhs->type();
    if (b->return_bool && !IsComparisonOp(b->op)) {
      return ErrorAt(OperatorPos(*b),
                     "bool modifier can only be used on comparison operators");
    }
    if (IsComparisonOp(b->op) && !b->return_bool && lt == ValueType::kScalar &&
        rt == ValueType::kScalar) {
      return ErrorAt(OperatorPos(*b),
                     "comparisons between scalars must use BOOL modifier");
    }
    VectorMatching& m = *b->matching;
    if (IsSetOp(b->op) && m.card == VectorMatchCardinality::kOneToOne) {
      m.card = VectorMatchCardinality::kManyToMany;
    }
    if (m.on) {
      for (const std::string& l1 : m.matching_labels) {
        for (const std::string& l2 : m.include) {
          if (l1 == l2) {
            return ErrorAt(OperatorPos(*b),
                           absl::StrCat("label ", GoQuote(l1),
                                        " must not occur in ON and GROUP "
                                        "clause at once"));
          }
        }
      }
    }
    if (lt != ValueType::kScalar && lt != ValueType::kVector) {
      return ErrorAt(b->lhs->pos.start,
                     "binary expression must contain only scalar and instant "
                     "vector types");
    }
    if (rt != ValueType::kScalar && rt != ValueType::kVector) {
      return ErrorAt(b->rhs->pos.start,
                     "binary expression must contain only scalar and instant "
                     "vector types");
    }
    if (lt != ValueType::kVector || rt != ValueType::kVector) {
      if (!m.matching_labels.empty()) {
        return ErrorAt(b->pos.start,
                       "vector matching only allowed between instant vectors");
      }
      b->matching.reset();
    } else if (IsSetOp(b->op)) {
      if (m.card == VectorMatchCardinality::kOneToMany ||
          m.card == VectorMatchCardinality::kManyToOne) {
        return ErrorAt(b->pos.start,
                       absl::StrCat("no grouping allowed for ",
                                    GoQuote(BinaryOpString(b->op)),
                                    " operation"));
      }
      if (m.card != VectorMatchCardinality::kManyToMany) {
        return ErrorAt(b->pos.start,
                       "set operations must always be many-to-many");
      }
    }
    if ((lt == ValueType::kScalar || rt == ValueType::kScalar) &&
        IsSetOp(b->op)) {
      return ErrorAt(b->pos.start,
                     absl::StrCat("set operator ",
                                  GoQuote(BinaryOpString(b->op)),
                                  " not allowed in binary scalar expression"));
    }
    return absl::OkStatus();
  }

  absl::Status CheckCall(Call* c) {
    const Function& f = *c->func;
    const int nargs = static_cast<int>(f.arg_types.size());
    const int got = static_cast<int>(c->args.size());
    const std::string qname = GoQuote(f.name);
    if (f.variadic == 0) {
      if (nargs != got) {
        return ErrorAt(c->pos.start,
                       absl::StrFormat("expected %d argument(s) in call to "
                                       "%s, got %d",
                                       nargs, qname, got));
      }
    } else {
      const int na = nargs - 1;
      if (na > got) {
        return ErrorAt(c->pos.start,
                       absl::StrFormat("expected at least %d argument(s) in "
                                       "call to %s, got %d",
                                       na, qname, got));
      }
      if (f.variadic > 0 && na + f.variadic < got) {
        return ErrorAt(c->pos.start,
                       absl::StrFormat("expected at most %d argument(s) in "
                                       "call to %s, got %d",
                                       na + f.variadic, qname, got));
      }
    }
    const std::string context = absl::StrCat("call to function ", qname);
    if (f.name == "info" && got > 1) {
      Expr* second = c->args[1].get();
      if (second->type() != ValueType::kVector) {
        return ErrorAt(c->pos.start,
                       absl::StrCat("expected type instant vector in ", context,
                                    ", got ", ValueTypeName(second->type())));
      }
      if (second->Is<VectorSelector>()) {
        auto& vs = second->As<VectorSelector>();
        if (!vs.name.empty()) {
          return ErrorAt(second->pos.start,
                         "expected label selectors only, got vector selector "
                         "instead");
        }
        vs.bypass_empty_matcher_check = true;
      }
    }
    for (int i = 0; i < got; ++i) {
      int ti = i;
      if (ti >= nargs) {
        if (f.variadic == 0) break;
        ti = nargs - 1;
      }
      VIGIL_RETURN_IF_ERROR(
          ExpectType(c->args[i].get(), f.arg_types[ti], context));
    }
    return absl::OkStatus();
  }

  absl::string_view input_;
  Lexer lexer_;
  ParseOptions options_;
  Token buffer_[2];
  int buffered_ = 0;
  int last_end_ = 0;
  int depth_ = 0;
  int nesting_ = 0;
  int aggregation_depth_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Expr>> ParseExpr(absl::string_view input) {
  return ParseExpr(input, ParseOptions());
}

absl::StatusOr<std::unique_ptr<Expr>> ParseExpr(absl::string_view input,
                                                const ParseOptions& options) {
  Parser p(input, options);
  return p.ParseTop();
}

absl::StatusOr<std::vector<model::Matcher>> ParseMetricSelector(
    absl::string_view input) {
  Parser p(input, ParseOptions());
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<VectorSelector> vs,
                         p.ParseSelectorTop());
  return std::move(vs->matchers);
}

}  // namespace vigil::promql::parser
