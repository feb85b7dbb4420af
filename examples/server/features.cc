#include "examples/server/features.h"

#include "absl/strings/match.h"
#include "libpromql/parser/function_table.h"

namespace vigil::server {

bool PromqlFunctionSupported(absl::string_view name) {
  // Native histograms are not stored or evaluated; histogram_quantile(s)
  // and histogram_fraction work on classic `le` buckets.
  if (absl::StartsWith(name, "histogram_")) {
    return name == "histogram_quantile" || name == "histogram_quantiles" ||
           name == "histogram_fraction";
  }
  return name != "start_timestamp" && name != "integral";
}

FeatureMap ServerFeatures(const FeatureFlags& flags) {
  FeatureMap m;
  auto& api = m["api"];
  api["admin"] = flags.admin;
  api["lifecycle"] = flags.lifecycle;
  api["remote_write_receiver"] = flags.remote_write_receiver;
  api["otlp_write_receiver"] = false;
  api["search"] = false;
  api["label_values_match"] = true;
  api["query_warnings"] = true;
  api["query_stats"] = true;
  api["time_range_series"] = true;
  api["time_range_labels"] = true;
  api["exclude_alerts"] = true;
  api["openapi_3.1"] = false;
  api["openapi_3.2"] = false;

  auto& otlp = m["otlp_receiver"];
  otlp["delta_conversion"] = false;
  otlp["native_delta_ingestion"] = false;

  auto& prom = m["prometheus"];
  prom["agent_mode"] = false;
  prom["server_mode"] = true;
  prom["auto_reload_config"] = false;

  auto& promql = m["promql"];
  promql["at_modifier"] = true;
  promql["negative_offset"] = true;
  promql["per_step_stats"] = false;
  promql["delayed_name_removal"] = false;
  promql["type_and_unit_labels"] = false;
  promql["per_query_lookback_delta"] = true;
  promql["subqueries"] = true;
  promql["duration_expr"] = true;
  // The parser's keywords; the experimental ones are enabled in Vigil.
  for (const char* k : {"anchored", "bool", "by", "fill", "fill_left", "fill_right",
                        "group_left", "group_right", "ignoring", "offset", "on",
                        "smoothed", "without"}) {
    promql[k] = true;
  }

  auto& ops = m["promql_operators"];
  for (const char* o : {"+", "-", "*", "/", "%", "^", "==", "!=", ">", "<", ">=",
                        "<=", "=~", "!~", "@", "and", "or", "unless", "atan2"}) {
    ops[o] = true;
  }
  // Native-histogram trimming.
  ops["</"] = false;
  ops[">/"] = false;
  for (const char* a : {"avg", "bottomk", "count", "count_values", "group", "max",
                        "min", "quantile", "stddev", "stdvar", "sum", "topk",
                        "limitk", "limit_ratio"}) {
    ops[a] = true;
  }

  auto& funcs = m["promql_functions"];
  for (const promql::parser::Function& f : promql::parser::AllFunctions()) {
    funcs[std::string(f.name)] = PromqlFunctionSupported(f.name);
  }

  auto& rules = m["rules"];
  rules["concurrent_rule_eval"] = false;
  rules["query_offset"] = true;
  rules["keep_firing_for"] = true;

  auto& scrape = m["scrape"];
  scrape["extra_scrape_metrics"] = true;
  scrape["start_timestamp_zero_ingestion"] = false;
  scrape["type_and_unit_labels"] = false;

  // Only the providers there are, as Prometheus registers them.
  auto& sd = m["service_discovery_providers"];
  for (const char* p : {"dns", "file", "http", "kubernetes"}) sd[p] = true;

  auto& tsdb = m["tsdb"];
  tsdb["delayed_compaction"] = false;
  tsdb["exemplar_storage"] = false;
  tsdb["histograms_st_encoding"] = false;
  tsdb["isolation"] = false;
  tsdb["native_histograms"] = false;
  tsdb["st_storage"] = false;
  tsdb["use_uncached_io"] = false;
  tsdb["xor2_encoding"] = false;

  m["ui"]["ui_v3"] = false;
  return m;
}

}  // namespace vigil::server
