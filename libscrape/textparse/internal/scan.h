// Inline byte scanners shared by the Prometheus and OpenMetrics parsers.
//
// Thread safety: stateless, safe from any thread.

#ifndef VIGIL_LIBSCRAPE_TEXTPARSE_INTERNAL_SCAN_H_
#define VIGIL_LIBSCRAPE_TEXTPARSE_INTERNAL_SCAN_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libscrape/textparse/internal/lex.h"

namespace vigil::scrape::textparse::internal {

enum : uint8_t {
  kLabelStart = 1,   // [a-zA-Z_]
  kLabelChar = 2,    // [a-zA-Z0-9_]
  kMetricStart = 4,  // [a-zA-Z_:]
  kMetricChar = 8,   // [a-zA-Z0-9_:]
  kValueEnd = 16,    // ' ' '\t' '\n' '{'  (Prometheus value token end)
};

struct CharTable {
  uint8_t c[256];
  constexpr CharTable() : c() {
    for (int i = 0; i < 256; ++i) {
      uint8_t v = 0;
      bool alpha = (i >= 'a' && i <= 'z') || (i >= 'A' && i <= 'Z') || i == '_';
      bool digit = i >= '0' && i <= '9';
      if (alpha) v |= kLabelStart | kMetricStart;
      if (alpha || digit) v |= kLabelChar | kMetricChar;
      if (i == ':') v |= kMetricStart | kMetricChar;
      if (i == ' ' || i == '\t' || i == '\n' || i == '{') v |= kValueEnd;
      c[i] = v;
    }
  }
};
inline constexpr CharTable kChars;

inline bool Is(char ch, uint8_t cls) {
  return kChars.c[static_cast<unsigned char>(ch)] & cls;
}

// Advances `i` over characters of class `cls`.
inline size_t ScanClass(absl::string_view b, size_t i, uint8_t cls) {
  while (i < b.size() && Is(b[i], cls)) ++i;
  return i;
}

// `i` is at an opening '"'. Returns the index after the closing quote, or
// npos when the string does not close (on this line, unless `newlines`
// counts raw newlines inside it: the Prometheus text format allows them in
// label values). Sets `*escaped` when a backslash escape occurs.
inline size_t ScanQuoted(absl::string_view b, size_t i, bool* escaped,
                         int* newlines = nullptr) {
  ++i;
  const size_t n = b.size();
  while (i < n) {
    char c = b[i];
    if (c == '"') return i + 1;
    if (c == '\\') {
      if (i + 1 >= n || b[i + 1] == '\n') return absl::string_view::npos;
      *escaped = true;
      i += 2;
      continue;
    }
    if (c == '\n') {
      if (newlines == nullptr) return absl::string_view::npos;
      ++*newlines;
    }
    ++i;
  }
  return absl::string_view::npos;
}

// Prometheus's parse error text: `<exp>, got "<tok>" ("<TOKNAME>") while
// parsing: "<line so far>"`.
inline std::string ParseErrorText(absl::string_view exp, absl::string_view got,
                                  absl::string_view tok_name,
                                  absl::string_view context) {
  return absl::StrCat(exp, ", got ", Quote(got), " (", Quote(tok_name),
                      ") while parsing: ", Quote(context));
}

}  // namespace vigil::scrape::textparse::internal

#endif  // VIGIL_LIBSCRAPE_TEXTPARSE_INTERNAL_SCAN_H_
