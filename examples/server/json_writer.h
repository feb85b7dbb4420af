// JsonWriter builds JSON text byte-for-byte as Prometheus's HTTP API writes
// it (Go's encoding/json / jsoniter "compatible with standard library"):
// strings escape `<`, `>`, `&`, U+2028/U+2029 and control characters as
// \u00XX and replace invalid UTF-8 with U+FFFD; numbers use Go's shortest
// round-trip formatting.
//
//   JsonWriter w;
//   w.BeginObject();
//   w.Key("status"); w.String("success");
//   w.EndObject();
//   std::string body = w.Take();
//
// The free functions format sample values and timestamps the way
// Prometheus's jsonutil does ("1.5", "NaN", "+Inf", "1e-07"; 1.500).
//
// Thread safety: a JsonWriter is used by one thread at a time; the free
// functions are reentrant.

#ifndef VIGIL_EXAMPLES_SERVER_JSON_WRITER_H_
#define VIGIL_EXAMPLES_SERVER_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "model/labels.h"

namespace vigil::server {

// Go's strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip digits in
// fixed notation; "NaN", "+Inf", "-Inf".
std::string FormatFloatFixed(double v);

// Prometheus's sample value text (jsonutil.MarshalFloat, without quotes):
// fixed notation, but exponent form ("1e-07", "1.5e+21") when the absolute
// value is below 1e-6 or at least 1e21.
std::string FormatSampleValue(double v);

// Go's encoding/json text for a float64 number (exponent "1e-7" form outside
// [1e-6, 1e21)). Non-finite values have no JSON form; they give "null".
std::string FormatJsonNumber(double v);

// Prometheus's jsonutil.MarshalTimestamp: milliseconds as seconds with the
// fraction always three digits when non-zero ("1.500", "2", "-0.001").
std::string FormatSampleTimestamp(int64_t ms);

// Appends `s` quoted and escaped as Go's encoding/json does.
void AppendJsonString(absl::string_view s, std::string* out);

class JsonWriter {
 public:
  JsonWriter() = default;

  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  // An object key; the next call writes its value.
  void Key(absl::string_view key);
  void String(absl::string_view s);
  void Bool(bool b);
  void Null();
  void Int(int64_t v);
  void Uint(uint64_t v);
  // A JSON number from a double (FormatJsonNumber).
  void Double(double v);
  // Writes `json` verbatim as one value; it must be valid JSON.
  void Raw(absl::string_view json);
  // {"name":"value",...} in label order.
  void LabelsObject(const model::Labels& labels);
  // ["a","b",...].
  void StringArray(const std::vector<std::string>& items);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  // Writes a comma when the current container already has an element.
  void Separate();

  std::string out_;
  // One entry per open container: whether it holds an element yet.
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_JSON_WRITER_H_
