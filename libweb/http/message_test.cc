#include "libweb/http/message.h"

#include "gtest/gtest.h"
#include "libweb/http/router.h"

namespace vigil::web {
namespace {

std::multimap<std::string, std::string> Parse(absl::string_view q) {
  std::multimap<std::string, std::string> p;
  ParseQueryString(q, &p);
  return p;
}

TEST(ParseQueryStringTest, SplitsEachPairAtItsFirstEquals) {
  // As `curl -g` sends it: the selector's '=' and quotes unencoded.
  auto p = Parse(R"(query=up{job="self"}&time=10)");
  ASSERT_EQ(p.count("query"), 1u);
  EXPECT_EQ(p.find("query")->second, R"(up{job="self"})");
  EXPECT_EQ(p.find("time")->second, "10");
}

TEST(ParseQueryStringTest, DecodesPlusAndEscapesAndKeepsRepeats) {
  auto p = Parse("match%5B%5D=a+b&match[]=%7Bx%3D%22y%22%7D&flag");
  auto r = p.equal_range("match[]");
  std::vector<std::string> values;
  for (auto it = r.first; it != r.second; ++it) values.push_back(it->second);
  EXPECT_EQ(values, (std::vector<std::string>{"a b", R"({x="y"})"}));
  ASSERT_EQ(p.count("flag"), 1u);
  EXPECT_EQ(p.find("flag")->second, "");
}

TEST(ParseQueryStringTest, DropsPairsGoRefuses) {
  // A malformed escape or a ';' separator drops that pair only.
  auto p = Parse("a=%zz&b=1;c=2&d=%4&e=ok");
  EXPECT_EQ(p.size(), 1u);
  EXPECT_EQ(p.find("e")->second, "ok");
}

TEST(RequestTest, HeadersCompareWithoutCase) {
  Request req;
  req.headers = {{"Content-Type", "text/plain"}};
  EXPECT_TRUE(req.HasHeader("content-type"));
  EXPECT_EQ(req.Header("CONTENT-TYPE"), "text/plain");
  EXPECT_EQ(req.Header("Accept"), "");
  Response res;
  res.SetHeader("X-A", "1");
  res.SetHeader("x-a", "2");
  EXPECT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.Header("X-A"), "2");
}

TEST(RouterTest, ExactPatternNotFoundAndMethodNotAllowed) {
  Router r;
  r.Get("/a", [](const Request&, Response* res) { res->body = "a"; });
  r.HandlePattern("GET", "/label/([^/]+)/values", [](const Request& req, Response* res) {
    res->body = req.path_groups.at(0);
  });
  auto run = [&](const std::string& method, const std::string& path) {
    Request req;
    req.method = method;
    req.path = path;
    Response res;
    r.Dispatch(req, &res);
    return std::make_pair(res.status, res.body);
  };
  EXPECT_EQ(run("GET", "/a"), std::make_pair(200, std::string("a")));
  EXPECT_EQ(run("HEAD", "/a"), std::make_pair(200, std::string("a")));
  EXPECT_EQ(run("GET", "/label/job/values"), std::make_pair(200, std::string("job")));
  // A decoded path may hold bytes that are not UTF-8 (%FF).
  EXPECT_EQ(run("GET", "/label/a\xff/values"), std::make_pair(200, std::string("a\xff")));
  EXPECT_EQ(run("POST", "/a").first, 405);
  EXPECT_EQ(run("POST", "/label/job/values").first, 405);
  EXPECT_EQ(run("GET", "/label/a/b/values").first, 404);
  EXPECT_EQ(run("GET", "/b"), std::make_pair(404, std::string("404 page not found\n")));
}

}  // namespace
}  // namespace vigil::web
