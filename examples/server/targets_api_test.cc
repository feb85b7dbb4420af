#include "examples/server/targets_api.h"

#include "gtest/gtest.h"

namespace vigil::server {
namespace {

TEST(GlobalUrlTest, LoopbackTargetsGetTheExternalHost) {
  GlobalUrlOptions o;
  o.host = "vm:9090";
  o.listen_port = "9090";
  EXPECT_EQ(GlobalUrl("http://127.0.0.1:9100/metrics", o), "http://vm:9100/metrics");
  EXPECT_EQ(GlobalUrl("http://localhost:9100/x?a=b", o), "http://vm:9100/x?a=b");
  EXPECT_EQ(GlobalUrl("https://[::1]:8443/metrics", o), "https://vm:8443/metrics");
  // Other hosts and port-less URLs stay.
  EXPECT_EQ(GlobalUrl("http://10.0.0.1:9100/metrics", o), "http://10.0.0.1:9100/metrics");
  EXPECT_EQ(GlobalUrl("http://127.0.0.2:9100/metrics", o), "http://127.0.0.2:9100/metrics");
  EXPECT_EQ(GlobalUrl("http://localhost/metrics", o), "http://localhost/metrics");
}

TEST(GlobalUrlTest, OwnPortTakesTheExternalSchemeAndHostPort) {
  GlobalUrlOptions o = MakeGlobalUrlOptions("https://prom.example.com:443/prefix", 9090);
  EXPECT_EQ(o.scheme, "https");
  EXPECT_EQ(o.host, "prom.example.com:443");
  EXPECT_EQ(GlobalUrl("http://localhost:9090/prefix/metrics", o),
            "https://prom.example.com:443/prefix/metrics");
  EXPECT_EQ(GlobalUrl("http://localhost:9100/metrics", o),
            "http://prom.example.com:9100/metrics");
  // An external URL without a port: only the own-port case can be mapped.
  GlobalUrlOptions np = MakeGlobalUrlOptions("http://prom.example.com/", 9090);
  EXPECT_EQ(GlobalUrl("http://127.0.0.1:9090/metrics", np), "http://prom.example.com/metrics");
  EXPECT_EQ(GlobalUrl("http://127.0.0.1:9100/metrics", np), "http://127.0.0.1:9100/metrics");
}

TEST(GlobalUrlTest, DefaultIsHostnameAndListenPort) {
  GlobalUrlOptions o = MakeGlobalUrlOptions("", 9091);
  EXPECT_EQ(o.scheme, "http");
  EXPECT_EQ(o.listen_port, "9091");
  ASSERT_FALSE(o.host.empty());
  EXPECT_EQ(o.host.substr(o.host.size() - 5), ":9091");
  EXPECT_EQ(DefaultExternalUrl(9091), "http://" + o.host);
  // No options: globalUrl is the scrape URL.
  EXPECT_EQ(GlobalUrl("http://127.0.0.1:1/m", GlobalUrlOptions()), "http://127.0.0.1:1/m");
}

}  // namespace
}  // namespace vigil::server
