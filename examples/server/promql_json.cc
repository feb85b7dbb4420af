#include "examples/server/promql_json.h"

#include "absl/strings/str_cat.h"
#include "examples/server/json_writer.h"

namespace vigil::server {
namespace {

// [t,"v"] with Prometheus's sample formatting.
void WritePoint(int64_t t, double v, JsonWriter* w) {
  w->BeginArray();
  w->Raw(FormatSampleTimestamp(t));
  w->String(FormatSampleValue(v));
  w->EndArray();
}

// Scalars and strings go through Go's encoding/json in Prometheus: the
// time is float64(t)/1000 as a JSON number.
std::string ScalarTime(int64_t t) {
  return FormatJsonNumber(static_cast<double>(t) / 1000.0);
}

}  // namespace

std::string EncodeQueryResult(const promql::Value& value) {
  JsonWriter w;
  if (const auto* s = std::get_if<promql::Scalar>(&value)) {
    w.BeginArray();
    w.Raw(ScalarTime(s->t));
    w.String(FormatFloatFixed(s->v));
    w.EndArray();
  } else if (const auto* str = std::get_if<promql::String>(&value)) {
    w.BeginArray();
    w.Raw(ScalarTime(str->t));
    w.String(str->v);
    w.EndArray();
  } else if (const auto* vec = std::get_if<promql::Vector>(&value)) {
    w.BeginArray();
    for (const promql::Sample& s : *vec) {
      w.BeginObject();
      w.Key("metric");
      w.LabelsObject(s.metric);
      w.Key("value");
      WritePoint(s.t, s.v, &w);
      w.EndObject();
    }
    w.EndArray();
  } else if (const auto* m = std::get_if<promql::Matrix>(&value)) {
    w.BeginArray();
    for (const promql::Series& s : *m) {
      w.BeginObject();
      w.Key("metric");
      w.LabelsObject(s.metric);
      w.Key("values");
      w.BeginArray();
      for (const promql::FPoint& p : s.points) WritePoint(p.t, p.v, &w);
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
  } else {
    w.Null();
  }
  return w.Take();
}

}  // namespace vigil::server
