#include "examples/server/json_writer.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace vigil::server {
namespace {

std::string ToChars(double v, std::chars_format fmt) {
  char buf[400];
  std::to_chars_result r = std::to_chars(buf, buf + sizeof(buf), v, fmt);
  if (r.ec != std::errc()) return "NaN";  // cannot happen with 400 bytes
  return std::string(buf, r.ptr);
}

bool NonFinite(double v, std::string* out) {
  if (std::isnan(v)) {
    *out = "NaN";
    return true;
  }
  if (std::isinf(v)) {
    *out = v > 0 ? "+Inf" : "-Inf";
    return true;
  }
  return false;
}

bool UseExponent(double v) {
  double a = std::fabs(v);
  return a != 0 && (a < 1e-6 || a >= 1e21);
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t Utf8SequenceLength(absl::string_view s, size_t i) {
  unsigned char c = s[i];
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    unsigned char cc = s[i + k];
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  // Reject overlong forms, surrogates and values past U+10FFFF.
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
      (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

}  // namespace

std::string FormatFloatFixed(double v) {
  std::string s;
  if (NonFinite(v, &s)) return s;
  return ToChars(v, std::chars_format::fixed);
}

std::string FormatSampleValue(double v) {
  std::string s;
  if (NonFinite(v, &s)) return s;
  return ToChars(v, UseExponent(v) ? std::chars_format::scientific
                                   : std::chars_format::fixed);
}

std::string FormatJsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  if (!UseExponent(v)) return ToChars(v, std::chars_format::fixed);
  std::string s = ToChars(v, std::chars_format::scientific);
  // Go trims the exponent's leading zero: 1e-07 -> 1e-7.
  size_t e = s.find('e');
  if (e != std::string::npos && s.size() > e + 3 && s[e + 2] == '0') {
    s.erase(e + 2, 1);
  }
  return s;
}

std::string FormatSampleTimestamp(int64_t ms) {
  std::string out;
  uint64_t t;
  if (ms < 0) {
    out.push_back('-');
    t = static_cast<uint64_t>(-(ms + 1)) + 1;
  } else {
    t = static_cast<uint64_t>(ms);
  }
  absl::StrAppend(&out, t / 1000);
  uint64_t frac = t % 1000;
  if (frac != 0) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), ".%03u", static_cast<unsigned>(frac));
    out.append(buf);
  }
  return out;
}

void AppendJsonString(absl::string_view s, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = s[i];
    if (c < 0x80) {
      switch (c) {
        case '"':
          out->append("\\\"");
          break;
        case '\\':
          out->append("\\\\");
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        default:
          if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            out->append("\\u00");
            out->push_back(kHex[c >> 4]);
            out->push_back(kHex[c & 0xF]);
          } else {
            out->push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    size_t n = Utf8SequenceLength(s, i);
    if (n == 0) {
      out->append("\\ufffd");
      ++i;
      continue;
    }
    // U+2028 and U+2029 (E2 80 A8 / E2 80 A9) are escaped by Go.
    if (n == 3 && c == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) & 0xFE) == 0xA8) {
      out->append(static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028"
                                                               : "\\u2029");
    } else {
      out->append(s.data() + i, n);
    }
    i += n;
  }
  out->push_back('"');
}

void JsonWriter::Separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_element_.empty()) {
    if (has_element_.back()) out_.push_back(',');
    has_element_.back() = true;
  }
}

void JsonWriter::BeginObject() {
  Separate();
  out_.push_back('{');
  has_element_.push_back(false);
}

void JsonWriter::EndObject() {
  out_.push_back('}');
  if (!has_element_.empty()) has_element_.pop_back();
}

void JsonWriter::BeginArray() {
  Separate();
  out_.push_back('[');
  has_element_.push_back(false);
}

void JsonWriter::EndArray() {
  out_.push_back(']');
  if (!has_element_.empty()) has_element_.pop_back();
}

void JsonWriter::Key(absl::string_view key) {
  Separate();
  AppendJsonString(key, &out_);
  out_.push_back(':');
  after_key_ = true;
}

void JsonWriter::String(absl::string_view s) {
  Separate();
  AppendJsonString(s, &out_);
}

void JsonWriter::Bool(bool b) {
  Separate();
  out_.append(b ? "true" : "false");
}

void JsonWriter::Null() {
  Separate();
  out_.append("null");
}

void JsonWriter::Int(int64_t v) {
  Separate();
  absl::StrAppend(&out_, v);
}

void JsonWriter::Uint(uint64_t v) {
  Separate();
  absl::StrAppend(&out_, v);
}

void JsonWriter::Double(double v) {
  Separate();
  out_.append(FormatJsonNumber(v));
}

void JsonWriter::Raw(absl::string_view json) {
  Separate();
  out_.append(json.data(), json.size());
}

void JsonWriter::LabelsObject(const model::Labels& labels) {
  BeginObject();
  for (model::LabelView l : labels) {
    Key(l.name);
    String(l.value);
  }
  EndObject();
}

void JsonWriter::StringArray(const std::vector<std::string>& items) {
  BeginArray();
  for (const std::string& s : items) String(s);
  EndArray();
}

}  // namespace vigil::server
