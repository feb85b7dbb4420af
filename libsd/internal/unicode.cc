#include "libsd/internal/unicode.h"

#include <locale.h>
#include <wctype.h>

namespace vigil::sd::internal {
namespace {

locale_t Utf8Locale() {
  static const locale_t loc = [] {
    locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
    return l;
  }();
  return loc;
}

template <typename AsciiFn, typename WideFn>
void MapRunes(absl::string_view s, std::string* out, AsciiFn ascii,
              WideFn wide) {
  out->reserve(out->size() + s.size());
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out->push_back(ascii(static_cast<char>(c)));
      ++i;
      continue;
    }
    size_t size;
    char32_t r = DecodeRune(s.substr(i), &size);
    locale_t loc = Utf8Locale();
    if (loc != static_cast<locale_t>(0)) {
      r = static_cast<char32_t>(wide(static_cast<wint_t>(r), loc));
    }
    AppendRune(r, out);
    i += size;
  }
}

}  // namespace

char32_t DecodeRune(absl::string_view s, size_t* size) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  unsigned char c = p[0];
  *size = 1;
  if (c < 0x80) return c;
  size_t n;
  char32_t r;
  if ((c & 0xe0) == 0xc0) {
    n = 1;
    r = c & 0x1f;
  } else if ((c & 0xf0) == 0xe0) {
    n = 2;
    r = c & 0x0f;
  } else if ((c & 0xf8) == 0xf0) {
    n = 3;
    r = c & 0x07;
  } else {
    return 0xfffd;
  }
  if (s.size() < n + 1) return 0xfffd;
  for (size_t k = 1; k <= n; ++k) {
    if ((p[k] & 0xc0) != 0x80) return 0xfffd;
    r = (r << 6) | (p[k] & 0x3f);
  }
  static constexpr char32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (r < kMin[n] || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) {
    return 0xfffd;
  }
  *size = n + 1;
  return r;
}

void AppendRune(char32_t r, std::string* out) {
  if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) r = 0xfffd;
  if (r < 0x80) {
    out->push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (r >> 6)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3f)));
  } else if (r < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (r >> 12)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (r >> 18)));
    out->push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3f)));
  }
}

bool IsLetterOrDigit(char32_t r) {
  if (r < 0x80) {
    return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') ||
           (r >= '0' && r <= '9');
  }
  if (r == 0xfffd) return false;
  locale_t loc = Utf8Locale();
  if (loc == static_cast<locale_t>(0)) return false;
  return iswalpha_l(static_cast<wint_t>(r), loc) ||
         iswdigit_l(static_cast<wint_t>(r), loc);
}

void AppendLower(absl::string_view s, std::string* out) {
  MapRunes(
      s, out, [](char c) { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; },
      [](wint_t r, locale_t l) { return towlower_l(r, l); });
}

void AppendUpper(absl::string_view s, std::string* out) {
  MapRunes(
      s, out, [](char c) { return c >= 'a' && c <= 'z' ? char(c - 32) : c; },
      [](wint_t r, locale_t l) { return towupper_l(r, l); });
}

}  // namespace vigil::sd::internal
