#include "examples/server/api_v1.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "examples/server/engine_query.h"
#include "examples/server/features.h"
#include "examples/server/promql_ast_json.h"
#include "examples/server/testing/http_test_server.h"
#include "examples/server/tsdb_blocks_api.h"
#include "gtest/gtest.h"
#include "libpromql/engine.h"
#include "libpromql/parser/function_table.h"
#include "libtsdb/storage/memory_storage.h"
#include "nlohmann/json.hpp"

namespace vigil::server {
namespace {

using nlohmann::json;

// A selector parser for tests only: `name` or `name{l="v",...}` / `{...}`
// with = matchers. The server wires the real PromQL parser.
absl::StatusOr<std::vector<model::Matcher>> TestSelector(absl::string_view s) {
  std::vector<model::Matcher> out;
  size_t brace = s.find('{');
  absl::string_view name = s.substr(0, brace);
  if (!name.empty()) out.push_back(model::Matcher::Equal("__name__", name));
  if (brace != absl::string_view::npos) {
    if (s.back() != '}') {
      return absl::InvalidArgumentError(
          "1:4: parse error: unexpected end of input inside braces");
    }
    absl::string_view body = s.substr(brace + 1, s.size() - brace - 2);
    for (absl::string_view part : absl::StrSplit(body, ',', absl::SkipEmpty())) {
      std::pair<std::string, std::string> kv = absl::StrSplit(part, '=');
      std::string v = kv.second;
      if (v.size() >= 2) v = v.substr(1, v.size() - 2);
      out.push_back(model::Matcher::Equal(kv.first, v));
    }
  }
  if (out.empty()) {
    return absl::InvalidArgumentError("1:1: parse error: unexpected number");
  }
  return out;
}

class ApiV1Test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = storage_.NewAppender();
    auto add = [&](model::Labels l, int64_t t, double v) {
      ASSERT_TRUE(app->Append(0, l, t, v).ok());
    };
    model::Labels up_a = model::Labels::FromPairs(
        {{"__name__", "up"}, {"job", "api"}, {"instance", "a:9090"}});
    model::Labels up_b = model::Labels::FromPairs(
        {{"__name__", "up"}, {"job", "node"}, {"instance", "b:9100"}});
    model::Labels req = model::Labels::FromPairs(
        {{"__name__", "http_requests_total"}, {"job", "api"}, {"code", "200"}});
    for (int i = 0; i < 10; ++i) {
      add(up_a, 1000 * 15 * i, 1);
      add(up_b, 1000 * 15 * i, i < 5 ? 1 : 0);
      add(req, 1000 * 15 * i, 10.0 * i);
    }
    ASSERT_TRUE(app->Commit().ok());

    ApiV1::Deps deps;
    deps.queryable = &storage_;
    deps.query = [this](const QueryRequest& q) -> absl::StatusOr<QueryResponse> {
      absl::MutexLock l(&mu_);
      seen_.push_back(q);
      return next_;
    };
    deps.parse_selector = TestSelector;
    deps.build_info = {"3.0.0+vigil.0.1.0", "abc", "main", "root", "20260101", "gcc"};
    deps.flags = {{"query.lookback-delta", "5m"}, {"config.file", "p.yml"}};
    deps.config_yaml = [] { return std::string("global:\n  scrape_interval: 15s\n"); };
    deps.runtime_info = [] {
      RuntimeInfo ri;
      ri.start_time = absl::FromUnixSeconds(1700000000);
      ri.cwd = "/data";
      ri.storage_retention = "15d";
      ri.gomaxprocs = 2;
      return ri;
    };
    api_ = std::make_unique<ApiV1>(std::move(deps));
    api_->Register(http_.router());
    ASSERT_GT(http_.Start(), 0);
    client_ = http_.NewClient();
  }

  // GET path; returns (status, parsed body).
  std::pair<int, json> Get(const std::string& path) {
    httplib::Result r = client_->Get(path.c_str());
    EXPECT_TRUE(r) << path;
    if (!r) return {0, json()};
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
    return {r->status, json::parse(r->body)};
  }

  std::pair<int, json> PostForm(const std::string& path, const std::string& form) {
    httplib::Result r = client_->Post(path.c_str(), form,
                                      "application/x-www-form-urlencoded");
    EXPECT_TRUE(r) << path;
    if (!r) return {0, json()};
    return {r->status, json::parse(r->body)};
  }

  QueryRequest LastQuery() {
    absl::MutexLock l(&mu_);
    EXPECT_FALSE(seen_.empty());
    return seen_.empty() ? QueryRequest{} : seen_.back();
  }

  void SetNext(absl::StatusOr<QueryResponse> r) {
    absl::MutexLock l(&mu_);
    next_ = std::move(r);
  }

  storage::MemoryStorage storage_;
  absl::Mutex mu_;
  std::vector<QueryRequest> seen_;
  absl::StatusOr<QueryResponse> next_ = QueryResponse{"scalar", R"([4,"2"])", "", {}, {}};
  std::unique_ptr<ApiV1> api_;
  testing::HttpTestServer http_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ApiV1Test, GrafanaHealthCheckPostForm) {
  auto [code, body] = PostForm("/api/v1/query", "query=1%2B1&time=4");
  EXPECT_EQ(code, 200);
  EXPECT_EQ(body, json::parse(R"({"status":"success","data":{"resultType":"scalar","result":[4,"2"]}})"));
  QueryRequest q = LastQuery();
  EXPECT_EQ(q.query, "1+1");
  EXPECT_FALSE(q.range);
  EXPECT_EQ(q.time_ms, 4000);
}

TEST_F(ApiV1Test, InstantQueryParameters) {
  auto [code, body] = Get(
      "/api/v1/query?query=up&time=2015-07-01T20:10:51.781Z&timeout=30s&"
      "lookback_delta=1m&stats=all");
  EXPECT_EQ(code, 200);
  QueryRequest q = LastQuery();
  EXPECT_EQ(q.time_ms, 1435781451781);
  EXPECT_EQ(q.timeout, absl::Seconds(30));
  EXPECT_EQ(q.lookback_delta_ms, 60000);
  EXPECT_TRUE(q.stats);
  Get("/api/v1/query?query=up&time=1.5&timeout=0.25");
  q = LastQuery();
  EXPECT_EQ(q.time_ms, 1500);
  EXPECT_EQ(q.timeout, absl::Milliseconds(250));
  EXPECT_FALSE(q.stats);
}

TEST_F(ApiV1Test, RangeQueryPostFormAsGrafanaSendsIt) {
  SetNext(QueryResponse{"matrix", R"([{"metric":{},"values":[[0,"1"]]}])", "", {"w1"}, {"i1"}});
  auto [code, body] =
      PostForm("/api/v1/query_range", "query=rate(x%5B5m%5D)&start=1700000000&end=1700003600&step=60");
  EXPECT_EQ(code, 200);
  EXPECT_EQ(body["data"]["resultType"], "matrix");
  EXPECT_EQ(body["warnings"], json::parse(R"(["w1"])"));
  EXPECT_EQ(body["infos"], json::parse(R"(["i1"])"));
  QueryRequest q = LastQuery();
  EXPECT_TRUE(q.range);
  EXPECT_EQ(q.query, "rate(x[5m])");
  EXPECT_EQ(q.start_ms, 1700000000000);
  EXPECT_EQ(q.end_ms, 1700003600000);
  EXPECT_EQ(q.step_ms, 60000);
}

// Error texts and codes were read from Prometheus 2.42's answers.
TEST_F(ApiV1Test, ParameterErrorsMatchPrometheus) {
  struct Case {
    std::string path;
    std::string error;
  } cases[] = {
      {"/api/v1/query?query=1&time=abc",
       R"(invalid parameter "time": Invalid time value for 'time': cannot parse "abc" to a valid timestamp)"},
      {"/api/v1/query?query=1&timeout=xyz",
       R"(invalid parameter "timeout": cannot parse "xyz" to a valid duration)"},
      {"/api/v1/query_range?query=1&start=1&end=0&step=1",
       R"(invalid parameter "end": end timestamp must not be before start time)"},
      {"/api/v1/query_range?query=1&start=0&end=100000&step=1",
       "exceeded maximum resolution of 11,000 points per timeseries. Try "
       "decreasing the query resolution (?step=XX)"},
      {"/api/v1/query_range?query=1&start=0&end=10&step=0",
       R"(invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer)"},
      {"/api/v1/query_range?query=1&start=0&end=10",
       R"(invalid parameter "step": cannot parse "" to a valid duration)"},
      {"/api/v1/query_range?query=1&start=x&end=10&step=1",
       R"(invalid parameter "start": cannot parse "x" to a valid timestamp)"},
      {"/api/v1/series", "no match[] parameter provided"},
      {"/api/v1/series?match[]=up%7B",
       R"(invalid parameter "match[]": 1:4: parse error: unexpected end of input inside braces)"},
      {"/api/v1/label/a%FFb/values", R"(invalid label name: "a\xffb")"},
      {"/api/v1/labels?limit=-1", R"(invalid parameter "limit": limit must be a positive number)"},
  };
  for (const Case& c : cases) {
    auto [code, body] = Get(c.path);
    EXPECT_EQ(code, 400) << c.path;
    EXPECT_EQ(body["status"], "error") << c.path;
    EXPECT_EQ(body["errorType"], "bad_data") << c.path;
    EXPECT_EQ(body["error"], c.error) << c.path;
  }
}

TEST_F(ApiV1Test, EngineErrorsMapToTypesAndCodes) {
  struct Case {
    absl::Status status;
    int code;
    std::string type;
    std::string error;
  } cases[] = {
      {absl::InvalidArgumentError("1:10: parse error: unclosed left parenthesis"), 400,
       "bad_data", R"(invalid parameter "query": 1:10: parse error: unclosed left parenthesis)"},
      {absl::InvalidArgumentError(
           R"(invalid expression type "range vector" for range query, must be Scalar or instant Vector)"),
       400, "bad_data",
       R"(invalid expression type "range vector" for range query, must be Scalar or instant Vector)"},
      {absl::DeadlineExceededError("query timed out in expression evaluation"), 503,
       "timeout", "query timed out in expression evaluation"},
      {absl::ResourceExhaustedError("query processing would load too many samples into memory in query execution"),
       422, "execution",
       "query processing would load too many samples into memory in query execution"},
      {absl::FailedPreconditionError("found duplicate series for the match group"), 422,
       "execution", "found duplicate series for the match group"},
      {absl::CancelledError("query was canceled"), 499, "canceled", "query was canceled"},
      {absl::InternalError("boom"), 500, "internal", "boom"},
  };
  for (const Case& c : cases) {
    SetNext(c.status);
    auto [code, body] = Get("/api/v1/query?query=x&time=1");
    EXPECT_EQ(code, c.code) << c.status;
    EXPECT_EQ(body["errorType"], c.type) << c.status;
    EXPECT_EQ(body["error"], c.error) << c.status;
    EXPECT_FALSE(body.contains("data"));
  }
}

TEST_F(ApiV1Test, StatsAreEmbeddedInData) {
  SetNext(QueryResponse{"vector", "[]", R"({"samples":{"totalQueryableSamples":3}})", {}, {}});
  auto [code, body] = Get("/api/v1/query?query=x&stats=all");
  EXPECT_EQ(code, 200);
  EXPECT_EQ(body["data"]["stats"]["samples"]["totalQueryableSamples"], 3);
  EXPECT_FALSE(body.contains("warnings"));
}

TEST_F(ApiV1Test, LabelsAndLabelValues) {
  auto [code, body] = Get("/api/v1/labels");
  EXPECT_EQ(code, 200);
  EXPECT_EQ(body["data"], json::parse(R"(["__name__","code","instance","job"])"));

  std::tie(code, body) = PostForm("/api/v1/labels", "match%5B%5D=up&start=0&end=200");
  EXPECT_EQ(body["data"], json::parse(R"(["__name__","instance","job"])"));

  std::tie(code, body) = Get("/api/v1/label/__name__/values");
  EXPECT_EQ(body["data"], json::parse(R"(["http_requests_total","up"])"));

  std::tie(code, body) = Get("/api/v1/label/job/values?match[]=up&match[]=http_requests_total");
  EXPECT_EQ(body["data"], json::parse(R"(["api","node"])"));

  std::tie(code, body) = Get("/api/v1/label/job/values?limit=1");
  EXPECT_EQ(body["data"], json::parse(R"(["api"])"));
  EXPECT_EQ(body["warnings"], json::parse(R"(["results truncated due to limit"])"));

  // Nothing in range: an empty list, not null.
  std::tie(code, body) = Get("/api/v1/label/job/values?start=100000&end=200000");
  EXPECT_EQ(body["data"], json::array());
  std::tie(code, body) = Get("/api/v1/label/nope/values");
  EXPECT_EQ(body["data"], json::array());

  // U__ escaping of UTF-8 label names in the path.
  std::tie(code, body) = Get("/api/v1/label/U__jo_62_/values");
  EXPECT_EQ(body["data"], json::parse(R"(["api","node"])"));
}

TEST_F(ApiV1Test, Series) {
  auto [code, body] = Get("/api/v1/series?match[]=up&start=0&end=1000");
  EXPECT_EQ(code, 200);
  EXPECT_EQ(body["data"], json::parse(R"([
      {"__name__":"up","instance":"a:9090","job":"api"},
      {"__name__":"up","instance":"b:9100","job":"node"}])"));

  // Two selectors: union without duplicates.
  std::tie(code, body) = PostForm(
      "/api/v1/series", "match%5B%5D=up&match%5B%5D=%7Bjob%3D%22api%22%7D");
  EXPECT_EQ(body["data"].size(), 3u);

  std::tie(code, body) = Get("/api/v1/series?match[]=up&limit=1");
  EXPECT_EQ(body["data"].size(), 1u);
  EXPECT_EQ(body["warnings"][0], "results truncated due to limit");

  std::tie(code, body) = Get("/api/v1/series?match[]=nothing");
  EXPECT_EQ(body["data"], json::array());
}

TEST_F(ApiV1Test, StatusEndpoints) {
  auto [code, body] = Get("/api/v1/status/buildinfo");
  EXPECT_EQ(code, 200);
  EXPECT_EQ(body["data"]["version"], "3.0.0+vigil.0.1.0");
  // Grafana treats a present, non-empty `features` as Mimir.
  EXPECT_FALSE(body["data"].contains("features"));

  std::tie(code, body) = Get("/api/v1/status/flags");
  EXPECT_EQ(body["data"]["query.lookback-delta"], "5m");

  std::tie(code, body) = Get("/api/v1/status/config");
  EXPECT_EQ(body["data"]["yaml"], "global:\n  scrape_interval: 15s\n");

  std::tie(code, body) = Get("/api/v1/status/runtimeinfo");
  EXPECT_EQ(body["data"]["startTime"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(body["data"]["storageRetention"], "15d");
  EXPECT_EQ(body["data"]["GOMAXPROCS"], 2);

  std::tie(code, body) = Get("/api/v1/status/tsdb?limit=1");
  EXPECT_EQ(body["data"]["headStats"]["numSeries"], 3);
  EXPECT_EQ(body["data"]["headStats"]["minTime"], 0);
  EXPECT_EQ(body["data"]["headStats"]["maxTime"], 135000);
  EXPECT_EQ(body["data"]["seriesCountByMetricName"],
            json::parse(R"([{"name":"up","value":2}])"));

  for (const char* empty : {"/api/v1/rules", "/api/v1/alerts", "/api/v1/targets",
                            "/api/v1/metadata", "/api/v1/alertmanagers"}) {
    std::tie(code, body) = Get(empty);
    EXPECT_EQ(code, 200) << empty;
    EXPECT_EQ(body["status"], "success") << empty;
  }
  std::tie(code, body) = Get("/api/v1/rules");
  EXPECT_EQ(body["data"]["groups"], json::array());
}

TEST_F(ApiV1Test, ExemplarProbeWithMillisecondTimesSucceeds) {
  auto [code, body] = PostForm("/api/v1/query_exemplars",
                               "query=test&start=1700000000000&end=1700001800000");
  EXPECT_EQ(code, 200);
  EXPECT_EQ(body["data"], json::array());
}

TEST_F(ApiV1Test, FormatQueryWithoutPrinterIsNotFound) {
  auto [code, body] = Get("/api/v1/format_query?query=up");
  EXPECT_EQ(code, 404);
  EXPECT_EQ(body["errorType"], "not_found");
}

TEST_F(ApiV1Test, Prometheus3EndpointsWithoutProviders) {
  auto [code, body] = Get("/api/v1/status/walreplay");
  EXPECT_EQ(body["data"], json::parse(R"({"min":0,"max":0,"current":0})"));
  std::tie(code, body) = Get("/api/v1/notifications");
  EXPECT_EQ(body["data"], json::array());
  std::tie(code, body) = Get("/api/v1/scrape_pools");
  EXPECT_EQ(body["data"], json::parse(R"({"scrapePools":[]})"));
  std::tie(code, body) = Get("/api/v1/status/tsdb/blocks");
  EXPECT_EQ(body["data"], json::parse(R"({"blocks":[]})"));
  std::tie(code, body) = Get("/api/v1/features");
  EXPECT_EQ(code, 500);
  EXPECT_EQ(body["error"], "feature registry not configured");
  std::tie(code, body) = Get("/api/v1/parse_query?query=up");
  EXPECT_EQ(code, 404);
  std::tie(code, body) = Get("/api/v1/targets/relabel_steps?scrapePool=x&labels=%7B%7D");
  EXPECT_EQ(code, 400);
  EXPECT_EQ(body["error"], "error retrieving scrape config: scrape pool \"x\" not found");
}

// An ApiV1 with every Prometheus 3.x provider set, answering raw bodies.
class ApiV1ProvidersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ApiV1::Deps deps;
    deps.queryable = &storage_;
    deps.parse_query = ParseQueryJson;
    deps.wal_replay = [] { return WalReplayStatus{2, 5, 3}; };
    deps.notifications = [] {
      return std::vector<Notification>{
          {"Configuration reload has failed.",
           absl::FromUnixSeconds(1700000000) + absl::Milliseconds(500), true}};
    };
    deps.scrape_pools = [] { return std::vector<std::string>{"node", "api"}; };
    deps.scrape_pool_relabel_configs =
        [](const std::string& pool) -> absl::StatusOr<std::vector<sd::RelabelConfig>> {
      if (pool != "node") return absl::NotFoundError("scrape pool \"" + pool + "\" not found");
      sd::RelabelConfig instance;
      instance.source_labels = {"__address__"};
      instance.target_label = "instance";
      sd::RelabelConfig keep;
      keep.source_labels = {"env"};
      keep.regex = *sd::RelabelRegex::Compile("prod");
      keep.action = sd::RelabelAction::kKeep;
      sd::RelabelConfig shard;
      shard.source_labels = {"__address__"};
      shard.modulus = 4;
      shard.target_label = "__tmp_shard";
      shard.action = sd::RelabelAction::kHashMod;
      return std::vector<sd::RelabelConfig>{instance, keep, shard};
    };
    FeatureFlags ff;
    ff.admin = true;
    deps.features = [ff] { return ServerFeatures(ff); };
    api_ = std::make_unique<ApiV1>(std::move(deps));
    api_->Register(http_.router());
    ASSERT_GT(http_.Start(), 0);
    client_ = http_.NewClient();
  }

  // (status, body) of a GET.
  std::pair<int, std::string> Get(const std::string& path) {
    httplib::Result r = client_->Get(path.c_str());
    EXPECT_TRUE(r) << path;
    if (!r) return {0, ""};
    return {r->status, r->body};
  }

  // The data of a successful GET, as raw JSON text.
  std::string Data(const std::string& path) {
    auto [code, body] = Get(path);
    EXPECT_EQ(code, 200) << path << ": " << body;
    const std::string prefix = R"({"status":"success","data":)";
    EXPECT_EQ(body.rfind(prefix, 0), 0u) << body;
    if (body.size() < prefix.size() + 1) return "";
    return body.substr(prefix.size(), body.size() - prefix.size() - 1);
  }

  storage::MemoryStorage storage_;
  std::unique_ptr<ApiV1> api_;
  testing::HttpTestServer http_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ApiV1ProvidersTest, WalReplayNotificationsAndScrapePools) {
  EXPECT_EQ(Data("/api/v1/status/walreplay"), R"({"min":2,"max":5,"current":3})");
  EXPECT_EQ(Data("/api/v1/notifications"),
            R"([{"text":"Configuration reload has failed.",)"
            R"("date":"2023-11-14T22:13:20.5Z","active":true}])");
  EXPECT_EQ(Data("/api/v1/scrape_pools"), R"({"scrapePools":["api","node"]})");
}

TEST_F(ApiV1ProvidersTest, RelabelStepsShowEachRuleUntilTheDrop) {
  // labels={"__address__":"h:9100","env":"dev"}
  std::string labels = "%7B%22__address__%22%3A%22h%3A9100%22%2C%22env%22%3A%22dev%22%7D";
  EXPECT_EQ(
      Data("/api/v1/targets/relabel_steps?scrapePool=node&labels=" + labels),
      R"({"steps":[)"
      R"j({"rule":{"source_labels":["__address__"],"separator":";","regex":"(.*)",)j"
      R"("target_label":"instance","replacement":"$1","action":"replace"},)"
      R"("output":{"__address__":"h:9100","env":"dev","instance":"h:9100"},"keep":true},)"
      R"({"rule":{"source_labels":["env"],"separator":";","regex":"prod",)"
      R"("replacement":"$1","action":"keep"},"output":{},"keep":false},)"
      R"j({"rule":{"source_labels":["__address__"],"separator":";","regex":"(.*)",)j"
      R"("modulus":4,"target_label":"__tmp_shard","replacement":"$1","action":"hashmod"},)"
      R"("output":{},"keep":false}]})");
  // env=prod survives every rule.
  std::string prod = "%7B%22__address__%22%3A%22h%3A9100%22%2C%22env%22%3A%22prod%22%7D";
  json steps = json::parse(
      Data("/api/v1/targets/relabel_steps?scrapePool=node&labels=" + prod))["steps"];
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[2]["keep"], true);
  EXPECT_TRUE(steps[2]["output"].contains("__tmp_shard"));

  auto [code, body] = Get("/api/v1/targets/relabel_steps?labels=%7B%7D");
  EXPECT_EQ(code, 400);
  EXPECT_NE(body.find("no scrapePool parameter provided"), std::string::npos);
  std::tie(code, body) = Get("/api/v1/targets/relabel_steps?scrapePool=node");
  EXPECT_EQ(code, 400);
  EXPECT_NE(body.find("no labels parameter provided"), std::string::npos);
  std::tie(code, body) = Get("/api/v1/targets/relabel_steps?scrapePool=node&labels=%5B1%5D");
  EXPECT_EQ(code, 400);
  EXPECT_NE(body.find("error parsing labels"), std::string::npos);
}

TEST_F(ApiV1ProvidersTest, ParseQueryGivesPrometheusTree) {
  // sum by (job) (rate(http_requests_total{code=~"5.."}[5m] offset 1m @ end()))
  std::string data = Data(
      "/api/v1/parse_query?query=sum%20by%20(job)%20(rate(http_requests_total%7Bcode%3D~%225..%22%7D"
      "%5B5m%5D%20offset%201m%20%40%20end()))");
  EXPECT_EQ(data,
            R"({"expr":{"args":[{"anchored":false,"matchers":[)"
            R"({"name":"code","type":"=~","value":"5.."},)"
            R"({"name":"__name__","type":"=","value":"http_requests_total"}],)"
            R"("name":"http_requests_total","offset":60000,"offsetExpr":null,)"
            R"("range":300000,"rangeExpr":null,"smoothed":false,"startOrEnd":"end",)"
            R"("timestamp":null,"type":"matrixSelector"}],)"
            R"("func":{"argTypes":["matrix"],"name":"rate","returnType":"vector","variadic":0},)"
            R"("type":"call"},"grouping":["job"],"op":"sum","param":null,)"
            R"("type":"aggregation","without":false})");

  // Go writes map keys sorted: a re-dump of the parsed tree is identical.
  for (const char* q :
       {"a%20%2B%20on(x)%20group_left(y)%20b", "-x%20%2A%202", "(x%5B10m%3A1m%5D%20%40%20100)",
        "topk(3%2C%20x)", "label_replace(x%2C%20%22a%22%2C%20%22%241%22%2C%20%22b%22%2C%20%22(.*)%22)",
        "x%20%3E%20bool%201", "x%5B5m%2B1m%5D"}) {
    std::string d = Data(std::string("/api/v1/parse_query?query=") + q);
    // Go escapes < > & in strings; nlohmann does not.
    d = absl::StrReplaceAll(d, {{"\\u003c", "<"}, {"\\u003e", ">"}, {"\\u0026", "&"}});
    EXPECT_EQ(d, json::parse(d).dump()) << q;
  }
  json bin = json::parse(Data("/api/v1/parse_query?query=a%20%2B%20on(x)%20group_left(y)%20b"));
  EXPECT_EQ(bin["matching"], json::parse(R"({"card":"many-to-one","fillValues":{"lhs":null,"rhs":null},)"
                                         R"("include":["y"],"labels":["x"],"on":true})"));
  json sub = json::parse(Data("/api/v1/parse_query?query=(x%5B10m%3A1m%5D%20%40%20100)"));
  EXPECT_EQ(sub["type"], "parenExpr");
  EXPECT_EQ(sub["expr"]["type"], "subquery");
  EXPECT_EQ(sub["expr"]["range"], 600000);
  EXPECT_EQ(sub["expr"]["step"], 60000);
  EXPECT_EQ(sub["expr"]["timestamp"], 100000);
  EXPECT_EQ(sub["expr"]["startOrEnd"], nullptr);
  json un = json::parse(Data("/api/v1/parse_query?query=-x%20%2A%202"));
  EXPECT_EQ(un["type"], "binaryExpr");
  EXPECT_EQ(un["matching"], nullptr);
  EXPECT_EQ(un["lhs"], json::parse(R"({"expr":)" + json::parse(Data("/api/v1/parse_query?query=x")).dump() +
                                   R"(,"op":"-","type":"unaryExpr"})"));
  EXPECT_EQ(un["rhs"], json::parse(R"({"type":"numberLiteral","val":"2"})"));
  json dur = json::parse(Data("/api/v1/parse_query?query=x%5B5m%2B1m%5D"));
  EXPECT_EQ(dur["rangeExpr"],
            json::parse(R"({"lhs":{"duration":true,"type":"numberLiteral","val":"300"},"op":"+",)"
                        R"("rhs":{"duration":true,"type":"numberLiteral","val":"60"},)"
                        R"("type":"durationExpr","wrapped":false})"));

  auto [code, body] = Get("/api/v1/parse_query?query=sum(");
  EXPECT_EQ(code, 400);
  EXPECT_EQ(json::parse(body)["errorType"], "bad_data");
  EXPECT_NE(body.find("invalid parameter \\\"query\\\": 1:5: parse error"), std::string::npos) << body;
}

TEST_F(ApiV1ProvidersTest, FeaturesReportWhatVigilSupports) {
  json f = json::parse(Data("/api/v1/features"));
  EXPECT_EQ(f["api"]["admin"], true);
  EXPECT_EQ(f["api"]["lifecycle"], false);
  EXPECT_EQ(f["promql"]["at_modifier"], true);
  EXPECT_EQ(f["promql"]["subqueries"], true);
  EXPECT_EQ(f["promql_functions"]["rate"], true);
  EXPECT_EQ(f["promql_functions"]["histogram_quantile"], true);
  EXPECT_EQ(f["promql_functions"]["histogram_count"], false);
  EXPECT_EQ(f["promql_operators"]["topk"], true);
  EXPECT_EQ(f["tsdb"]["native_histograms"], false);
  EXPECT_EQ(f["service_discovery_providers"]["kubernetes"], true);
  EXPECT_EQ(f["promql_functions"].size(), promql::parser::AllFunctions().size());
}

// Every function marked supported evaluates without Unimplemented, and
// every one marked unsupported is refused by the engine.
TEST(FeaturesTest, PromqlFunctionsMatchTheEvaluator) {
  storage::MemoryStorage storage;
  {
    auto app = storage.NewAppender();
    model::Labels l = model::Labels::FromPairs({{"__name__", "x"}, {"le", "1"}});
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(app->Append(0, l, i * 15000, i).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  promql::Engine engine(promql::EngineOptions{});
  QueryFunc query = MakeEngineQueryFunc(&engine, &storage);
  for (const promql::parser::Function& f : promql::parser::AllFunctions()) {
    std::vector<std::string> args;
    for (promql::parser::ValueType t : f.arg_types) {
      switch (t) {
        case promql::parser::ValueType::kMatrix:
          args.push_back("x[5m]");
          break;
        case promql::parser::ValueType::kScalar:
          args.push_back("0.5");
          break;
        case promql::parser::ValueType::kString:
          args.push_back("\"le\"");
          break;
        default:
          args.push_back("x");
      }
    }
    QueryRequest q;
    q.query = std::string(f.name) + "(" + absl::StrJoin(args, ", ") + ")";
    q.time_ms = 200000;
    absl::StatusOr<QueryResponse> r = query(q);
    bool unimplemented = !r.ok() && r.status().code() == absl::StatusCode::kUnimplemented;
    EXPECT_EQ(PromqlFunctionSupported(f.name), !unimplemented)
        << q.query << ": " << r.status();
  }
}

TEST(TsdbBlocksTest, PrometheusBlockMetaShape) {
  tsdb::BlockMeta b;
  b.ulid = "01HQ00000000000000000000B2";
  b.min_time = 0;
  b.max_time = 7200000;
  b.num_samples = 480;
  b.num_series = 2;
  b.num_chunks = 4;
  b.level = 2;
  b.sources = {"01HQ00000000000000000000A1", "01HQ00000000000000000000A2"};
  b.parents = {{"01HQ00000000000000000000A1", 0, 3600000},
               {"01HQ00000000000000000000A2", 3600000, 7200000}};
  tsdb::BlockMeta empty;
  empty.ulid = "01HQ00000000000000000000C3";
  empty.min_time = 7200000;
  empty.max_time = 14400000;
  EXPECT_EQ(TsdbBlocksJson({b, empty}),
            R"({"blocks":[{"ulid":"01HQ00000000000000000000B2","minTime":0,"maxTime":7200000,)"
            R"("stats":{"numSamples":480,"numFloatSamples":480,"numSeries":2,"numChunks":4},)"
            R"("compaction":{"level":2,"sources":["01HQ00000000000000000000A1",)"
            R"("01HQ00000000000000000000A2"],"parents":[)"
            R"({"ulid":"01HQ00000000000000000000A1","minTime":0,"maxTime":3600000},)"
            R"({"ulid":"01HQ00000000000000000000A2","minTime":3600000,"maxTime":7200000}]},)"
            R"("version":1},)"
            R"({"ulid":"01HQ00000000000000000000C3","minTime":7200000,"maxTime":14400000,)"
            R"("stats":{},"compaction":{"level":1},"version":1}]})");
}

}  // namespace
}  // namespace vigil::server
