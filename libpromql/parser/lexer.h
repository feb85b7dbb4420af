// The PromQL lexer: splits a query into tokens with byte positions, the way
// Prometheus's promql/parser/lex.go does (same token kinds, same context
// rules inside `{...}` and `[...]`, same error texts such as
// `unterminated quoted string` or `unexpected character: '$'`).
//
// Comments (`# ...` to end of line) are returned as kComment tokens; the
// parser skips them. A lexing error is returned as one kError token whose
// `value` is the message and whose `pos` is where the bad token starts;
// after it the lexer only returns kEOF.
//
// Thread safety: a Lexer is used by one thread; it borrows `input`, which
// must outlive it and the tokens it returns.

#ifndef VIGIL_LIBPROMQL_PARSER_LEXER_H_
#define VIGIL_LIBPROMQL_PARSER_LEXER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vigil::promql::parser {

enum class TokenType {
  kEOF,
  kError,
  kComment,
  kIdentifier,        // foo, inside braces also label names
  kMetricIdentifier,  // an identifier containing ':'
  kNumber,            // 1, 0x1f, 1e3, .5, Inf, NaN
  kDuration,          // 5m, 1h30m
  kString,            // "..." '...' `...` (value keeps the quotes)
  kLeftParen,
  kRightParen,
  kLeftBrace,
  kRightBrace,
  kLeftBracket,
  kRightBracket,
  kComma,
  kColon,
  kEql,       // =
  kEqlRegex,  // =~ (inside braces)
  kNeqRegex,  // !~ (inside braces)
  // Operators.
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEqlc,  // ==
  kNeq,   // !=
  kGtr,
  kLss,
  kGte,
  kLte,
  kAt,
  kLand,
  kLor,
  kLunless,
  kAtan2,
  kTrimUpper,  // </
  kTrimLower,  // >/
  // Aggregators.
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
  kLimitK,
  kLimitRatio,
  // Keywords.
  kBool,
  kBy,
  kGroupLeft,
  kGroupRight,
  kIgnoring,
  kOffset,
  kOn,
  kWithout,
  // Preprocessors (`@ start()`, `@ end()`).
  kStart,
  kEnd,
};

bool IsOperatorToken(TokenType t);    // kAdd .. kAtan2, plus =~ and !~
bool IsAggregatorToken(TokenType t);  // kSum .. kLimitRatio
bool IsKeywordToken(TokenType t);     // kBool .. kWithout

struct Token {
  TokenType type = TokenType::kEOF;
  int pos = 0;              // byte offset of the first character
  absl::string_view value;  // the token's text (error: the message)

  int end() const { return pos + static_cast<int>(value.size()); }
};

// How Prometheus names a token in "unexpected ..." messages:
// `end of input`, `identifier "foo"`, `number "1"`, `"("`, `<op:+>`,
// `<aggr:sum>`, `<by>`.
std::string TokenDescription(const Token& t);

class Lexer {
 public:
  explicit Lexer(absl::string_view input) : input_(input) {}

  // The next token; kEOF forever once the input (or an error) is reached.
  Token Next();

  absl::string_view input() const { return input_; }

 private:
  Token Emit(TokenType type);
  Token Error(std::string message);
  Token LexInsideBraces();
  Token LexNumberOrDuration();
  Token LexString(char quote);
  Token LexRawString();
  // Validates one escape after a backslash; returns false with error_ set.
  bool LexEscape(char quote);
  void SkipSpaces();

  absl::string_view input_;
  size_t pos_ = 0;
  size_t start_ = 0;
  int paren_depth_ = 0;
  bool brace_open_ = false;
  bool bracket_open_ = false;
  bool got_colon_ = false;
  bool done_ = false;
  std::string error_;  // storage for the kError token's message
};

// Go's %q for a single rune: 'a', '\n', '\x00', '\u00ad'.
std::string QuoteRune(int r);
// Go's strconv.Quote: "a\"b\n", non-printable runes and bad UTF-8 escaped.
std::string GoQuote(absl::string_view s);
// The value of a quoted string as PromQL reads it (quotes included): "..."
// and '...' with Go escapes, `...` raw. InvalidArgument on a malformed
// escape.
absl::StatusOr<std::string> GoUnquote(absl::string_view quoted);

}  // namespace vigil::promql::parser

#endif  // VIGIL_LIBPROMQL_PARSER_LEXER_H_
