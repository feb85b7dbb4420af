// Plays a Thanos sidecar's calls against a running Vigil started the way
// prometheus-operator starts Prometheus beside a sidecar (equal min and
// max block durations, external labels from the environment): the
// version, flags and external labels it reads, remote read with an
// external-label matcher, and retention that waits for its uploads.

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "examples/server/app.h"
#include "examples/server/thanos_shipper.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "model/proto/remote.pb.h"
#include "nlohmann/json.hpp"
#include "snappy.h"

namespace vigil::server {
namespace {

using nlohmann::json;

class ThanosSidecarTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(std::getenv("TEST_TMPDIR"), "/",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::system(absl::StrCat("rm -rf ", dir_, " && mkdir -p ", dir_, "/data").c_str());
  }
  std::string dir_;
};

TEST_F(ThanosSidecarTest, SidecarCallsAnswerAsPrometheus) {
  setenv("VIGIL_TEST_POD_NAME", "prometheus-k8s-0", 1);
  std::ofstream(dir_ + "/prometheus.yml")
      << "global:\n  external_labels:\n    cluster: eu\n"
         "    prometheus_replica: ${VIGIL_TEST_POD_NAME}\n";
  absl::StatusOr<Flags> flags = ParseFlags(
      8, std::vector<const char*>{"vigil", ("--config.file=" + dir_ + "/prometheus.yml").c_str(),
                                  ("--storage.tsdb.path=" + dir_ + "/data").c_str(),
                                  "--web.listen-address=127.0.0.1:0",
                                  "--storage.tsdb.min-block-duration=2h",
                                  "--storage.tsdb.max-block-duration=2h",
                                  "--web.enable-remote-write-receiver", "--web.enable-lifecycle"}
             .data());
  ASSERT_TRUE(flags.ok()) << flags.status();
  absl::StatusOr<std::unique_ptr<App>> app = App::Create(*flags);
  ASSERT_TRUE(app.ok()) << app.status();
  ASSERT_TRUE((*app)->Start().ok());
  httplib::Client c("127.0.0.1", (*app)->port());
  auto get = [&](const char* path) {
    httplib::Result r = c.Get(path);
    EXPECT_TRUE(r) << path;
    return r ? json::parse(r->body, nullptr, false) : json();
  };

  // The sidecar checks the version and that compaction is off.
  EXPECT_FALSE(get("/api/v1/status/buildinfo")["data"]["version"].get<std::string>().empty());
  json f = get("/api/v1/status/flags")["data"];
  EXPECT_EQ(f["storage.tsdb.min-block-duration"], "2h");
  EXPECT_EQ(f["storage.tsdb.max-block-duration"], "2h");
  // It takes the external labels from the shown config, expanded.
  std::string yaml = get("/api/v1/status/config")["data"]["yaml"];
  EXPECT_NE(yaml.find("prometheus_replica: prometheus-k8s-0"), std::string::npos) << yaml;

  // One sample in, then read back as the sidecar's Store API asks:
  // with the external labels among the matchers.
  prometheus::WriteRequest w;
  prometheus::TimeSeries* ts = w.add_timeseries();
  ts->add_labels()->set_name("__name__");
  ts->mutable_labels(0)->set_value("up");
  ts->add_labels()->set_name("job");
  ts->mutable_labels(1)->set_value("node");
  int64_t now = absl::ToUnixMillis(absl::Now());
  prometheus::Sample* s = ts->add_samples();
  s->set_timestamp(now);
  s->set_value(1);
  std::string raw, body;
  w.SerializeToString(&raw);
  snappy::Compress(raw.data(), raw.size(), &body);
  httplib::Result wr = c.Post("/api/v1/write", {{"Content-Encoding", "snappy"}}, body,
                              "application/x-protobuf");
  ASSERT_TRUE(wr);
  ASSERT_EQ(wr->status, 204) << wr->body;

  prometheus::ReadRequest rr;
  prometheus::Query* q = rr.add_queries();
  q->set_start_timestamp_ms(now - 60000);
  q->set_end_timestamp_ms(now + 60000);
  for (auto [name, value] : {std::pair<const char*, const char*>{"__name__", "up"},
                             {"cluster", "eu"},
                             {"prometheus_replica", "prometheus-k8s-0"}}) {
    prometheus::LabelMatcher* m = q->add_matchers();
    m->set_type(prometheus::LabelMatcher::EQ);
    m->set_name(name);
    m->set_value(value);
  }
  rr.SerializeToString(&raw);
  snappy::Compress(raw.data(), raw.size(), &body);
  httplib::Result r = c.Post("/api/v1/read",
                             {{"Content-Encoding", "snappy"},
                              {"X-Prometheus-Remote-Read-Version", "0.1.0"}},
                             body, "application/x-protobuf");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  ASSERT_TRUE(snappy::Uncompress(r->body.data(), r->body.size(), &raw));
  prometheus::ReadResponse resp;
  ASSERT_TRUE(resp.ParseFromString(raw));
  ASSERT_EQ(resp.results_size(), 1);
  ASSERT_EQ(resp.results(0).timeseries_size(), 1);
  std::string labels;
  for (const auto& l : resp.results(0).timeseries(0).labels()) {
    absl::StrAppend(&labels, l.name(), "=", l.value(), ",");
  }
  EXPECT_EQ(labels, "__name__=up,cluster=eu,job=node,prometheus_replica=prometheus-k8s-0,");
  (*app)->RequestQuit();
  (*app)->Wait();
}

TEST_F(ThanosSidecarTest, ShipperFileDecidesWhatRetentionMayDelete) {
  auto may_delete = ThanosShipperGuard(dir_);
  tsdb::BlockMeta a, b;
  a.ulid = "01AAAAAAAAAAAAAAAAAAAAAAAA";
  b.ulid = "01BBBBBBBBBBBBBBBBBBBBBBBB";
  EXPECT_TRUE(may_delete(a)) << "no sidecar: retention as usual";
  std::ofstream(dir_ + "/thanos.shipper.json")
      << R"({"version":1,"uploaded":["01AAAAAAAAAAAAAAAAAAAAAAAA"]})";
  EXPECT_TRUE(may_delete(a));
  EXPECT_FALSE(may_delete(b)) << "not uploaded yet";
  std::ofstream(dir_ + "/thanos.shipper.json") << "{not json";
  EXPECT_FALSE(may_delete(a)) << "a broken file keeps every block";
}

}  // namespace
}  // namespace vigil::server
