#include "libscrape/textparse/internal/lex.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "absl/strings/charconv.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "model/labels.h"
#include "model/value.h"

namespace vigil::scrape::textparse::internal {
namespace {

double CanonicalNaN() {
  double d;
  std::memcpy(&d, &model::kNormalNaNBits, sizeof d);
  return d;
}

bool SyntaxError(absl::string_view fn, absl::string_view s, std::string* err) {
  *err = absl::StrCat("strconv.", fn, ": parsing ", Quote(s),
                      ": invalid syntax");
  return false;
}

bool RangeError(absl::string_view fn, absl::string_view s, std::string* err) {
  *err = absl::StrCat("strconv.", fn, ": parsing ", Quote(s),
                      ": value out of range");
  return false;
}

}  // namespace

bool ParseFloat(absl::string_view s, double* out, std::string* err) {
  const size_t n = s.size();
  if (n == 0) return SyntaxError("ParseFloat", s, err);
  // Fast path: a short run of digits is exact as a double.
  if (n <= 15) {
    uint64_t v = 0;
    size_t i = 0;
    for (; i < n; ++i) {
      unsigned d = static_cast<unsigned char>(s[i]) - '0';
      if (d > 9) break;
      v = v * 10 + d;
    }
    if (i == n) {
      *out = static_cast<double>(v);
      return true;
    }
  }
  for (char c : s) {
    if (c == 'p' || c == 'P' || c == '_') {
      *err = "unsupported character in float";
      return false;
    }
  }
  size_t i = 0;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    i = 1;
  }
  absl::string_view rest = s.substr(i);
  if (!rest.empty() && (rest[0] == 'i' || rest[0] == 'I')) {
    if (absl::EqualsIgnoreCase(rest, "inf") ||
        absl::EqualsIgnoreCase(rest, "infinity")) {
      *out = neg ? -std::numeric_limits<double>::infinity()
                 : std::numeric_limits<double>::infinity();
      return true;
    }
    return SyntaxError("ParseFloat", s, err);
  }
  if (i == 0 && absl::EqualsIgnoreCase(rest, "nan")) {
    *out = CanonicalNaN();
    return true;
  }
  // Decimal grammar: digits [. digits] [e [+-] digits], one digit at least.
  size_t j = i;
  int digits = 0;
  while (j < n && IsDigit(s[j])) ++j, ++digits;
  if (j < n && s[j] == '.') {
    ++j;
    while (j < n && IsDigit(s[j])) ++j, ++digits;
  }
  if (digits == 0) return SyntaxError("ParseFloat", s, err);
  if (j < n && (s[j] == 'e' || s[j] == 'E')) {
    ++j;
    if (j < n && (s[j] == '+' || s[j] == '-')) ++j;
    int ed = 0;
    while (j < n && IsDigit(s[j])) ++j, ++ed;
    if (ed == 0) return SyntaxError("ParseFloat", s, err);
  }
  if (j != n) return SyntaxError("ParseFloat", s, err);
  double v = 0;
  absl::from_chars_result r =
      absl::from_chars(s.data() + i, s.data() + n, v);
  if (r.ptr != s.data() + n) return SyntaxError("ParseFloat", s, err);
  if (r.ec == std::errc::result_out_of_range) {
    // Decide overflow (an error in Go) from underflow (rounds to zero).
    std::string copy(s.substr(i));
    errno = 0;
    v = std::strtod(copy.c_str(), nullptr);
    if (std::isinf(v)) return RangeError("ParseFloat", s, err);
  }
  *out = neg ? -v : v;
  return true;
}

bool ParseInt64(absl::string_view s, int64_t* out, std::string* err) {
  size_t i = 0;
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    i = 1;
  }
  if (i == s.size()) return SyntaxError("ParseInt", s, err);
  uint64_t v = 0;
  const uint64_t limit = neg ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  bool overflow = false;
  for (; i < s.size(); ++i) {
    unsigned d = static_cast<unsigned char>(s[i]) - '0';
    if (d > 9) return SyntaxError("ParseInt", s, err);
    if (!overflow) {
      if (v > (limit - d) / 10) {
        overflow = true;
      } else {
        v = v * 10 + d;
      }
    }
  }
  if (overflow) return RangeError("ParseInt", s, err);
  *out = neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}

std::string FormatGoFloat(double f) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  if (f == 0) return std::signbit(f) ? "-0" : "0";
  char buf[64];
  std::to_chars_result r =
      std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific);
  absl::string_view sci(buf, r.ptr - buf);
  std::string out;
  if (sci[0] == '-') {
    out.push_back('-');
    sci.remove_prefix(1);
  }
  size_t epos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, epos)) {
    if (c != '.') digits.push_back(c);
  }
  int exp = std::atoi(std::string(sci.substr(epos + 1)).c_str());
  const int nd = static_cast<int>(digits.size());
  if (exp < -4 || exp >= 6) {
    out.push_back(digits[0]);
    if (nd > 1) {
      out.push_back('.');
      out.append(digits, 1, std::string::npos);
    }
    out.push_back('e');
    out.push_back(exp < 0 ? '-' : '+');
    int ae = exp < 0 ? -exp : exp;
    if (ae < 10) out.push_back('0');
    absl::StrAppend(&out, ae);
    return out;
  }
  const int dp = exp + 1;
  if (dp <= 0) {
    out.append("0.");
    out.append(-dp, '0');
    out.append(digits);
  } else if (dp >= nd) {
    out.append(digits);
    out.append(dp - nd, '0');
  } else {
    out.append(digits, 0, dp);
    out.push_back('.');
    out.append(digits, dp, std::string::npos);
  }
  return out;
}

std::string FormatOpenMetricsFloat(double f) {
  if (f == 1) return "1.0";
  if (f == 0) return "0.0";
  if (f == -1) return "-1.0";
  std::string s = FormatGoFloat(f);
  if (std::isnan(f) || std::isinf(f)) return s;
  if (s.find_first_of("e.") == std::string::npos) s.append(".0");
  return s;
}

std::string Quote(absl::string_view s) { return model::QuoteString(s); }

void Unescape(absl::string_view s, bool help_only, std::string* out) {
  out->clear();
  out->reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      char d = s[i + 1];
      if (d == '\\') {
        out->push_back('\\');
        ++i;
        continue;
      }
      if (d == 'n') {
        out->push_back('\n');
        ++i;
        continue;
      }
      if (d == '"' && !help_only) {
        out->push_back('"');
        ++i;
        continue;
      }
    }
    out->push_back(c);
  }
}

bool ValidUtf8(absl::string_view s) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0;
  const size_t n = s.size();
  while (i + 8 <= n) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (w & 0x8080808080808080ULL) break;
    i += 8;
  }
  for (; i < n; ++i) {
    if (p[i] & 0x80) return model::IsValidUtf8(s.substr(i));
  }
  return true;
}

}  // namespace vigil::scrape::textparse::internal
