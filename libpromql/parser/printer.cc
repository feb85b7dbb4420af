#include "libpromql/parser/printer.h"

#include <algorithm>
#include <memory>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "libpromql/parser/function_table.h"
#include "libpromql/parser/internal/parse_util.h"
#include "libpromql/parser/lexer.h"
#include "model/duration.h"
#include "model/labels.h"

namespace vigil::promql::parser {
namespace {

// Go's model.Duration(d).String() for a millisecond count.
std::string DurationString(int64_t ms) { return model::FormatDurationMs(ms); }

std::string OffsetString(int64_t ms, const DurationExpr* expr);

// Label names in by/on/group lists: bare when a legacy metric name, else
// quoted (Prometheus's joinLabels).
std::string JoinLabels(const std::vector<std::string>& labels) {
  std::string out;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out.append(", ");
    if (model::IsValidLegacyMetricName(labels[i])) {
      out.append(labels[i]);
    } else {
      out.append(GoQuote(labels[i]));
    }
  }
  return out;
}

// Prometheus's Matcher.String(): name quoted unless [a-zA-Z_][a-zA-Z0-9_]*.
std::string MatcherString(const model::Matcher& m) {
  std::string out;
  if (model::IsValidLegacyLabelName(m.name())) {
    out = m.name();
  } else {
    out = GoQuote(m.name());
  }
  absl::StrAppend(&out, model::MatchTypeString(m.type()), GoQuote(m.value()));
  return out;
}

std::string NumberString(const NumberLiteral& n) {
  if (n.duration && std::fabs(n.value) < 9.2e15) {
    const double ms = n.value * 1000.0;
    if (ms < 0) return "-" + DurationString(static_cast<int64_t>(-ms));
    return DurationString(static_cast<int64_t>(ms));
  }
  return internal::FormatFloat(n.value);
}

std::string AtString(AtModifier at, const std::optional<int64_t>& ts) {
  switch (at) {
    case AtModifier::kNone:
      return "";
    case AtModifier::kStart:
      return " @ start()";
    case AtModifier::kEnd:
      return " @ end()";
    case AtModifier::kTimestamp:
      return absl::StrFormat(" @ %.3f", static_cast<double>(ts.value_or(0)) /
                                            1000.0);
  }
  return "";
}

void Print(const Expr& e, std::string* out);

std::string ToString(const Expr& e) {
  std::string s;
  Print(e, &s);
  return s;
}

std::string OffsetString(int64_t ms, const DurationExpr* expr) {
  if (expr != nullptr) return " offset " + ToString(*expr);
  if (ms > 0) return " offset " + DurationString(ms);
  if (ms < 0) return " offset -" + DurationString(-ms);
  return "";
}

std::string SelectorBody(const VectorSelector& vs) {
  std::vector<std::string> parts;
  for (const model::Matcher& m : vs.matchers) {
    if (m.name() == "__name__" && m.type() == model::MatchType::kEqual &&
        m.value() == vs.name && !m.value().empty()) {
      continue;
    }
    parts.push_back(MatcherString(m));
  }
  if (parts.empty()) return vs.name;
  std::sort(parts.begin(), parts.end());
  return absl::StrCat(vs.name, "{", absl::StrJoin(parts, ","), "}");
}

std::string ExtendedString(const VectorSelector& vs) {
  if (vs.anchored) return " anchored";
  if (vs.smoothed) return " smoothed";
  return "";
}

void Print(const Expr& e, std::string* out) {
  switch (e.kind) {
    case NodeKind::kNumberLiteral:
      out->append(NumberString(e.As<NumberLiteral>()));
      return;
    case NodeKind::kStringLiteral:
      out->append(GoQuote(e.As<StringLiteral>().value));
      return;
    case NodeKind::kVectorSelector: {
      const auto& vs = e.As<VectorSelector>();
      absl::StrAppend(out, SelectorBody(vs), AtString(vs.at, vs.timestamp_ms),
                      ExtendedString(vs),
                      OffsetString(vs.original_offset_ms,
                                   vs.original_offset_expr.get()));
      return;
    }
    case NodeKind::kMatrixSelector: {
      const auto& m = e.As<MatrixSelector>();
      const VectorSelector& vs = *m.vector_selector;
      const std::string range =
          m.range_expr ? ToString(*m.range_expr) : DurationString(m.range_ms);
      absl::StrAppend(out, SelectorBody(vs), "[", range, "]",
                      ExtendedString(vs), AtString(vs.at, vs.timestamp_ms),
                      OffsetString(vs.original_offset_ms,
                                   vs.original_offset_expr.get()));
      return;
    }
    case NodeKind::kSubquery: {
      const auto& s = e.As<SubqueryExpr>();
      Print(*s.expr, out);
      const std::string range =
          s.range_expr ? ToString(*s.range_expr) : DurationString(s.range_ms);
      std::string step;
      if (s.step_expr) {
        step = ToString(*s.step_expr);
      } else if (s.step_ms != 0) {
        step = DurationString(s.step_ms);
      }
      absl::StrAppend(out, "[", range, ":", step, "]",
                      AtString(s.at, s.timestamp_ms),
                      OffsetString(s.original_offset_ms,
                                   s.original_offset_expr.get()));
      return;
    }
    case NodeKind::kCall: {
      const auto& c = e.As<Call>();
      absl::StrAppend(out, c.func != nullptr ? c.func->name : "?", "(");
      for (size_t i = 0; i < c.args.size(); ++i) {
        if (i > 0) out->append(", ");
        Print(*c.args[i], out);
      }
      out->append(")");
      return;
    }
    case NodeKind::kAggregate: {
      const auto& a = e.As<AggregateExpr>();
      out->append(std::string(AggregateOpString(a.op)));
      if (a.without) {
        absl::StrAppend(out, " without (", JoinLabels(a.grouping), ") ");
      } else if (!a.grouping.empty()) {
        absl::StrAppend(out, " by (", JoinLabels(a.grouping), ") ");
      }
      out->append("(");
      if (a.param != nullptr) {
        Print(*a.param, out);
        out->append(", ");
      }
      if (a.expr != nullptr) Print(*a.expr, out);
      out->append(")");
      return;
    }
    case NodeKind::kBinary: {
      const auto& b = e.As<BinaryExpr>();
      if (b.op == BinaryOp::kPow && b.lhs->Is<NumberLiteral>() &&
          std::isinf(b.lhs->As<NumberLiteral>().value) &&
          b.lhs->As<NumberLiteral>().value > 0) {
        // Prometheus prints "+Inf", which reads back as +(Inf ^ ...): '^'
        // binds tighter than a unary sign. "Inf" keeps the meaning.
        out->append("Inf");
      } else {
        Print(*b.lhs, out);
      }
      absl::StrAppend(out, " ", BinaryOpString(b.op));
      if (b.return_bool) out->append(" bool");
      if (b.matching.has_value()) {
        const VectorMatching& m = *b.matching;
        const bool grouped = m.card == VectorMatchCardinality::kManyToOne ||
                             m.card == VectorMatchCardinality::kOneToMany;
        if (!m.matching_labels.empty() || m.on || grouped) {
          absl::StrAppend(out, m.on ? " on (" : " ignoring (",
                          JoinLabels(m.matching_labels), ")");
        }
        if (grouped) {
          absl::StrAppend(
              out,
              m.card == VectorMatchCardinality::kManyToOne ? " group_left ("
                                                           : " group_right (",
              JoinLabels(m.include), ")");
        }
        if (m.fill_lhs.has_value() && m.fill_rhs.has_value() &&
            (*m.fill_lhs == *m.fill_rhs ||
             (std::isnan(*m.fill_lhs) && std::isnan(*m.fill_rhs)))) {
          absl::StrAppend(out, " fill (", internal::FormatFloatG(*m.fill_lhs),
                          ")");
        } else {
          if (m.fill_lhs.has_value()) {
            absl::StrAppend(out, " fill_left (",
                            internal::FormatFloatG(*m.fill_lhs), ")");
          }
          if (m.fill_rhs.has_value()) {
            absl::StrAppend(out, " fill_right (",
                            internal::FormatFloatG(*m.fill_rhs), ")");
          }
        }
      }
      out->append(" ");
      Print(*b.rhs, out);
      return;
    }
    case NodeKind::kUnary: {
      const auto& u = e.As<UnaryExpr>();
      out->append(u.op == UnaryOp::kMinus ? "-" : "+");
      Print(*u.expr, out);
      return;
    }
    case NodeKind::kParen:
      out->append("(");
      Print(*e.As<ParenExpr>().expr, out);
      out->append(")");
      return;
    case NodeKind::kStepInvariant:
      Print(*e.As<StepInvariantExpr>().expr, out);
      return;
    case NodeKind::kDuration: {
      const auto& d = e.As<DurationExpr>();
      if (d.wrapped) out->append("(");
      switch (d.op) {
        case DurationExpr::Op::kStep:
          out->append("step()");
          break;
        case DurationExpr::Op::kRange:
          out->append("range()");
          break;
        case DurationExpr::Op::kMinOf:
        case DurationExpr::Op::kMaxOf:
          out->append(d.op == DurationExpr::Op::kMinOf ? "min_of(" : "max_of(");
          Print(*d.lhs, out);
          out->append(", ");
          Print(*d.rhs, out);
          out->append(")");
          break;
        case DurationExpr::Op::kNeg:
          out->append("-");
          Print(*d.rhs, out);
          break;
        case DurationExpr::Op::kLiteral:
          Print(*d.lhs, out);
          break;
        default: {
          static constexpr const char* kOps[] = {"+", "-", "*", "/", "%", "^"};
          Print(*d.lhs, out);
          absl::StrAppend(out, " ", kOps[static_cast<int>(d.op)], " ");
          Print(*d.rhs, out);
          break;
        }
      }
      if (d.wrapped) out->append(")");
      return;
    }
  }
}

constexpr size_t kMaxCharactersPerLine = 100;

std::string Indent(int level) { return std::string(2 * level, ' '); }

bool NeedsSplit(const Expr& e) {
  return ToString(e).size() > kMaxCharactersPerLine;
}

std::string PrettyAt(const Expr& e, int level);

std::string AggregateOpWithGrouping(const AggregateExpr& a) {
  std::string s(AggregateOpString(a.op));
  if (a.without) {
    absl::StrAppend(&s, " without (", JoinLabels(a.grouping), ") ");
  } else if (!a.grouping.empty()) {
    absl::StrAppend(&s, " by (", JoinLabels(a.grouping), ") ");
  }
  return s;
}

// The " on (..) group_left (..) fill (..)" part of a binary expression.
std::string MatchingString(const BinaryExpr& b) {
  auto copy = std::make_unique<BinaryExpr>();
  auto l = std::make_unique<NumberLiteral>();
  auto r = std::make_unique<NumberLiteral>();
  copy->op = b.op;
  copy->matching = b.matching;
  copy->lhs = std::move(l);
  copy->rhs = std::move(r);
  // "0 <op>[ bool]<matching> 0": cut the operands and the operator off.
  std::string s = ToString(*copy);
  s = s.substr(2 + BinaryOpString(b.op).size());
  s.resize(s.size() - 2);
  return s;
}

std::string PrettyAt(const Expr& e, int level) {
  switch (e.kind) {
    case NodeKind::kAggregate: {
      const auto& a = e.As<AggregateExpr>();
      if (!NeedsSplit(e)) return Indent(level) + ToString(e);
      std::string s = Indent(level) + AggregateOpWithGrouping(a) + "(\n";
      if (a.param != nullptr) {
        absl::StrAppend(&s, PrettyAt(*a.param, level + 1), ",\n");
      }
      absl::StrAppend(&s, PrettyAt(*a.expr, level + 1), "\n", Indent(level),
                      ")");
      return s;
    }
    case NodeKind::kBinary: {
      const auto& b = e.As<BinaryExpr>();
      if (!NeedsSplit(e)) return Indent(level) + ToString(e);
      return absl::StrCat(PrettyAt(*b.lhs, level + 1), "\n", Indent(level),
                          BinaryOpString(b.op), b.return_bool ? " bool" : "",
                          MatchingString(b), "\n",
                          PrettyAt(*b.rhs, level + 1));
    }
    case NodeKind::kCall: {
      const auto& c = e.As<Call>();
      if (!NeedsSplit(e)) return Indent(level) + ToString(e);
      std::string s = absl::StrCat(Indent(level), c.func->name, "(\n");
      for (size_t i = 0; i < c.args.size(); ++i) {
        if (i > 0) s.append(",\n");
        s.append(PrettyAt(*c.args[i], level + 1));
      }
      absl::StrAppend(&s, "\n", Indent(level), ")");
      return s;
    }
    case NodeKind::kParen: {
      if (!NeedsSplit(e)) return Indent(level) + ToString(e);
      return absl::StrCat(Indent(level), "(\n",
                          PrettyAt(*e.As<ParenExpr>().expr, level + 1), "\n",
                          Indent(level), ")");
    }
    case NodeKind::kStepInvariant:
      return PrettyAt(*e.As<StepInvariantExpr>().expr, level);
    case NodeKind::kSubquery: {
      // As Prometheus: no indent when it fits on one line.
      if (!NeedsSplit(e)) return ToString(e);
      const auto& s = e.As<SubqueryExpr>();
      const std::string whole = ToString(e);
      const std::string inner = ToString(*s.expr);
      return PrettyAt(*s.expr, level) + whole.substr(inner.size());
    }
    case NodeKind::kUnary: {
      const auto& u = e.As<UnaryExpr>();
      std::string child = PrettyAt(*u.expr, level);
      const size_t first = child.find_first_not_of(" \t\n");
      child = first == std::string::npos ? "" : child.substr(first);
      while (!child.empty() && (child.back() == ' ' || child.back() == '\n')) {
        child.pop_back();
      }
      return absl::StrCat(Indent(level), u.op == UnaryOp::kMinus ? "-" : "+",
                          child);
    }
    default:
      return Indent(level) + ToString(e);
  }
}

}  // namespace

std::string Format(const Expr& e) { return ToString(e); }

std::string Pretty(const Expr& e) { return PrettyAt(e, 0); }

}  // namespace vigil::promql::parser
