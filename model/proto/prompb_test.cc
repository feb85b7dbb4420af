// Checks that the prompb messages produce exactly the bytes Prometheus's
// remote write 1.0 spec defines, built here by hand from field numbers.

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "gtest/gtest.h"
#include "model/proto/remote.pb.h"
#include "model/proto/types.pb.h"
#include "snappy.h"

namespace {

// Minimal protobuf wire encoder for the fixture.
void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
void PutTag(std::string* out, int field, int wire_type) {
  PutVarint(out, (static_cast<uint64_t>(field) << 3) | wire_type);
}
void PutBytes(std::string* out, int field, const std::string& bytes) {
  PutTag(out, field, 2);
  PutVarint(out, bytes.size());
  out->append(bytes);
}
void PutDouble(std::string* out, int field, double d) {
  PutTag(out, field, 1);
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(bits >> (8 * i)));
}
void PutInt64(std::string* out, int field, int64_t v) {
  PutTag(out, field, 0);
  PutVarint(out, static_cast<uint64_t>(v));
}

std::string LabelBytes(const std::string& name, const std::string& value) {
  std::string l;
  PutBytes(&l, 1, name);   // Label.name = 1
  PutBytes(&l, 2, value);  // Label.value = 2
  return l;
}

std::string SampleBytes(double value, int64_t ts) {
  std::string s;
  PutDouble(&s, 1, value);  // Sample.value = 1
  PutInt64(&s, 2, ts);      // Sample.timestamp = 2
  return s;
}

constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;

double StaleNaN() {
  double d;
  std::memcpy(&d, &kStaleNaNBits, sizeof d);
  return d;
}

prometheus::WriteRequest BuildRequest() {
  prometheus::WriteRequest req;
  prometheus::TimeSeries* ts = req.add_timeseries();
  auto* l = ts->add_labels();
  l->set_name("__name__");
  l->set_value("up");
  l = ts->add_labels();
  l->set_name("job");
  l->set_value("node");
  auto* s = ts->add_samples();
  s->set_value(1.5);
  s->set_timestamp(1700000000000);
  s = ts->add_samples();
  s->set_value(StaleNaN());
  s->set_timestamp(1700000015000);
  auto* md = req.add_metadata();
  md->set_type(prometheus::MetricMetadata::GAUGE);
  md->set_metric_family_name("up");
  md->set_help("Target is up.");
  return req;
}

std::string ExpectedBytes() {
  std::string series;
  PutBytes(&series, 1, LabelBytes("__name__", "up"));  // TimeSeries.labels = 1
  PutBytes(&series, 1, LabelBytes("job", "node"));
  PutBytes(&series, 2, SampleBytes(1.5, 1700000000000));  // samples = 2
  PutBytes(&series, 2, SampleBytes(StaleNaN(), 1700000015000));

  std::string metadata;
  PutInt64(&metadata, 1, 2);  // MetricMetadata.type = 1, GAUGE = 2
  PutBytes(&metadata, 2, "up");  // metric_family_name = 2
  PutBytes(&metadata, 4, "Target is up.");  // help = 4

  std::string req;
  PutBytes(&req, 1, series);    // WriteRequest.timeseries = 1
  PutBytes(&req, 3, metadata);  // WriteRequest.metadata = 3
  return req;
}

TEST(PrompbTest, WriteRequestMatchesHandBuiltFixture) {
  std::string got;
  ASSERT_TRUE(BuildRequest().SerializeToString(&got));
  EXPECT_EQ(got, ExpectedBytes());
}

TEST(PrompbTest, SnappyCompressedBodyMatchesAndRoundTrips) {
  std::string raw;
  ASSERT_TRUE(BuildRequest().SerializeToString(&raw));
  std::string body, fixture_body;
  snappy::Compress(raw.data(), raw.size(), &body);
  const std::string fixture = ExpectedBytes();
  snappy::Compress(fixture.data(), fixture.size(), &fixture_body);
  EXPECT_EQ(body, fixture_body);

  std::string decoded;
  ASSERT_TRUE(snappy::Uncompress(body.data(), body.size(), &decoded));
  prometheus::WriteRequest back;
  ASSERT_TRUE(back.ParseFromString(decoded));
  ASSERT_EQ(back.timeseries_size(), 1);
  ASSERT_EQ(back.timeseries(0).samples_size(), 2);
  double stale = back.timeseries(0).samples(1).value();
  uint64_t bits;
  std::memcpy(&bits, &stale, sizeof bits);
  EXPECT_EQ(bits, kStaleNaNBits) << "stale marker must survive bit-exact";
  EXPECT_EQ(back.metadata(0).help(), "Target is up.");
}

TEST(PrompbTest, ReadRequestFieldNumbers) {
  prometheus::ReadRequest req;
  auto* q = req.add_queries();
  q->set_start_timestamp_ms(1000);
  q->set_end_timestamp_ms(2000);
  auto* m = q->add_matchers();
  m->set_type(prometheus::LabelMatcher::RE);
  m->set_name("job");
  m->set_value("n.*");
  req.add_accepted_response_types(prometheus::ReadRequest::STREAMED_XOR_CHUNKS);

  std::string matcher;
  PutInt64(&matcher, 1, 2);  // LabelMatcher.type = 1, RE = 2
  PutBytes(&matcher, 2, "job");
  PutBytes(&matcher, 3, "n.*");
  std::string query;
  PutInt64(&query, 1, 1000);  // Query.start_timestamp_ms = 1
  PutInt64(&query, 2, 2000);  // end_timestamp_ms = 2
  PutBytes(&query, 3, matcher);  // matchers = 3
  std::string want;
  PutBytes(&want, 1, query);  // ReadRequest.queries = 1
  PutBytes(&want, 2, std::string(1, '\x01'));  // packed accepted_response_types = 2

  std::string got;
  ASSERT_TRUE(req.SerializeToString(&got));
  EXPECT_EQ(got, want);
}

}  // namespace
