// Encodes PromQL values as the `data.result` JSON of Prometheus's query
// API, byte-for-byte as Prometheus writes them:
//
//   scalar  [1.5,"2"]                      (Go JSON number, fixed value)
//   string  [1.5,"text"]
//   vector  [{"metric":{...},"value":[1.500,"2"]}]
//   matrix  [{"metric":{...},"values":[[1.500,"2"],...]}]
//
// Thread safety: reentrant.

#ifndef VIGIL_EXAMPLES_SERVER_PROMQL_JSON_H_
#define VIGIL_EXAMPLES_SERVER_PROMQL_JSON_H_

#include <string>

#include "libpromql/value.h"

namespace vigil::server {

// JSON of data.result; "null" for an empty (monostate) value.
std::string EncodeQueryResult(const promql::Value& value);

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_PROMQL_JSON_H_
