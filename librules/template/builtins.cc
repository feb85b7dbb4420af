// Bodies of the template functions: Go's builtins and Prometheus's
// template/template.go function map.

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "librules/template/functions.h"
#include "librules/template/internal/functions_table.h"
#include "model/duration.h"

namespace vigil::rules::tmpl {

Value MakeSampleValue(const model::Labels& labels, double value) {
  Struct s;
  s.type_name = "*template.sample";
  s.fields.emplace_back("Labels", Value::FromLabels(labels));
  s.fields.emplace_back("Value", Value::Float(value));
  return Value::MakeStruct(std::move(s));
}

namespace internal {
namespace {

using Args = std::vector<Value>;
using Result = absl::StatusOr<Value>;

absl::Status WrongType(absl::string_view want, const Value& got) {
  return absl::InvalidArgumentError(absl::StrCat(
      "wrong type for value; expected ", want, "; got ", got.TypeName()));
}

absl::StatusOr<std::string> Str(const Value& v) {
  if (v.kind() != Value::Kind::kString) return WrongType("string", v);
  return v.string_value();
}

// A *template.sample argument; nil allowed when `allow_nil`.
absl::StatusOr<const Struct*> SampleArg(const Value& v, bool allow_nil) {
  if (v.is_nil() && allow_nil) return nullptr;
  if (v.kind() != Value::Kind::kStruct ||
      v.struct_value().Field("Labels") == nullptr) {
    return WrongType("*template.sample", v);
  }
  return &v.struct_value();
}

absl::StatusOr<const List*> ResultArg(const Value& v) {
  if (v.is_nil()) {
    static const List kEmpty;
    return &kEmpty;
  }
  if (v.kind() != Value::Kind::kList) return WrongType("template.queryResult", v);
  return &v.list_value();
}

#define VIGIL_ASSIGN(lhs, expr)              \
  auto lhs##_or = (expr);                    \
  if (!lhs##_or.ok()) return lhs##_or.status(); \
  auto lhs = *lhs##_or

Result FnHumanize(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(v, ConvertToFloat(a[0]));
  return Value::String(Humanize(v));
}
Result FnHumanize1024(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(v, ConvertToFloat(a[0]));
  return Value::String(Humanize1024(v));
}
Result FnHumanizeDuration(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(v, ConvertToFloat(a[0]));
  return Value::String(HumanizeDuration(v));
}
Result FnHumanizePercentage(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(v, ConvertToFloat(a[0]));
  return Value::String(HumanizePercentage(v));
}
Result FnHumanizeTimestamp(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(v, ConvertToFloat(a[0]));
  return Value::String(HumanizeTimestamp(v));
}
Result FnToTime(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(v, ConvertToFloat(a[0]));
  if (std::isnan(v) || std::isinf(v)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot convert ", FormatGoFloat(v), " to Time"));
  }
  return Value::String(HumanizeTimestamp(v));
}
// Go's time.Duration.String() for a duration given in seconds.
std::string GoDuration(double secs) {
  if (secs == 0) return "0s";
  std::string sign = secs < 0 ? "-" : "";
  double a = std::fabs(secs);
  if (a < 1) {
    if (a >= 1e-3) return sign + FormatGoFloat(a * 1e3) + "ms";
    if (a >= 1e-6) return sign + FormatGoFloat(a * 1e6) + "\u00b5s";
    return sign + FormatGoFloat(std::round(a * 1e9)) + "ns";
  }
  int64_t whole = static_cast<int64_t>(a);
  double frac = a - whole;
  int64_t h = whole / 3600, m = (whole / 60) % 60, s = whole % 60;
  std::string out = sign;
  if (h > 0) absl::StrAppend(&out, h, "h");
  if (h > 0 || m > 0) absl::StrAppend(&out, m, "m");
  absl::StrAppend(&out, FormatGoFloat(s + std::round(frac * 1e9) / 1e9), "s");
  return out;
}
Result FnToDuration(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(v, ConvertToFloat(a[0]));
  if (std::isnan(v) || std::isinf(v) || std::fabs(v) > 9.2e9) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot convert ", FormatGoFloat(v), " to Duration"));
  }
  return Value::String(GoDuration(v));
}
Result FnNow(const Args&, const ExecOptions& o) {
  return Value::Float(static_cast<double>(o.time_ms) / 1000.0);
}
Result FnTitle(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(s, Str(a[0]));
  return Value::String(Title(s));
}
Result FnToUpper(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(s, Str(a[0]));
  return Value::String(ToUpper(s));
}
Result FnToLower(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(s, Str(a[0]));
  return Value::String(ToLower(s));
}
Result FnStripPort(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(s, Str(a[0]));
  return Value::String(StripPort(s));
}
Result FnStripDomain(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(s, Str(a[0]));
  return Value::String(StripDomain(s));
}
Result FnSafeHtml(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(s, Str(a[0]));
  return Value::String(s);
}
Result FnMatch(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(p, Str(a[0]));
  VIGIL_ASSIGN(t, Str(a[1]));
  VIGIL_ASSIGN(m, RegexMatch(p, t));
  return Value::Bool(m);
}
Result FnReReplaceAll(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(p, Str(a[0]));
  VIGIL_ASSIGN(r, Str(a[1]));
  VIGIL_ASSIGN(t, Str(a[2]));
  VIGIL_ASSIGN(out, ReReplaceAll(p, r, t));
  return Value::String(out);
}
Result FnUrlQueryEscape(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(s, Str(a[0]));
  return Value::String(QueryEscape(s));
}
Result FnParseDuration(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(s, Str(a[0]));
  VIGIL_ASSIGN(ms, model::ParseDurationMs(s));
  return Value::Float(static_cast<double>(ms) / 1000.0);
}
Result FnArgs(const Args& a, const ExecOptions&) {
  StringMap m;
  for (size_t i = 0; i < a.size(); ++i) m.emplace(absl::StrCat("arg", i), a[i]);
  return Value::Map(std::move(m));
}
Result FnQuery(const Args& a, const ExecOptions& o) {
  VIGIL_ASSIGN(q, Str(a[0]));
  if (!o.query) {
    return absl::FailedPreconditionError("query is not available here");
  }
  VIGIL_ASSIGN(samples, o.query(q));
  List out;
  out.reserve(samples.size());
  for (const QuerySample& s : samples) {
    out.push_back(MakeSampleValue(s.labels, s.value));
  }
  return Value::MakeList(std::move(out));
}
Result FnFirst(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(l, ResultArg(a[0]));
  if (l->empty()) {
    return absl::InvalidArgumentError(
        "first() called on vector with no elements");
  }
  return (*l)[0];
}
Result FnLabel(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(name, Str(a[0]));
  VIGIL_ASSIGN(s, SampleArg(a[1], true));
  if (s == nullptr) return Value::String("");
  std::optional<Value> v = s->Field("Labels")->MapGet(name);
  return v ? *v : Value::String("");
}
Result FnValue(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(s, SampleArg(a[0], false));
  return *s->Field("Value");
}
Result FnStrValue(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(s, SampleArg(a[0], false));
  std::optional<Value> v = s->Field("Labels")->MapGet("__value__");
  return v ? *v : Value::String("");
}
Result FnSortByLabel(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(name, Str(a[0]));
  VIGIL_ASSIGN(l, ResultArg(a[1]));
  List out = *l;
  auto key = [&](const Value& v) -> std::string {
    if (v.kind() != Value::Kind::kStruct) return "";
    const Value* lv = v.struct_value().Field("Labels");
    if (lv == nullptr || !lv->is_map()) return "";
    std::optional<Value> x = lv->MapGet(name);
    return x ? x->ToString() : "";
  };
  std::stable_sort(out.begin(), out.end(), [&](const Value& x, const Value& y) {
    return key(x) < key(y);
  });
  return Value::MakeList(std::move(out));
}
std::string UrlPath(absl::string_view url) {
  size_t scheme = url.find("://");
  size_t start = scheme == absl::string_view::npos ? 0 : scheme + 3;
  size_t slash = url.find('/', start);
  if (slash == absl::string_view::npos) return "";
  std::string path(url.substr(slash));
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path;
}
Result FnExternalURL(const Args&, const ExecOptions& o) {
  return Value::String(o.external_url);
}
Result FnPathPrefix(const Args&, const ExecOptions& o) {
  return Value::String(UrlPath(o.external_url));
}
Result FnGraphLink(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(s, Str(a[0]));
  return Value::String(
      absl::StrCat("/graph?g0.expr=", QueryEscape(s), "&g0.tab=0"));
}
Result FnTableLink(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(s, Str(a[0]));
  return Value::String(
      absl::StrCat("/graph?g0.expr=", QueryEscape(s), "&g0.tab=1"));
}

// Go builtins.
Result FnNot(const Args& a, const ExecOptions&) {
  return Value::Bool(!a[0].Truth());
}
Result FnLen(const Args& a, const ExecOptions&) {
  switch (a[0].kind()) {
    case Value::Kind::kString: return Value::Int(a[0].string_value().size());
    case Value::Kind::kMap:
    case Value::Kind::kLabels: return Value::Int(a[0].MapSize());
    case Value::Kind::kList: return Value::Int(a[0].list_value().size());
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("len of type ", a[0].TypeName()));
  }
}
Result FnIndex(const Args& a, const ExecOptions&) {
  Value cur = a[0];
  for (size_t i = 1; i < a.size(); ++i) {
    if (cur.is_map()) {
      if (a[i].kind() != Value::Kind::kString) return WrongType("string", a[i]);
      std::optional<Value> v = cur.MapGet(a[i].string_value());
      cur = v ? std::move(*v) : Value::String("");
    } else if (cur.kind() == Value::Kind::kList) {
      if (a[i].kind() != Value::Kind::kInt) {
        return absl::InvalidArgumentError(absl::StrCat(
            "cannot index slice/array with type ", a[i].TypeName()));
      }
      int64_t k = a[i].int_value();
      if (k < 0 || k >= static_cast<int64_t>(cur.list_value().size())) {
        return absl::InvalidArgumentError(
            absl::StrCat("error calling index: index out of range: ", k));
      }
      cur = cur.list_value()[k];
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("can't index item of type ", cur.TypeName()));
    }
  }
  return cur;
}
Result FnPrint(const Args& a, const ExecOptions&) {
  std::string out;
  for (size_t i = 0; i < a.size(); ++i) {
    bool is_str = a[i].kind() == Value::Kind::kString;
    if (i > 0 && !is_str && a[i - 1].kind() != Value::Kind::kString) out += ' ';
    out += a[i].ToString();
  }
  return Value::String(out);
}
Result FnPrintln(const Args& a, const ExecOptions&) {
  std::string out;
  for (size_t i = 0; i < a.size(); ++i) {
    if (i > 0) out += ' ';
    out += a[i].ToString();
  }
  return Value::String(out + "\n");
}
Result FnPrintf(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(f, Str(a[0]));
  std::vector<Value> rest(a.begin() + 1, a.end());
  return Value::String(GoSprintf(f, rest));
}
Result FnUrlquery(const Args& a, const ExecOptions& o) {
  VIGIL_ASSIGN(s, FnPrint(a, o));
  return Value::String(QueryEscape(s.string_value()));
}
Result FnHtml(const Args& a, const ExecOptions& o) {
  VIGIL_ASSIGN(s, FnPrint(a, o));
  std::string out;
  for (char c : s.string_value()) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '\'': out += "&#39;"; break;
      case '"': out += "&#34;"; break;
      default: out += c;
    }
  }
  return Value::String(out);
}
Result FnJs(const Args& a, const ExecOptions& o) {
  VIGIL_ASSIGN(s, FnPrint(a, o));
  std::string out;
  for (char c : s.string_value()) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\'': out += "\\'"; break;
      case '"': out += "\\\""; break;
      case '<': out += "\\u003C"; break;
      case '>': out += "\\u003E"; break;
      case '&': out += "\\u0026"; break;
      case '=': out += "\\u003D"; break;
      case '\n': out += "\\u000A"; break;
      default: out += c;
    }
  }
  return Value::String(out);
}

// Comparisons (Go's eq/ne/lt/le/gt/ge on basic kinds).
absl::StatusOr<int> Compare(const Value& x, const Value& y, bool ordered) {
  using K = Value::Kind;
  if (x.kind() != y.kind()) {
    return absl::InvalidArgumentError("incompatible types for comparison");
  }
  switch (x.kind()) {
    case K::kInt:
      return x.int_value() < y.int_value() ? -1 : x.int_value() > y.int_value();
    case K::kFloat: {
      double a = x.float_value(), b = y.float_value();
      if (a == b) return 0;
      if (a < b) return -1;
      if (a > b) return 1;
      return 2;  // NaN: unordered and unequal
    }
    case K::kString:
      return x.string_value() < y.string_value()
                 ? -1
                 : (x.string_value() > y.string_value() ? 1 : 0);
    case K::kBool:
      if (ordered) return absl::InvalidArgumentError("invalid type for comparison");
      return x.bool_value() == y.bool_value() ? 0 : 1;
    case K::kNil:
      if (ordered) return absl::InvalidArgumentError("invalid type for comparison");
      return 0;
    default:
      return absl::InvalidArgumentError("invalid type for comparison");
  }
}
Result FnEq(const Args& a, const ExecOptions&) {
  for (size_t i = 1; i < a.size(); ++i) {
    VIGIL_ASSIGN(c, Compare(a[0], a[i], false));
    if (c == 0) return Value::Bool(true);
  }
  return Value::Bool(false);
}
Result FnNe(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(c, Compare(a[0], a[1], false));
  return Value::Bool(c != 0);
}
Result FnLt(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(c, Compare(a[0], a[1], true));
  return Value::Bool(c == -1);
}
Result FnLe(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(c, Compare(a[0], a[1], true));
  return Value::Bool(c == -1 || c == 0);
}
Result FnGt(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(c, Compare(a[0], a[1], true));
  return Value::Bool(c == 1);
}
Result FnGe(const Args& a, const ExecOptions&) {
  VIGIL_ASSIGN(c, Compare(a[0], a[1], true));
  return Value::Bool(c == 1 || c == 0);
}

#undef VIGIL_ASSIGN

constexpr FunctionInfo kFunctions[] = {
    {"and", 1, -1, nullptr},
    {"or", 1, -1, nullptr},
    {"not", 1, 1, FnNot},
    {"len", 1, 1, FnLen},
    {"index", 1, -1, FnIndex},
    {"print", 0, -1, FnPrint},
    {"println", 0, -1, FnPrintln},
    {"printf", 1, -1, FnPrintf},
    {"urlquery", 0, -1, FnUrlquery},
    {"html", 0, -1, FnHtml},
    {"js", 0, -1, FnJs},
    {"eq", 2, -1, FnEq},
    {"ne", 2, 2, FnNe},
    {"lt", 2, 2, FnLt},
    {"le", 2, 2, FnLe},
    {"gt", 2, 2, FnGt},
    {"ge", 2, 2, FnGe},
    {"query", 1, 1, FnQuery},
    {"first", 1, 1, FnFirst},
    {"label", 2, 2, FnLabel},
    {"value", 1, 1, FnValue},
    {"strvalue", 1, 1, FnStrValue},
    {"sortByLabel", 2, 2, FnSortByLabel},
    {"humanize", 1, 1, FnHumanize},
    {"humanize1024", 1, 1, FnHumanize1024},
    {"humanizeDuration", 1, 1, FnHumanizeDuration},
    {"humanizePercentage", 1, 1, FnHumanizePercentage},
    {"humanizeTimestamp", 1, 1, FnHumanizeTimestamp},
    {"toTime", 1, 1, FnToTime},
    {"toDuration", 1, 1, FnToDuration},
    {"now", 0, 0, FnNow},
    {"title", 1, 1, FnTitle},
    {"toUpper", 1, 1, FnToUpper},
    {"toLower", 1, 1, FnToLower},
    {"match", 2, 2, FnMatch},
    {"reReplaceAll", 3, 3, FnReReplaceAll},
    {"safeHtml", 1, 1, FnSafeHtml},
    {"stripPort", 1, 1, FnStripPort},
    {"stripDomain", 1, 1, FnStripDomain},
    {"args", 0, -1, FnArgs},
    {"parseDuration", 1, 1, FnParseDuration},
    {"urlQueryEscape", 1, 1, FnUrlQueryEscape},
    {"externalURL", 0, 0, FnExternalURL},
    {"pathPrefix", 0, 0, FnPathPrefix},
    {"graphLink", 1, 1, FnGraphLink},
    {"tableLink", 1, 1, FnTableLink},
};

}  // namespace

const FunctionInfo* LookupFunction(absl::string_view name) {
  for (const FunctionInfo& f : kFunctions) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

}  // namespace internal
}  // namespace vigil::rules::tmpl
