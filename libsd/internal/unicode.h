// Just enough Unicode for relabeling to behave like Go: rune decoding with
// Go's U+FFFD rule for invalid bytes, letter/digit classes (template
// names in Regexp.Expand) and simple case mapping (strings.ToLower and
// ToUpper for the lowercase/uppercase actions). Case and class tables come
// from glibc's C.UTF-8 locale; ASCII never reaches it.
//
// Thread safety: all functions are thread-safe.

#ifndef VIGIL_LIBSD_INTERNAL_UNICODE_H_
#define VIGIL_LIBSD_INTERNAL_UNICODE_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace vigil::sd::internal {

// Decodes the rune at the start of `s` (non-empty) and stores its length in
// `*size`; an invalid or truncated sequence yields U+FFFD with size 1.
char32_t DecodeRune(absl::string_view s, size_t* size);

// Appends the UTF-8 encoding of `r` (U+FFFD for invalid code points).
void AppendRune(char32_t r, std::string* out);

// Go's unicode.IsLetter(r) || unicode.IsDigit(r).
bool IsLetterOrDigit(char32_t r);

// Go's strings.ToLower / strings.ToUpper: appends the mapped `s` to `out`.
void AppendLower(absl::string_view s, std::string* out);
void AppendUpper(absl::string_view s, std::string* out);

}  // namespace vigil::sd::internal

#endif  // VIGIL_LIBSD_INTERNAL_UNICODE_H_
