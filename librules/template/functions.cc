#include "librules/template/functions.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "re2/re2.h"

namespace vigil::rules::tmpl {
namespace {

std::string Pad(std::string s, int width, bool minus, bool zero) {
  if (width <= 0 || static_cast<int>(s.size()) >= width) return s;
  size_t n = width - s.size();
  if (minus) return s + std::string(n, ' ');
  if (zero) {
    size_t at = (!s.empty() && (s[0] == '-' || s[0] == '+' || s[0] == ' '))
                    ? 1
                    : 0;
    s.insert(at, std::string(n, '0'));
    return s;
  }
  return std::string(n, ' ') + s;
}

std::string GoQuote(absl::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += absl::StrFormat("\\x%02x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

struct Spec {
  bool minus = false, plus = false, sharp = false, space = false,
       zero = false;
  int width = -1;
  int prec = -1;
};

std::string CFlags(const Spec& sp) {
  std::string f = "%";
  if (sp.minus) f += '-';
  if (sp.plus) f += '+';
  if (sp.sharp) f += '#';
  if (sp.space) f += ' ';
  if (sp.zero && !sp.minus) f += '0';
  if (sp.width >= 0) absl::StrAppend(&f, sp.width);
  if (sp.prec >= 0) absl::StrAppend(&f, ".", sp.prec);
  return f;
}

std::string FormatFloatVerb(double v, char verb, const Spec& sp) {
  if (std::isnan(v) || std::isinf(v)) {
    std::string s = std::isnan(v) ? "NaN" : (v > 0 ? "+Inf" : "-Inf");
    if (std::isinf(v) && v > 0 && !sp.plus) s = sp.space ? " Inf" : "+Inf";
    return Pad(s, sp.width, sp.minus, false);
  }
  if ((verb == 'g' || verb == 'G' || verb == 'v') && sp.prec < 0) {
    std::string s = FormatGoFloat(v);
    if (verb == 'G') s = absl::AsciiStrToUpper(s);
    if (sp.plus && v >= 0) s = "+" + s;
    else if (sp.space && v >= 0) s = " " + s;
    return Pad(s, sp.width, sp.minus, sp.zero);
  }
  char cverb = verb == 'v' ? 'g' : verb;
  std::string fmt = CFlags(sp) + cverb;
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt.c_str(), v);
  return buf;
}

std::string BadVerb(char verb, const Value& v) {
  if (v.is_nil()) return absl::StrCat("%!", std::string(1, verb), "(<nil>)");
  return absl::StrCat("%!", std::string(1, verb), "(", v.TypeName(), "=",
                      v.ToString(), ")");
}

std::string FormatOne(char verb, const Spec& sp, const Value& v) {
  using K = Value::Kind;
  switch (verb) {
    case 'v':
      if (v.kind() == K::kFloat) return FormatFloatVerb(v.float_value(), 'v', sp);
      if (v.kind() == K::kInt) {
        return FormatOne('d', sp, v);
      }
      return Pad(v.ToString(), sp.width, sp.minus, false);
    case 's': {
      if (v.kind() == K::kInt || v.kind() == K::kFloat ||
          v.kind() == K::kBool) {
        return BadVerb(verb, v);
      }
      std::string s = v.ToString();
      if (sp.prec >= 0 && static_cast<int>(s.size()) > sp.prec) {
        s.resize(sp.prec);
      }
      return Pad(s, sp.width, sp.minus, false);
    }
    case 'q':
      if (v.kind() != K::kString) return BadVerb(verb, v);
      return Pad(GoQuote(v.string_value()), sp.width, sp.minus, false);
    case 't':
      if (v.kind() != K::kBool) return BadVerb(verb, v);
      return Pad(v.ToString(), sp.width, sp.minus, false);
    case 'd':
    case 'x':
    case 'X':
    case 'o':
    case 'c':
      if (v.kind() == K::kInt) {
        if (verb == 'c') {
          return Pad(std::string(1, static_cast<char>(v.int_value())),
                     sp.width, sp.minus, false);
        }
        std::string fmt = CFlags(sp) + "ll" + verb;
        char buf[128];
        std::snprintf(buf, sizeof buf, fmt.c_str(),
                      static_cast<long long>(v.int_value()));
        return buf;
      }
      if ((verb == 'x' || verb == 'X') && v.kind() == K::kString) {
        std::string out;
        for (unsigned char c : v.string_value()) {
          out += absl::StrFormat(verb == 'x' ? "%02x" : "%02X", c);
        }
        return Pad(out, sp.width, sp.minus, false);
      }
      return BadVerb(verb, v);
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G':
      if (v.kind() != K::kFloat) return BadVerb(verb, v);
      return FormatFloatVerb(v.float_value(), verb == 'F' ? 'f' : verb, sp);
    default:
      return absl::StrCat("%!", std::string(1, verb), "(", v.TypeName(), "=",
                          v.ToString(), ")");
  }
}

double Pow1000Scale(double* v, const char* const* prefixes, int n,
                    std::string* prefix, bool up) {
  for (int i = 0; i < n; ++i) {
    if (up ? std::fabs(*v) < 1000 : std::fabs(*v) >= 1) break;
    *prefix = prefixes[i];
    if (up) {
      *v /= 1000;
    } else {
      *v *= 1000;
    }
  }
  return *v;
}

re2::StringPiece SP(absl::string_view s) {
  return re2::StringPiece(s.data(), s.size());
}

constexpr const char* kBig[] = {"k", "M", "G", "T", "P", "E", "Z", "Y"};
constexpr const char* kSmall[] = {"m", "u", "n", "p", "f", "a", "z", "y"};
constexpr const char* kBin[] = {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"};

}  // namespace

std::string GoSprintf(absl::string_view format, const std::vector<Value>& args) {
  std::string out;
  size_t argi = 0;
  size_t i = 0;
  while (i < format.size()) {
    char c = format[i];
    if (c != '%') {
      out += c;
      ++i;
      continue;
    }
    ++i;
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    Spec sp;
    for (; i < format.size(); ++i) {
      char f = format[i];
      if (f == '-') sp.minus = true;
      else if (f == '+') sp.plus = true;
      else if (f == '#') sp.sharp = true;
      else if (f == ' ') sp.space = true;
      else if (f == '0') sp.zero = true;
      else break;
    }
    while (i < format.size() && std::isdigit(static_cast<unsigned char>(format[i]))) {
      sp.width = (sp.width < 0 ? 0 : sp.width) * 10 + (format[i] - '0');
      if (sp.width > 1000) sp.width = 1000;
      ++i;
    }
    if (i < format.size() && format[i] == '.') {
      ++i;
      sp.prec = 0;
      while (i < format.size() && std::isdigit(static_cast<unsigned char>(format[i]))) {
        sp.prec = sp.prec * 10 + (format[i] - '0');
        if (sp.prec > 300) sp.prec = 300;
        ++i;
      }
    }
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    char verb = format[i++];
    if (verb == '%') {
      out += '%';
      continue;
    }
    if (argi >= args.size()) {
      absl::StrAppend(&out, "%!", std::string(1, verb), "(MISSING)");
      continue;
    }
    out += FormatOne(verb, sp, args[argi++]);
  }
  if (argi < args.size()) {
    out += "%!(EXTRA ";
    for (size_t k = argi; k < args.size(); ++k) {
      if (k > argi) out += ", ";
      absl::StrAppend(&out, args[k].TypeName(), "=", args[k].ToString());
    }
    out += ")";
  }
  return out;
}

std::string FormatG4(double v) {
  Spec sp;
  sp.prec = 4;
  return FormatFloatVerb(v, 'g', sp);
}

absl::StatusOr<double> ConvertToFloat(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kFloat: return v.float_value();
    case Value::Kind::kInt: return static_cast<double>(v.int_value());
    case Value::Kind::kString: {
      const std::string& s = v.string_value();
      double d;
      if (s == "NaN") return std::nan("");
      if (s == "+Inf" || s == "Inf" || s == "inf" || s == "+inf") {
        return HUGE_VAL;
      }
      if (s == "-Inf" || s == "-inf") return -HUGE_VAL;
      if (!s.empty() && !std::isspace(static_cast<unsigned char>(s[0])) &&
          absl::SimpleAtod(s, &d)) {
        return d;
      }
      return absl::InvalidArgumentError(absl::StrCat(
          "strconv.ParseFloat: parsing ", GoQuote(s), ": invalid syntax"));
    }
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("can't convert ", v.TypeName(), " to float"));
  }
}

std::string Humanize(double v) {
  if (v == 0 || std::isnan(v) || std::isinf(v)) return FormatG4(v);
  std::string prefix;
  if (std::fabs(v) >= 1) {
    Pow1000Scale(&v, kBig, 8, &prefix, true);
  } else {
    Pow1000Scale(&v, kSmall, 8, &prefix, false);
  }
  return FormatG4(v) + prefix;
}

std::string Humanize1024(double v) {
  if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) return FormatG4(v);
  std::string prefix;
  for (const char* p : kBin) {
    if (std::fabs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return FormatG4(v) + prefix;
}

std::string HumanizeDuration(double v) {
  if (std::isnan(v) || std::isinf(v)) return FormatG4(v);
  if (v == 0) return FormatG4(v) + "s";
  if (std::fabs(v) >= 1) {
    std::string sign;
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    int64_t d = v >= 9.2e18 ? INT64_MAX : static_cast<int64_t>(v);
    int64_t seconds = d % 60, minutes = (d / 60) % 60,
            hours = (d / 60 / 60) % 24, days = d / 60 / 60 / 24;
    if (days != 0) {
      return absl::StrFormat("%s%dd %dh %dm %ds", sign, days, hours, minutes,
                             seconds);
    }
    if (hours != 0) {
      return absl::StrFormat("%s%dh %dm %ds", sign, hours, minutes, seconds);
    }
    if (minutes != 0) {
      return absl::StrFormat("%s%dm %ds", sign, minutes, seconds);
    }
    return sign + FormatG4(v) + "s";
  }
  std::string prefix;
  Pow1000Scale(&v, kSmall, 8, &prefix, false);
  return FormatG4(v) + prefix + "s";
}

std::string HumanizePercentage(double v) { return FormatG4(v * 100) + "%"; }

std::string HumanizeTimestamp(double v) {
  if (std::isnan(v) || std::isinf(v)) return FormatG4(v);
  // model.TimeFromUnixNano: millisecond precision.
  // Go: model.TimeFromUnixNano(int64(v * 1e9)), i.e. truncated to ms.
  int64_t ms;
  if (std::fabs(v) > 9.2e9) {
    ms = static_cast<int64_t>(v * 1000);
  } else {
    ms = static_cast<int64_t>(v * 1e9) / 1000000;
  }
  absl::Time t = absl::FromUnixMillis(ms);
  std::string base = absl::FormatTime("%Y-%m-%d %H:%M:%S", t, absl::UTCTimeZone());
  int64_t frac = ms % 1000;
  if (frac < 0) frac += 1000;
  if (frac != 0) {
    std::string f = absl::StrFormat("%03d", frac);
    while (!f.empty() && f.back() == '0') f.pop_back();
    absl::StrAppend(&base, ".", f);
  }
  return base + " +0000 UTC";
}

std::string Title(absl::string_view s) {
  std::string out(s);
  bool prev_letter = false;
  for (char& c : out) {
    unsigned char u = static_cast<unsigned char>(c);
    bool is_sep = !(std::isalnum(u) || u == '_' || u == '\'' || u >= 0x80);
    if (!prev_letter && !is_sep) c = static_cast<char>(std::toupper(u));
    prev_letter = !is_sep;
  }
  return out;
}

std::string ToUpper(absl::string_view s) { return absl::AsciiStrToUpper(s); }
std::string ToLower(absl::string_view s) { return absl::AsciiStrToLower(s); }

std::string StripPort(absl::string_view hp) {
  if (!hp.empty() && hp[0] == '[') {
    size_t end = hp.find(']');
    if (end == absl::string_view::npos) return std::string(hp);
    if (end + 1 < hp.size() && hp[end + 1] == ':') {
      return std::string(hp.substr(1, end - 1));
    }
    return std::string(hp);
  }
  size_t colon = hp.rfind(':');
  if (colon == absl::string_view::npos) return std::string(hp);
  if (hp.find(':') != colon) return std::string(hp);  // bare IPv6
  return std::string(hp.substr(0, colon));
}

std::string StripDomain(absl::string_view hp) {
  std::string host = StripPort(hp);
  std::string port;
  if (host.size() < hp.size()) {
    port = std::string(hp.substr(hp.rfind(':')));
  }
  // An IP address keeps its dots.
  bool all_digits = !host.empty();
  for (char c : host) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.') {
      all_digits = false;
    }
  }
  if (host.find(':') != std::string::npos || all_digits) {
    return std::string(hp);
  }
  size_t dot = host.find('.');
  if (dot != std::string::npos) host.resize(dot);
  return host + port;
}

absl::StatusOr<std::string> ReReplaceAll(absl::string_view pattern,
                                         absl::string_view repl,
                                         absl::string_view text) {
  RE2 re(SP(pattern), RE2::Quiet);
  if (!re.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "regexp: Compile(", GoQuote(pattern), "): ", re.error()));
  }
  int ngroups = re.NumberOfCapturingGroups();
  std::vector<re2::StringPiece> groups(ngroups + 1);
  const auto& names = re.NamedCapturingGroups();
  std::string out;
  size_t pos = 0;
  size_t last_end = 0;
  bool last_was_empty_at = false;
  while (pos <= text.size()) {
    if (!re.Match(SP(text), pos, text.size(), RE2::UNANCHORED, groups.data(),
                  ngroups + 1)) {
      break;
    }
    size_t mstart = groups[0].data() - text.data();
    size_t mend = mstart + groups[0].size();
    // Go skips an empty match right after the previous match.
    if (groups[0].empty() && mstart == last_end && last_was_empty_at &&
        mstart != 0) {
      // fallthrough: handled by advancing below
    }
    absl::StrAppend(&out, text.substr(last_end, mstart - last_end));
    // Expand repl.
    for (size_t i = 0; i < repl.size(); ++i) {
      char c = repl[i];
      if (c != '$' || i + 1 >= repl.size()) {
        out += c;
        continue;
      }
      if (repl[i + 1] == '$') {
        out += '$';
        ++i;
        continue;
      }
      std::string name;
      size_t j = i + 1;
      bool braced = repl[j] == '{';
      if (braced) {
        size_t close = repl.find('}', j);
        if (close == absl::string_view::npos) {
          out += c;
          continue;
        }
        name = std::string(repl.substr(j + 1, close - j - 1));
        j = close + 1;
      } else {
        while (j < repl.size() &&
               (std::isalnum(static_cast<unsigned char>(repl[j])) ||
                repl[j] == '_')) {
          name += repl[j++];
        }
      }
      if (name.empty()) {
        out += c;
        continue;
      }
      int idx = -1;
      bool numeric = std::all_of(name.begin(), name.end(), [](char ch) {
        return std::isdigit(static_cast<unsigned char>(ch));
      });
      if (numeric) {
        idx = name.size() < 6 ? std::atoi(name.c_str()) : -1;
      } else {
        auto it = names.find(name);
        if (it != names.end()) idx = it->second;
      }
      if (idx >= 0 && idx <= ngroups && groups[idx].data() != nullptr) {
        out.append(groups[idx].data(), groups[idx].size());
      }
      i = j - 1;
    }
    last_end = mend;
    last_was_empty_at = groups[0].empty();
    if (mend == mstart) {
      if (mend < text.size()) out += text[mend];
      last_end = mend + 1;
      pos = mend + 1;
    } else {
      pos = mend;
    }
  }
  if (last_end < text.size()) absl::StrAppend(&out, text.substr(last_end));
  return out;
}

absl::StatusOr<bool> RegexMatch(absl::string_view pattern,
                                absl::string_view text) {
  RE2 re(SP(pattern), RE2::Quiet);
  if (!re.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "error parsing regexp: ", re.error(), ": `", pattern, "`"));
  }
  return RE2::PartialMatch(SP(text), re);
}

std::string QueryEscape(absl::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += absl::StrFormat("%%%02X", c);
    }
  }
  return out;
}

}  // namespace vigil::rules::tmpl
