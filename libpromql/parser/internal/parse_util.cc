#include "libpromql/parser/internal/parse_util.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace vigil::promql::parser::internal {
namespace {

absl::Status NumberError(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("error parsing number: strconv.ParseFloat: parsing \"",
                   text, "\": ", why));
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string PositionString(absl::string_view input, int pos) {
  if (input.empty()) return "unknown position";
  if (pos < 0 || pos > static_cast<int>(input.size())) {
    return "invalid position";
  }
  int line = 1;
  int last_break = -1;
  for (int i = 0; i < pos; ++i) {
    if (input[i] == '\n') {
      last_break = i;
      ++line;
    }
  }
  return absl::StrCat(line, ":", pos - last_break);
}

absl::StatusOr<double> ParseNumber(absl::string_view text) {
  std::string s;
  s.reserve(text.size());
  for (char c : text) {
    if (c != '_') s.push_back(c);
  }
  const std::string lower = absl::AsciiStrToLower(s);
  if (lower == "inf" || lower == "+inf" || lower == "infinity") {
    return std::numeric_limits<double>::infinity();
  }
  if (lower == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (s.empty()) return NumberError(text, "invalid syntax");
  if (lower.size() >= 2 && lower[0] == '0' && lower[1] == 'x') {
    if (lower.size() == 2) return NumberError(text, "invalid syntax");
    uint64_t v = 0;
    for (size_t i = 2; i < lower.size(); ++i) {
      const int d = HexDigit(lower[i]);
      if (d < 0) return NumberError(text, "invalid syntax");
      if (v > (std::numeric_limits<uint64_t>::max() >> 4)) {
        return NumberError(text, "invalid syntax");
      }
      v = (v << 4) | static_cast<uint64_t>(d);
    }
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return NumberError(text, "invalid syntax");
    }
    return static_cast<double>(v);
  }
  if (s.size() > 1 && s[0] == '0') {
    bool octal = true;
    for (size_t i = 1; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '7') {
        octal = false;
        break;
      }
    }
    if (octal) {
      errno = 0;
      const long long v = std::strtoll(s.c_str(), nullptr, 8);
      if (errno == 0) return static_cast<double>(v);
    }
  }
  // Decimal: digits, optional fraction, optional exponent (no hex floats,
  // no words: the lexer already restricted the shape, check anyway).
  size_t i = 0;
  bool digits = false;
  while (i < s.size() && absl::ascii_isdigit(s[i])) {
    ++i;
    digits = true;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && absl::ascii_isdigit(s[i])) {
      ++i;
      digits = true;
    }
  }
  if (!digits) return NumberError(text, "invalid syntax");
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    bool exp_digits = false;
    while (i < s.size() && absl::ascii_isdigit(s[i])) {
      ++i;
      exp_digits = true;
    }
    if (!exp_digits) return NumberError(text, "invalid syntax");
  }
  if (i != s.size()) return NumberError(text, "invalid syntax");
  errno = 0;
  const double v = std::strtod(s.c_str(), nullptr);
  if (errno == ERANGE && std::isinf(v)) {
    return NumberError(text, "value out of range");
  }
  return v;
}

absl::StatusOr<std::string> Unquote(absl::string_view text) {
  if (text.size() < 2 || text.front() != text.back()) {
    return absl::InvalidArgumentError("invalid syntax");
  }
  const char quote = text.front();
  absl::string_view body = text.substr(1, text.size() - 2);
  std::string out;
  out.reserve(body.size());
  if (quote == '`') {
    for (char c : body) {
      if (c != '\r') out.push_back(c);
    }
    return out;
  }
  if (quote != '"' && quote != '\'') {
    return absl::InvalidArgumentError("invalid syntax");
  }
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i >= body.size()) return absl::InvalidArgumentError("invalid syntax");
    const char e = body[i];
    switch (e) {
      case 'a':
        out.push_back('\a');
        continue;
      case 'b':
        out.push_back('\b');
        continue;
      case 'f':
        out.push_back('\f');
        continue;
      case 'n':
        out.push_back('\n');
        continue;
      case 'r':
        out.push_back('\r');
        continue;
      case 't':
        out.push_back('\t');
        continue;
      case 'v':
        out.push_back('\v');
        continue;
      case '\\':
        out.push_back('\\');
        continue;
      case '\'':
      case '"':
        if (e != quote) return absl::InvalidArgumentError("invalid syntax");
        out.push_back(e);
        continue;
      default:
        break;
    }
    if (e >= '0' && e <= '7') {
      if (i + 2 >= body.size()) {
        return absl::InvalidArgumentError("invalid syntax");
      }
      unsigned v = 0;
      for (int k = 0; k < 3; ++k) {
        const char d = body[i + k];
        if (d < '0' || d > '7') {
          return absl::InvalidArgumentError("invalid syntax");
        }
        v = v * 8 + static_cast<unsigned>(d - '0');
      }
      if (v > 255) return absl::InvalidArgumentError("invalid syntax");
      out.push_back(static_cast<char>(v));
      i += 2;
      continue;
    }
    int n = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
    if (n == 0 || i + n >= body.size()) {
      return absl::InvalidArgumentError("invalid syntax");
    }
    uint32_t v = 0;
    for (int k = 1; k <= n; ++k) {
      const int d = HexDigit(body[i + k]);
      if (d < 0) return absl::InvalidArgumentError("invalid syntax");
      v = (v << 4) | static_cast<uint32_t>(d);
    }
    i += n;
    if (e == 'x') {
      out.push_back(static_cast<char>(v));
    } else {
      if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000)) {
        return absl::InvalidArgumentError("invalid syntax");
      }
      AppendUtf8(&out, v);
    }
  }
  return out;
}

std::string FormatFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  // Shortest %e representation that round-trips.
  std::string e;
  for (int prec = 0; prec <= 17; ++prec) {
    e = absl::StrFormat("%.*e", prec, v);
    if (std::strtod(e.c_str(), nullptr) == v) break;
  }
  // e looks like [-]d[.ddd]e[+-]XX.
  std::string out;
  size_t i = 0;
  if (e[0] == '-') {
    out.push_back('-');
    i = 1;
  }
  std::string digits;
  size_t epos = e.find('e');
  for (size_t k = i; k < epos; ++k) {
    if (e[k] != '.') digits.push_back(e[k]);
  }
  const int exp = std::atoi(e.c_str() + epos + 1);
  // value = 0.d1d2...dn * 10^(exp+1)
  const int point = exp + 1;  // digits before the decimal point
  if (point <= 0) {
    out.append("0.");
    out.append(static_cast<size_t>(-point), '0');
    out.append(digits);
  } else if (point >= static_cast<int>(digits.size())) {
    out.append(digits);
    out.append(static_cast<size_t>(point - static_cast<int>(digits.size())),
               '0');
  } else {
    out.append(digits.substr(0, point));
    out.push_back('.');
    out.append(digits.substr(point));
  }
  return out;
}

std::string FormatFloatG(double v) {
  if (std::isnan(v) || std::isinf(v) || v == 0) return FormatFloat(v);
  const double a = std::fabs(v);
  if (a >= 1e-4 && a < 1e21) return FormatFloat(v);
  std::string e;
  for (int prec = 0; prec <= 17; ++prec) {
    e = absl::StrFormat("%.*e", prec, v);
    if (std::strtod(e.c_str(), nullptr) == v) break;
  }
  return e;  // printf's exponent has at least two digits, like Go's
}

std::string GoFormatF(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return absl::StrFormat("%.6f", v);
}

}  // namespace vigil::promql::parser::internal
