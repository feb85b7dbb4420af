#include "libscrape/textparse/content_type.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vigil::scrape::textparse {
namespace {

using ::testing::HasSubstr;

TEST(ContentTypeTest, DefaultAcceptHeaderMatchesPrometheus3) {
  EXPECT_EQ(AcceptHeader(DefaultScrapeProtocols()),
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;"
            "q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,"
            "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,"
            "text/plain;version=0.0.4;q=0.3,*/*;q=0.2");
  EXPECT_EQ(AcceptHeader({ScrapeProtocol::kPrometheusText0_0_4}),
            "text/plain;version=0.0.4;q=0.6,*/*;q=0.5");
}

TEST(ContentTypeTest, ProtocolNamesRoundTrip) {
  for (absl::string_view n :
       {"PrometheusProto", "OpenMetricsText0.0.1", "OpenMetricsText1.0.0",
        "PrometheusText0.0.4", "PrometheusText1.0.0"}) {
    auto p = ParseScrapeProtocol(n);
    ASSERT_TRUE(p.ok()) << n;
    EXPECT_EQ(ScrapeProtocolName(*p), n);
  }
  auto bad = ParseScrapeProtocol("prometheustext0.0.4");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("unknown scrape protocol"));
}

TEST(ContentTypeTest, SelectsByMediaType) {
  auto c = SelectFormat("text/plain; version=0.0.4; charset=utf-8", {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->format, Format::kPrometheusText);
  EXPECT_TRUE(c->warning.empty());
  c = SelectFormat("Application/OpenMetrics-Text; version=1.0.0", {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->format, Format::kOpenMetrics);
  c = SelectFormat(
      "application/vnd.google.protobuf; "
      "proto=io.prometheus.client.MetricFamily; encoding=delimited",
      {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->format, Format::kProtobuf);
  EXPECT_EQ(NewParser(Format::kProtobuf, "").status().code(),
            absl::StatusCode::kUnimplemented);
}

TEST(ContentTypeTest, FallbackRules) {
  auto c = SelectFormat("", {});
  EXPECT_EQ(c.status().message(),
            "non-compliant scrape target sending blank Content-Type and no "
            "fallback_scrape_protocol specified for target");
  c = SelectFormat("text/html", {});
  EXPECT_EQ(c.status().message(),
            "received unsupported Content-Type \"text/html\" and no "
            "fallback_scrape_protocol specified for target");
  c = SelectFormat("text/plain; version", {});
  EXPECT_EQ(c.status().message(),
            "cannot parse Content-Type \"text/plain; version\" and no "
            "fallback_scrape_protocol for target");

  c = SelectFormat("", ScrapeProtocol::kPrometheusText0_0_4);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->format, Format::kPrometheusText);
  EXPECT_EQ(c->warning,
            "non-compliant scrape target sending blank Content-Type, using "
            "fallback_scrape_protocol \"text/plain;version=0.0.4\"");
  c = SelectFormat("application/json", ScrapeProtocol::kOpenMetricsText1_0_0);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->format, Format::kOpenMetrics);
  EXPECT_THAT(c->warning, HasSubstr("received unsupported Content-Type"));
  c = SelectFormat("a b/c", ScrapeProtocol::kPrometheusText1_0_0);
  ASSERT_TRUE(c.ok());
  EXPECT_THAT(c->warning, HasSubstr("could not parse received Content-Type"));
}

}  // namespace
}  // namespace vigil::scrape::textparse
