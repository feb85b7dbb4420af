#include "libpromql/parser/lexer.h"

#include <cstdint>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libpromql/parser/internal/parse_util.h"

namespace vigil::promql::parser {
namespace {

using internal::AppendUtf8;

constexpr int kEofRune = -1;
constexpr int kRuneError = 0xFFFD;

bool IsAlpha(int r) {
  return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
}
bool IsDigit(int r) { return r >= '0' && r <= '9'; }
bool IsAlphaNumeric(int r) { return IsAlpha(r) || IsDigit(r); }
bool IsSpace(int r) { return r == ' ' || r == '\t' || r == '\n' || r == '\r'; }

// Decodes one UTF-8 rune at s[i]; sets *len (>= 1). Invalid bytes decode to
// U+FFFD with length 1, as Go does.
int DecodeRune(absl::string_view s, size_t i, int* len) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  *len = 1;
  if (b0 < 0x80) return b0;
  int need;
  uint32_t cp;
  if ((b0 & 0xE0) == 0xC0) {
    need = 1;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    need = 2;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    need = 3;
    cp = b0 & 0x07;
  } else {
    return kRuneError;
  }
  if (i + need >= s.size()) return kRuneError;
  for (int k = 1; k <= need; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return kRuneError;
    cp = (cp << 6) | (b & 0x3F);
  }
  // Overlong forms, surrogates and out-of-range values are invalid.
  if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) ||
      (need == 3 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return kRuneError;
  }
  *len = need + 1;
  return static_cast<int>(cp);
}

// An approximation of Go's unicode.IsPrint: controls, surrogates, the
// soft hyphen, unassigned private-use and non-characters are not printable.
bool IsPrintRune(int r) {
  if (r < 0x20 || r == 0x7F) return false;
  if (r >= 0x80 && r < 0xA0) return false;
  if (r == 0xAD) return false;
  if (r >= 0xD800 && r <= 0xDFFF) return false;
  if (r >= 0xE000 && r <= 0xF8FF) return false;
  if ((r & 0xFFFE) == 0xFFFE) return false;
  if (r >= 0x2028 && r <= 0x202E) return false;
  if (r >= 0x200B && r <= 0x200F) return false;
  if (r >= 0x2060 && r <= 0x206F) return false;
  if (r == 0xFEFF) return false;
  return r <= 0x10FFFF;
}

void AppendEscapedRune(std::string* out, int r, char quote) {
  if (r == quote || r == '\\') {
    out->push_back('\\');
    out->push_back(static_cast<char>(r));
    return;
  }
  if (IsPrintRune(r)) {
    AppendUtf8(out, static_cast<uint32_t>(r));
    return;
  }
  switch (r) {
    case '\a':
      out->append("\\a");
      return;
    case '\b':
      out->append("\\b");
      return;
    case '\f':
      out->append("\\f");
      return;
    case '\n':
      out->append("\\n");
      return;
    case '\r':
      out->append("\\r");
      return;
    case '\t':
      out->append("\\t");
      return;
    case '\v':
      out->append("\\v");
      return;
    default:
      break;
  }
  if (r < ' ' || r == 0x7F) {
    absl::StrAppendFormat(out, "\\x%02x", r);
  } else if (r < 0x10000) {
    absl::StrAppendFormat(out, "\\u%04x", r);
  } else {
    absl::StrAppendFormat(out, "\\U%08x", r);
  }
}

// Go's %#U: "U+0041 'A'" (without the quoted form for non-printables).
std::string GoSharpU(int r) {
  if (r < 0) r = kRuneError;
  std::string s = absl::StrFormat("U+%04X", r);
  if (IsPrintRune(r)) {
    absl::StrAppend(&s, " '");
    AppendUtf8(&s, static_cast<uint32_t>(r));
    absl::StrAppend(&s, "'");
  }
  return s;
}

int HexVal(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 16;
}

struct Keyword {
  absl::string_view word;
  TokenType type;
};

constexpr Keyword kKeywords[] = {
    {"and", TokenType::kLand},
    {"or", TokenType::kLor},
    {"unless", TokenType::kLunless},
    {"atan2", TokenType::kAtan2},
    {"sum", TokenType::kSum},
    {"avg", TokenType::kAvg},
    {"count", TokenType::kCount},
    {"min", TokenType::kMin},
    {"max", TokenType::kMax},
    {"group", TokenType::kGroup},
    {"stddev", TokenType::kStddev},
    {"stdvar", TokenType::kStdvar},
    {"topk", TokenType::kTopK},
    {"bottomk", TokenType::kBottomK},
    {"count_values", TokenType::kCountValues},
    {"quantile", TokenType::kQuantile},
    {"limitk", TokenType::kLimitK},
    {"limit_ratio", TokenType::kLimitRatio},
    {"offset", TokenType::kOffset},
    {"by", TokenType::kBy},
    {"without", TokenType::kWithout},
    {"on", TokenType::kOn},
    {"ignoring", TokenType::kIgnoring},
    {"group_left", TokenType::kGroupLeft},
    {"group_right", TokenType::kGroupRight},
    {"bool", TokenType::kBool},
    {"start", TokenType::kStart},
    {"end", TokenType::kEnd},
    {"inf", TokenType::kNumber},
    {"nan", TokenType::kNumber},
};

}  // namespace

bool IsOperatorToken(TokenType t) {
  return (t >= TokenType::kAdd && t <= TokenType::kTrimLower) ||
         t == TokenType::kEqlRegex || t == TokenType::kNeqRegex;
}

bool IsAggregatorToken(TokenType t) {
  return t >= TokenType::kSum && t <= TokenType::kLimitRatio;
}

bool IsKeywordToken(TokenType t) {
  return t >= TokenType::kBool && t <= TokenType::kWithout;
}

std::string QuoteRune(int r) {
  std::string out = "'";
  if (r < 0) r = kRuneError;
  if (r == '"') {
    out.push_back('"');
  } else {
    AppendEscapedRune(&out, r, '\'');
  }
  out.push_back('\'');
  return out;
}

std::string GoQuote(absl::string_view s) {
  std::string out = "\"";
  out.reserve(s.size() + 2);
  for (size_t i = 0; i < s.size();) {
    int len;
    int r = DecodeRune(s, i, &len);
    if (r == kRuneError && len == 1 &&
        !(s.size() - i >= 3 && s.substr(i, 3) == "\xEF\xBF\xBD")) {
      absl::StrAppendFormat(&out, "\\x%02x",
                            static_cast<unsigned char>(s[i]));
    } else {
      AppendEscapedRune(&out, r, '"');
    }
    i += len;
  }
  out.push_back('"');
  return out;
}

std::string TokenDescription(const Token& t) {
  // Go's %.10q...: at most 10 runes, quoted, then "...".
  auto short_quote = [](absl::string_view v) {
    size_t i = 0;
    int runes = 0;
    while (i < v.size() && runes < 10) {
      int len;
      DecodeRune(v, i, &len);
      i += len;
      ++runes;
    }
    if (i >= v.size()) return GoQuote(v);
    return GoQuote(v.substr(0, i)) + "...";
  };
  switch (t.type) {
    case TokenType::kEOF:
      return "end of input";
    case TokenType::kError:
      return std::string(t.value);
    case TokenType::kIdentifier:
      return "identifier " + GoQuote(t.value);
    case TokenType::kMetricIdentifier:
      return "metric identifier " + GoQuote(t.value);
    case TokenType::kNumber:
      return "number " + short_quote(t.value);
    case TokenType::kDuration:
      return "duration " + short_quote(t.value);
    case TokenType::kString:
      return "string " + short_quote(t.value);
    case TokenType::kComment:
      return "comment " + short_quote(t.value);
    default:
      break;
  }
  if (IsKeywordToken(t.type)) return absl::StrCat("<", t.value, ">");
  if (IsOperatorToken(t.type)) return absl::StrCat("<op:", t.value, ">");
  if (IsAggregatorToken(t.type)) return absl::StrCat("<aggr:", t.value, ">");
  return short_quote(t.value);
}

Token Lexer::Emit(TokenType type) {
  Token t;
  t.type = type;
  t.pos = static_cast<int>(start_);
  t.value = input_.substr(start_, pos_ - start_);
  start_ = pos_;
  return t;
}

Token Lexer::Error(std::string message) {
  error_ = std::move(message);
  done_ = true;
  Token t;
  t.type = TokenType::kError;
  t.pos = static_cast<int>(start_);
  t.value = error_;
  return t;
}

void Lexer::SkipSpaces() {
  while (pos_ < input_.size() && IsSpace(input_[pos_])) ++pos_;
  start_ = pos_;
}

Token Lexer::Next() {
  if (done_) {
    Token t;
    t.type = TokenType::kEOF;
    t.pos = static_cast<int>(input_.size());
    return t;
  }
  for (;;) {
    SkipSpaces();
    if (pos_ < input_.size() && input_[pos_] == '#') {
      while (pos_ < input_.size() && input_[pos_] != '\n') ++pos_;
      return Emit(TokenType::kComment);
    }
    break;
  }
  if (brace_open_) return LexInsideBraces();

  if (pos_ >= input_.size()) {
    if (paren_depth_ != 0) return Error("unclosed left parenthesis");
    if (bracket_open_) return Error("unclosed left bracket");
    done_ = true;
    return Emit(TokenType::kEOF);
  }
  int len;
  const int r = DecodeRune(input_, pos_, &len);
  const int peek =
      pos_ + len < input_.size() ? static_cast<unsigned char>(input_[pos_ + len])
                                 : kEofRune;
  switch (r) {
    case ',':
      ++pos_;
      return Emit(TokenType::kComma);
    case '*':
      ++pos_;
      return Emit(TokenType::kMul);
    case '/':
      ++pos_;
      return Emit(TokenType::kDiv);
    case '%':
      ++pos_;
      return Emit(TokenType::kMod);
    case '+':
      ++pos_;
      return Emit(TokenType::kAdd);
    case '-':
      ++pos_;
      return Emit(TokenType::kSub);
    case '^':
      ++pos_;
      return Emit(TokenType::kPow);
    case '@':
      ++pos_;
      return Emit(TokenType::kAt);
    case '=':
      ++pos_;
      if (peek == '=') {
        ++pos_;
        return Emit(TokenType::kEqlc);
      }
      if (peek == '~') {
        return Error(absl::StrCat("unexpected character after '=': ",
                                  QuoteRune('~')));
      }
      return Emit(TokenType::kEql);
    case '!':
      ++pos_;
      if (peek == '=') {
        ++pos_;
        return Emit(TokenType::kNeq);
      }
      {
        int l2 = 0;
        int nr = pos_ < input_.size() ? DecodeRune(input_, pos_, &l2)
                                      : kEofRune;
        return Error(absl::StrCat("unexpected character after '!': ",
                                  QuoteRune(nr)));
      }
    case '<':
      ++pos_;
      if (peek == '=') {
        ++pos_;
        return Emit(TokenType::kLte);
      }
      if (peek == '/') {
        ++pos_;
        return Emit(TokenType::kTrimUpper);
      }
      return Emit(TokenType::kLss);
    case '>':
      ++pos_;
      if (peek == '=') {
        ++pos_;
        return Emit(TokenType::kGte);
      }
      if (peek == '/') {
        ++pos_;
        return Emit(TokenType::kTrimLower);
      }
      return Emit(TokenType::kGtr);
    case '"':
    case '\'':
      ++pos_;
      return LexString(static_cast<char>(r));
    case '`':
      ++pos_;
      return LexRawString();
    case '(':
      ++pos_;
      ++paren_depth_;
      return Emit(TokenType::kLeftParen);
    case ')':
      ++pos_;
      --paren_depth_;
      if (paren_depth_ < 0) {
        start_ = pos_;  // Prometheus reports it after the ')'.
        return Error(
            absl::StrCat("unexpected right parenthesis ", QuoteRune(')')));
      }
      return Emit(TokenType::kRightParen);
    case '{':
      ++pos_;
      brace_open_ = true;
      return Emit(TokenType::kLeftBrace);
    case '[':
      ++pos_;
      if (bracket_open_) {
        return Error(absl::StrCat("unexpected left bracket ", QuoteRune('[')));
      }
      got_colon_ = false;
      bracket_open_ = true;
      return Emit(TokenType::kLeftBracket);
    case ']':
      ++pos_;
      if (!bracket_open_) {
        return Error(absl::StrCat("unexpected right bracket ", QuoteRune(']')));
      }
      bracket_open_ = false;
      return Emit(TokenType::kRightBracket);
    default:
      break;
  }
  if (IsDigit(r) || (r == '.' && IsDigit(peek))) return LexNumberOrDuration();
  if (r == ':' && bracket_open_) {
    ++pos_;
    if (got_colon_) {
      return Error(absl::StrCat("unexpected colon ", QuoteRune(':')));
    }
    got_colon_ = true;
    return Emit(TokenType::kColon);
  }
  if (IsAlpha(r) || r == ':') {
    bool has_colon = false;
    while (pos_ < input_.size() &&
           (IsAlphaNumeric(input_[pos_]) || input_[pos_] == ':')) {
      if (input_[pos_] == ':') has_colon = true;
      ++pos_;
    }
    absl::string_view word = input_.substr(start_, pos_ - start_);
    if (word.size() >= 2 && word.size() <= 12 && !has_colon) {
      char lower[12];
      for (size_t i = 0; i < word.size(); ++i) {
        lower[i] = absl::ascii_tolower(static_cast<unsigned char>(word[i]));
      }
      const absl::string_view lw(lower, word.size());
      for (const Keyword& k : kKeywords) {
        if (k.word.size() == lw.size() && k.word == lw) return Emit(k.type);
      }
    }
    return Emit(has_colon ? TokenType::kMetricIdentifier
                          : TokenType::kIdentifier);
  }
  pos_ += len;
  return Error(absl::StrCat("unexpected character: ", QuoteRune(r)));
}

Token Lexer::LexInsideBraces() {
  if (pos_ >= input_.size()) {
    return Error("unexpected end of input inside braces");
  }
  int len;
  const int r = DecodeRune(input_, pos_, &len);
  if (IsAlpha(r)) {
    while (pos_ < input_.size() && IsAlphaNumeric(input_[pos_])) ++pos_;
    return Emit(TokenType::kIdentifier);
  }
  pos_ += len;
  switch (r) {
    case ',':
      return Emit(TokenType::kComma);
    case '"':
    case '\'':
      return LexString(static_cast<char>(r));
    case '`':
      return LexRawString();
    case '=':
      if (pos_ < input_.size() && input_[pos_] == '~') {
        ++pos_;
        return Emit(TokenType::kEqlRegex);
      }
      return Emit(TokenType::kEql);
    case '!': {
      int nr = kEofRune;
      int l2 = 0;
      if (pos_ < input_.size()) nr = DecodeRune(input_, pos_, &l2);
      if (nr == '~') {
        ++pos_;
        return Emit(TokenType::kNeqRegex);
      }
      if (nr == '=') {
        ++pos_;
        return Emit(TokenType::kNeq);
      }
      return Error(absl::StrCat(
          "unexpected character after '!' inside braces: ", QuoteRune(nr)));
    }
    case '{':
      return Error(absl::StrCat("unexpected left brace ", QuoteRune('{')));
    case '}':
      brace_open_ = false;
      return Emit(TokenType::kRightBrace);
    default:
      return Error(
          absl::StrCat("unexpected character inside braces: ", QuoteRune(r)));
  }
}

Token Lexer::LexNumberOrDuration() {
  auto peek = [&]() -> int {
    return pos_ < input_.size() ? static_cast<unsigned char>(input_[pos_])
                                : kEofRune;
  };
  auto accept = [&](absl::string_view set) {
    int c = peek();
    if (c != kEofRune && set.find(static_cast<char>(c)) != absl::string_view::npos) {
      ++pos_;
      return true;
    }
    return false;
  };
  auto accept_run = [&](absl::string_view set) {
    while (accept(set)) {
    }
  };
  // A plain number: hex, or decimal with fraction and exponent; Go also
  // allows '_' between digits.
  bool hex = false;
  if (peek() == '0' && pos_ + 1 < input_.size() &&
      (input_[pos_ + 1] == 'x' || input_[pos_ + 1] == 'X')) {
    pos_ += 2;
    hex = true;
    accept_run("0123456789abcdefABCDEF_");
  } else {
    accept_run("0123456789_");
    if (accept(".")) accept_run("0123456789_");
    if (accept("eE")) {
      accept("+-");
      accept_run("0123456789_");
    }
  }
  if (!IsAlphaNumeric(peek())) return Emit(TokenType::kNumber);
  if (!hex) {
    // The rest of a duration: unit, then more <digits><unit> groups.
    bool ok = false;
    if (accept("nsumhdwy")) {
      accept("s");
      ok = true;
      while (ok && accept("0123456789")) {
        accept_run("0123456789");
        if (!accept("nsumhdw")) {
          ok = false;
          break;
        }
        accept("s");
      }
      if (ok) {
        if (!IsAlphaNumeric(peek())) return Emit(TokenType::kDuration);
        ++pos_;
        ok = false;
      }
    }
  } else {
    ++pos_;
  }
  return Error(absl::StrCat("bad number or duration syntax: ",
                            GoQuote(input_.substr(start_, pos_ - start_))));
}

bool Lexer::LexEscape(char quote) {
  if (pos_ >= input_.size()) {
    error_ = "escape sequence not terminated";
    return false;
  }
  int len;
  int ch = DecodeRune(input_, pos_, &len);
  pos_ += len;
  int n;
  uint32_t base;
  uint32_t max;
  switch (ch) {
    case 'a':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
    case 'v':
    case '\\':
      return true;
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
      n = 3;
      base = 8;
      max = 255;
      break;
    case 'x':
    case 'u':
    case 'U':
      n = ch == 'x' ? 2 : (ch == 'u' ? 4 : 8);
      base = 16;
      max = ch == 'x' ? 255 : 0x10FFFF;
      if (pos_ >= input_.size()) {
        error_ = "escape sequence not terminated";
        return false;
      }
      ch = DecodeRune(input_, pos_, &len);
      pos_ += len;
      break;
    default:
      if (ch == quote) return true;
      error_ = absl::StrCat("unknown escape sequence ", GoSharpU(ch));
      return false;
  }
  uint32_t x = 0;
  while (n > 0) {
    uint32_t d = static_cast<uint32_t>(HexVal(ch));
    if (d >= base) {
      error_ = absl::StrCat("illegal character ", GoSharpU(ch),
                            " in escape sequence");
      return false;
    }
    x = x * base + d;
    --n;
    if (n > 0) {
      if (pos_ >= input_.size()) {
        error_ = "escape sequence not terminated";
        return false;
      }
      ch = DecodeRune(input_, pos_, &len);
      pos_ += len;
    }
  }
  if (x > max || (x >= 0xD800 && x < 0xE000)) {
    error_ = "escape sequence is an invalid Unicode code point";
    return false;
  }
  return true;
}

Token Lexer::LexString(char quote) {
  for (;;) {
    if (pos_ >= input_.size()) return Error("unterminated quoted string");
    int len;
    int r = DecodeRune(input_, pos_, &len);
    pos_ += len;
    if (r == '\\') {
      if (!LexEscape(quote)) return Error(error_);
      continue;
    }
    if (r == kRuneError && len == 1) return Error("invalid UTF-8 rune");
    if (r == '\n') return Error("unterminated quoted string");
    if (r == quote) break;
  }
  return Emit(TokenType::kString);
}

Token Lexer::LexRawString() {
  for (;;) {
    if (pos_ >= input_.size()) return Error("unterminated raw string");
    int len;
    int r = DecodeRune(input_, pos_, &len);
    pos_ += len;
    if (r == kRuneError && len == 1) return Error("invalid UTF-8 rune");
    if (r == '`') break;
  }
  return Emit(TokenType::kString);
}

absl::StatusOr<std::string> GoUnquote(absl::string_view quoted) {
  return internal::Unquote(quoted);
}

}  // namespace vigil::promql::parser
