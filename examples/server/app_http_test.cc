// The whole server's HTTP and gRPC surface under what real clients and
// hostile ones send (issue #20's defects 3, 6, 7, 8 and 9; #13's bare admin
// POSTs and port conflicts): large Grafana requests, unencoded selectors,
// pipelining, strict framing with JSON errors on API paths, and gRPC
// writes gated like HTTP remote write.

#include <crypt.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "examples/server/app.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libweb/http/testing/raw_conn.h"
#include "libweb/http/testing/test_certs.h"
#include "model/proto/api.grpc.pb.h"
#include "nlohmann/json.hpp"

namespace vigil::server {
namespace {

using nlohmann::json;
using web::testing::RawConn;

class AppHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(std::getenv("TEST_TMPDIR"), "/",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::system(absl::StrCat("rm -rf ", dir_, " && mkdir -p ", dir_).c_str());
    std::ofstream(dir_ + "/prometheus.yml") << "global:\n  scrape_interval: 15s\n";
  }

  std::unique_ptr<App> StartApp(Flags f) {
    absl::StatusOr<std::unique_ptr<App>> app = App::Create(f);
    EXPECT_TRUE(app.ok()) << app.status();
    if (!app.ok()) return nullptr;
    absl::Status st = (*app)->Start();
    EXPECT_TRUE(st.ok()) << st;
    return st.ok() ? std::move(*app) : nullptr;
  }

  Flags MakeFlags() {
    Flags f;
    f.config_file = dir_ + "/prometheus.yml";
    f.storage_path = dir_ + "/data";
    f.listen_address = "127.0.0.1:0";
    return f;
  }

  std::string dir_;
};

TEST_F(AppHttpTest, RequestsRealClientsSend) {
  Flags f = MakeFlags();
  f.enable_admin_api = true;
  std::unique_ptr<App> app = StartApp(f);
  ASSERT_NE(app, nullptr);
  RawConn c(app->port());
  ASSERT_TRUE(c.ok());

  // A 10 KB Grafana query_range form (was 413 with an empty body).
  std::string form = absl::StrCat("query=vector(1)", std::string(10000, '+'),
                                  "&start=0&end=60&step=15");
  c.Send(absl::StrCat("POST /api/v1/query_range HTTP/1.1\r\nHost: a\r\n"
                      "Content-Type: application/x-www-form-urlencoded\r\n"
                      "Content-Length: ", form.size(), "\r\n\r\n", form));
  // A 9.4 KB GET (was 414).
  c.Send(absl::StrCat("GET /api/v1/query?query=vector(2)", std::string(9400, '+'),
                      "&time=0 HTTP/1.1\r\nHost: a\r\n\r\n"));
  // A selector as `curl -g` sends it, unencoded (was split at the second '=').
  c.Send("GET /api/v1/query?query=count(up{job=\"self\"})%20or%20vector(3)&time=0 HTTP/1.1\r\n"
         "Host: a\r\n\r\n");
  auto r = c.Read(3);
  ASSERT_EQ(r.size(), 3u);
  for (const auto& reply : r) EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json::parse(r[0].body)["data"]["result"][0]["values"].size(), 5u) << r[0].body;
  EXPECT_EQ(json::parse(r[1].body)["data"]["result"][0]["value"][1], "2") << r[1].body;
  EXPECT_EQ(json::parse(r[2].body)["data"]["result"][0]["value"][1], "3") << r[2].body;

  // Six pipelined requests, six answers in order (was only the first).
  std::string six;
  for (int i = 0; i < 6; ++i) {
    absl::StrAppend(&six, "GET /api/v1/query?query=vector(", i, ")&time=0 HTTP/1.1\r\nHost: a\r\n\r\n");
  }
  c.Send(six);
  r = c.Read(6);
  ASSERT_EQ(r.size(), 6u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(json::parse(r[i].body)["data"]["result"][0]["value"][1], std::to_string(i));
  }

  // The admin API as Prometheus's documentation shows it: a bare POST.
  c.Send("POST /api/v1/admin/tsdb/snapshot HTTP/1.1\r\nHost: a\r\n\r\n"
         "POST /api/v1/admin/tsdb/clean_tombstones HTTP/1.1\r\nHost: a\r\n\r\n");
  r = c.Read(2);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].status, 200) << r[0].body;
  EXPECT_EQ(json::parse(r[0].body)["status"], "success") << r[0].body;
  EXPECT_EQ(r[1].status, 204);
}

TEST_F(AppHttpTest, ConfigIsShownWithSecretsRedacted) {
  std::ofstream(dir_ + "/prometheus.yml") << R"(scrape_configs:
  - job_name: guarded
    basic_auth: {username: admin, password: hunter2}
    static_configs: [{targets: ["127.0.0.1:1"]}]
remote_write:
  - url: http://127.0.0.1:1/write
    authorization: {credentials: tok-123}
)";
  std::unique_ptr<App> app = StartApp(MakeFlags());
  ASSERT_NE(app, nullptr);
  RawConn c(app->port());
  c.Send("GET /api/v1/status/config HTTP/1.1\r\nHost: a\r\n\r\n");
  auto r = c.Read(1);
  ASSERT_EQ(r.size(), 1u);
  std::string yaml = json::parse(r[0].body)["data"]["yaml"];
  EXPECT_FALSE(absl::StrContains(yaml, "hunter2")) << yaml;
  EXPECT_FALSE(absl::StrContains(yaml, "tok-123")) << yaml;
  EXPECT_TRUE(absl::StrContains(yaml, "<secret>")) << yaml;
  EXPECT_TRUE(absl::StrContains(yaml, "admin")) << yaml;
}

TEST_F(AppHttpTest, CorsAsPrometheusAnswersIt) {
  Flags f = MakeFlags();
  f.web_cors_origin = R"(https://grafana\.example)";
  std::unique_ptr<App> app = StartApp(f);
  ASSERT_NE(app, nullptr);
  RawConn c(app->port());
  c.Send("GET /api/v1/query?query=1 HTTP/1.1\r\nHost: a\r\nOrigin: https://grafana.example\r\n\r\n"
         "GET /api/v1/query?query=1 HTTP/1.1\r\nHost: a\r\nOrigin: https://evil.example\r\n\r\n"
         "OPTIONS /api/v1/query HTTP/1.1\r\nHost: a\r\nOrigin: https://grafana.example\r\n\r\n");
  auto r = c.Read(3);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_TRUE(absl::StrContains(r[0].head, "Access-Control-Allow-Origin: https://grafana.example"))
      << r[0].head;
  EXPECT_FALSE(absl::StrContains(r[1].head, "Access-Control-Allow-Origin")) << r[1].head;
  EXPECT_TRUE(absl::StrContains(r[1].head, "Access-Control-Allow-Methods: GET, POST, OPTIONS"));
  EXPECT_EQ(r[2].status, 200);
  EXPECT_TRUE(absl::StrContains(r[2].head, "Access-Control-Allow-Origin: https://grafana.example"));

  Flags bad = MakeFlags();
  bad.web_cors_origin = "(";
  absl::StatusOr<std::unique_ptr<App>> refused = App::Create(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "--web.cors.origin"));
}

TEST_F(AppHttpTest, AutoReloadTakesChangedRuleFiles) {
  std::ofstream(dir_ + "/prometheus.yml") << "rule_files: [" << dir_ << "/rules.yml]\n";
  std::ofstream(dir_ + "/rules.yml") << "groups: [{name: g, rules: [{record: a, expr: '1'}]}]\n";
  Flags f = MakeFlags();
  f.config_auto_reload = true;
  f.config_auto_reload_interval = "1s";
  std::unique_ptr<App> app = StartApp(f);
  ASSERT_NE(app, nullptr);
  auto rules = [&] {
    RawConn c(app->port());
    c.Send("GET /api/v1/rules HTTP/1.1\r\nHost: a\r\n\r\n");
    auto r = c.Read(1);
    return r.size() == 1 ? json::parse(r[0].body)["data"]["groups"][0]["rules"].size() : 0u;
  };
  EXPECT_EQ(rules(), 1u);
  std::ofstream(dir_ + "/rules.yml")
      << "groups: [{name: g, rules: [{record: a, expr: '1'}, {record: b, expr: '2'}]}]\n";
  size_t n = 0;
  for (int i = 0; i < 100 && n != 2; ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    n = rules();
  }
  EXPECT_EQ(n, 2u) << "the changed rule file was not reloaded";
  Flags bad = MakeFlags();
  bad.config_auto_reload = true;
  bad.config_auto_reload_interval = "100ms";
  bad.storage_path = dir_ + "/data2";
  absl::StatusOr<std::unique_ptr<App>> refused = App::Create(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "at least 1s")) << refused.status();
}

TEST_F(AppHttpTest, EveryListenAddressIsServed) {
  Flags f = MakeFlags();
  f.listen_addresses = {"127.0.0.1:0", "127.0.0.1:0"};
  std::unique_ptr<App> app = StartApp(f);
  ASSERT_NE(app, nullptr);
  ASSERT_EQ(app->extra_ports().size(), 1u);
  for (int port : {app->port(), app->extra_ports()[0]}) {
    RawConn c(port);
    c.Send("GET /api/v1/query?query=7 HTTP/1.1\r\nHost: a\r\n\r\n");
    auto r = c.Read(1);
    ASSERT_EQ(r.size(), 1u) << port;
    EXPECT_EQ(json::parse(r[0].body)["data"]["result"][1], "7") << port;
  }
}

TEST_F(AppHttpTest, BadFramingAnswers400WithJsonOnApiPaths) {
  std::unique_ptr<App> app = StartApp(MakeFlags());
  ASSERT_NE(app, nullptr);
  for (const char* cl : {"Content-Length: 3\r\nContent-Length: 4", "Content-Length: -1"}) {
    RawConn c(app->port());
    c.Send(absl::StrCat("POST /api/v1/query HTTP/1.1\r\nHost: a\r\n", cl,
                        "\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nq=1"));
    auto r = c.Read(1);
    ASSERT_EQ(r.size(), 1u) << cl;
    EXPECT_EQ(r[0].status, 400) << cl;
    json body = json::parse(r[0].body, nullptr, false);
    EXPECT_EQ(body["status"], "error") << r[0].body;
    EXPECT_EQ(body["errorType"], "bad_data") << r[0].body;
  }
}

TEST_F(AppHttpTest, SecondServerOnTheSamePortRefusesToStart) {
  std::unique_ptr<App> first = StartApp(MakeFlags());
  ASSERT_NE(first, nullptr);
  Flags f = MakeFlags();
  f.storage_path = dir_ + "/data2";
  f.listen_address = absl::StrCat("127.0.0.1:", first->port());
  absl::StatusOr<std::unique_ptr<App>> second = App::Create(f);
  ASSERT_TRUE(second.ok()) << second.status();
  absl::Status st = (*second)->Start();
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
  EXPECT_TRUE(absl::StrContains(st.message(), "address already in use")) << st;
}

TEST_F(AppHttpTest, GrpcWritesNeedTheRemoteWriteReceiverFlag) {
  for (bool enabled : {false, true}) {
    SetUp();
    Flags f = MakeFlags();
    f.enable_remote_write_receiver = enabled;
    f.grpc_listen_address = "127.0.0.1:0";
    std::unique_ptr<App> app = StartApp(f);
    ASSERT_NE(app, nullptr);
    auto stub = vigil::api::Vigil::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", app->grpc_port()), grpc::InsecureChannelCredentials()));
    vigil::api::WriteRequest w;
    prometheus::TimeSeries* ts = w.add_timeseries();
    ts->add_labels()->set_name("__name__");
    ts->mutable_labels(0)->set_value("grpc_written");
    prometheus::Sample* s = ts->add_samples();
    s->set_timestamp(absl::ToUnixMillis(absl::Now()));
    s->set_value(1);
    vigil::api::WriteResponse wr;
    grpc::ClientContext ctx;
    grpc::Status st = stub->Write(&ctx, w, &wr);
    EXPECT_EQ(st.error_code(), enabled ? grpc::StatusCode::OK : grpc::StatusCode::PERMISSION_DENIED)
        << st.error_message();
    RawConn c(app->port());
    c.Send("GET /api/v1/query?query=count(grpc_written) HTTP/1.1\r\nHost: a\r\n\r\n");
    auto r = c.Read(1);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(json::parse(r[0].body)["data"]["result"].size(), enabled ? 1u : 0u) << r[0].body;
    app->RequestQuit();
    app->Wait();
  }
}

// --web.config.file as prometheus-operator mounts it: TLS and a bcrypt user
// in front of the API, /metrics, remote write and the gRPC API alike.
TEST_F(AppHttpTest, WebConfigSecuresEveryEndpoint) {
  if (std::system("curl --version >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "curl is not installed (tools/install_deps.sh installs it)";
  }
  web::testing::KeyAndCert ca = web::testing::MakeCert("ca", nullptr, true);
  web::testing::WritePem(ca, dir_ + "/ca");
  web::testing::WritePem(web::testing::MakeCert("vigil", &ca, false), dir_ + "/server");
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  ASSERT_NE(crypt_gensalt_rn("$2y$", 4, nullptr, 0, salt, sizeof(salt)), nullptr);
  crypt_data cd{};
  std::string hash = crypt_r("good", salt, &cd);
  std::ofstream(dir_ + "/web.yml") << "tls_server_config:\n  cert_file: server.crt\n"
                                      "  key_file: server.key\nbasic_auth_users:\n  alice: "
                                   << hash << "\n";
  Flags f = MakeFlags();
  f.web_config_file = dir_ + "/web.yml";
  f.enable_remote_write_receiver = true;
  f.grpc_listen_address = "127.0.0.1:0";
  std::unique_ptr<App> app = StartApp(f);
  ASSERT_NE(app, nullptr);
  std::string base = absl::StrCat("--cacert ", dir_, "/ca.crt https://127.0.0.1:", app->port());
  auto curl = [&](const std::string& args, const std::string& path) {
    return web::testing::CurlCode(absl::StrCat(args, " ", base, path));
  };
  EXPECT_EQ(curl("-u alice:good", "/api/v1/query?query=1"), "200");
  EXPECT_EQ(curl("-u alice:bad", "/api/v1/query?query=1"), "401");
  EXPECT_EQ(curl("", "/api/v1/query?query=1"), "401");
  EXPECT_EQ(curl("", "/metrics"), "401");
  EXPECT_EQ(curl("-u alice:good", "/metrics"), "200");
  // Remote write into Vigil: an empty, valid snappy WriteRequest.
  std::ofstream(dir_ + "/empty.pb", std::ios::binary) << std::string("\x00", 1);
  std::string rw = absl::StrCat("-X POST -H 'Content-Encoding: snappy' "
                                "-H 'Content-Type: application/x-protobuf' --data-binary @",
                                dir_, "/empty.pb");
  EXPECT_EQ(curl("-u alice:good " + rw, "/api/v1/write"), "204");
  EXPECT_EQ(curl(rw, "/api/v1/write"), "401");
  // Plain HTTP gets no answer from the TLS port.
  EXPECT_NE(web::testing::CurlCode(absl::StrCat("-u alice:good http://127.0.0.1:", app->port(),
                                                "/api/v1/query?query=1")),
            "200");

  // gRPC: the same certificate and user.
  grpc::SslCredentialsOptions so;
  so.pem_root_certs = ca.cert_pem;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("127.0.0.1");
  auto stub = vigil::api::Vigil::NewStub(grpc::CreateCustomChannel(
      absl::StrCat("127.0.0.1:", app->grpc_port()), grpc::SslCredentials(so), args));
  vigil::api::WriteRequest w;
  prometheus::TimeSeries* ts = w.add_timeseries();
  ts->add_labels()->set_name("__name__");
  ts->mutable_labels(0)->set_value("over_grpc");
  prometheus::Sample* sample = ts->add_samples();
  sample->set_timestamp(absl::ToUnixMillis(absl::Now()));
  sample->set_value(1);
  for (const char* user : {"", "alice:bad", "alice:good"}) {
    vigil::api::WriteResponse wr;
    grpc::ClientContext ctx;
    if (*user != '\0') {
      ctx.AddMetadata("authorization", absl::StrCat("Basic ", absl::Base64Escape(user)));
    }
    grpc::Status st = stub->Write(&ctx, w, &wr);
    EXPECT_EQ(st.error_code(), std::string(user) == "alice:good"
                                   ? grpc::StatusCode::OK
                                   : grpc::StatusCode::UNAUTHENTICATED)
        << user << ": " << st.error_message();
  }
}

TEST_F(AppHttpTest, BadWebConfigStopsTheStart) {
  std::ofstream(dir_ + "/web.yml") << "tls_server_config:\n  cert_file: missing.crt\n"
                                      "  key_file: missing.key\n";
  Flags f = MakeFlags();
  f.web_config_file = dir_ + "/web.yml";
  absl::StatusOr<std::unique_ptr<App>> app = App::Create(f);
  ASSERT_TRUE(app.ok()) << app.status();
  absl::Status st = (*app)->Start();
  EXPECT_FALSE(st.ok());
  EXPECT_TRUE(absl::StrContains(st.message(), "--web.config.file")) << st;
  EXPECT_TRUE(absl::StrContains(st.message(), "missing.crt")) << st;
}

// Prometheus 3.x's newer endpoints over the real server: WAL replay
// progress after a restart, scrape pools and their relabel steps from the
// config, notifications of a failed reload, features and blocks.
TEST_F(AppHttpTest, Prometheus3StatusEndpoints) {
  std::ofstream(dir_ + "/prometheus.yml")
      << "scrape_configs:\n"
         "- job_name: node\n  static_configs: []\n"
         "  relabel_configs:\n"
         "  - source_labels: [env]\n    regex: prod\n    action: keep\n"
         "- job_name: api\n  static_configs: []\n";
  Flags f = MakeFlags();
  {
    std::unique_ptr<App> first = StartApp(f);
    ASSERT_NE(first, nullptr);
  }
  std::unique_ptr<App> app = StartApp(f);
  ASSERT_NE(app, nullptr);
  RawConn c(app->port());
  ASSERT_TRUE(c.ok());
  auto get = [&](const std::string& target) {
    c.Send(absl::StrCat("GET ", target, " HTTP/1.1\r\nHost: a\r\n\r\n"));
    auto r = c.Read(1);
    EXPECT_EQ(r.size(), 1u);
    if (r.empty()) return json();
    EXPECT_EQ(r[0].status, 200) << target << ": " << r[0].body;
    return json::parse(r[0].body)["data"];
  };
  // The first run wrote segment 0 and the restart writes segment 1.
  EXPECT_EQ(get("/api/v1/status/walreplay"), json::parse(R"({"min":0,"max":1,"current":1})"));
  EXPECT_EQ(get("/api/v1/scrape_pools"), json::parse(R"({"scrapePools":["api","node"]})"));
  json steps = get("/api/v1/targets/relabel_steps?scrapePool=node&labels=%7B%22env%22%3A%22dev%22%7D");
  EXPECT_EQ(steps, json::parse(R"({"steps":[{"rule":{"source_labels":["env"],"separator":";",)"
                               R"("regex":"prod","replacement":"$1","action":"keep"},)"
                               R"("output":{},"keep":false}]})"));
  EXPECT_EQ(get("/api/v1/features")["promql_functions"]["rate"], true);
  EXPECT_EQ(get("/api/v1/status/tsdb/blocks"), json::parse(R"({"blocks":[]})"));
  EXPECT_EQ(get("/api/v1/notifications"), json::array());

  std::ofstream(dir_ + "/prometheus.yml") << "scrape_configs: [\n";
  EXPECT_FALSE(app->Reload().ok());
  json n = get("/api/v1/notifications");
  ASSERT_EQ(n.size(), 1u) << n;
  EXPECT_EQ(n[0]["text"], "Configuration reload has failed.");
  EXPECT_EQ(n[0]["active"], true);
  EXPECT_TRUE(absl::EndsWith(n[0]["date"].get<std::string>(), "Z")) << n;
}

}  // namespace
}  // namespace vigil::server
