#include "examples/ui/routes.h"

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "examples/ui/assets.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "libweb/http/server.h"

namespace vigil::ui {
namespace {

class RoutesTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    prefix_ = GetParam();
    RegisterUiRoutes(&router_, prefix_);
    router_.Get(prefix_ + "/api/v1/query", [](const web::Request&, web::Response* res) {
      res->SetContent("{}", "application/json");
    });
    absl::StatusOr<int> port = server_.Listen("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.status();
    port_ = *port;
    server_.Start();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_connection_timeout(5, 0);
    client_->set_read_timeout(10, 0);
  }
  void TearDown() override { server_.Stop(); }

  std::string prefix_;
  web::Router router_;
  web::Server server_{web::ServerOptions(), [this](const web::Request& req, web::Response* res) {
                        router_.Dispatch(req, res);
                      }};
  int port_ = -1;
  std::unique_ptr<httplib::Client> client_;
};

TEST_P(RoutesTest, RootRedirectsToQuery) {
  auto res = client_->Get(prefix_ + "/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 302);
  EXPECT_EQ(res->get_header_value("Location"), prefix_ + "/query");
}

TEST_P(RoutesTest, EveryPageServesTheApp) {
  for (const char* route : PageRoutes()) {
    auto res = client_->Get(prefix_ + route);
    ASSERT_TRUE(res) << route;
    EXPECT_EQ(res->status, 200) << route;
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8") << route;
    EXPECT_EQ(res->body, std::string(IndexHtml().body())) << route;
    EXPECT_EQ(res->get_header_value("ETag"), IndexHtml().etag) << route;
  }
  // Query strings do not matter.
  auto res = client_->Get(prefix_ + "/query?expr=up&tab=graph");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_P(RoutesTest, StaticAssetsWithTypesAndEtags) {
  for (const char* path : {"/static/app.js", "/static/style.css", "/static/uplot/uPlot.iife.min.js"}) {
    const Asset* a = FindAsset(path);
    ASSERT_NE(a, nullptr) << path;
    auto res = client_->Get(prefix_ + path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_EQ(res->body, std::string(a->body())) << path;
    EXPECT_EQ(res->get_header_value("Content-Type"), a->content_type) << path;
    EXPECT_EQ(res->get_header_value("ETag"), a->etag) << path;
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-cache") << path;

    // Revalidation: the same tag gets 304 and no body; another tag the file.
    auto again = client_->Get(prefix_ + path, {{"If-None-Match", a->etag}});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 304) << path;
    EXPECT_TRUE(again->body.empty()) << path;
    auto stale = client_->Get(prefix_ + path, {{"If-None-Match", "\"0000\""}});
    ASSERT_TRUE(stale);
    EXPECT_EQ(stale->status, 200) << path;
    EXPECT_EQ(stale->body.size(), a->size) << path;
  }
}

TEST_P(RoutesTest, UnknownPathsAreNotFound) {
  for (const char* path : {"/static/nope.js", "/static/app.js.map", "/static/uplot/", "/nope",
                           "/index.html"}) {
    auto res = client_->Get(prefix_ + path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 404) << path;
  }
  // The API routes registered beside the UI still answer.
  auto res = client_->Get(prefix_ + "/api/v1/query");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "{}");
}

INSTANTIATE_TEST_SUITE_P(Prefixes, RoutesTest, ::testing::Values("", "/vigil"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param.empty() ? std::string("NoPrefix") : std::string("Prefix");
                         });

TEST(PageTitleTest, ReplacesTheTitleEscaped) {
  web::Router router;
  RegisterUiRoutes(&router, "", "Team <A> & co");
  web::Request req;
  req.method = "GET";
  req.path = "/query";
  web::Response res;
  router.Dispatch(req, &res);
  EXPECT_EQ(res.status, 200);
  EXPECT_NE(res.body.find("<title>Team &lt;A&gt; &amp; co</title>"), std::string::npos);
  EXPECT_NE(res.Header("ETag"), IndexHtml().etag);
}

}  // namespace
}  // namespace vigil::ui
