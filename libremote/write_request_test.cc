#include "libremote/write_request.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "model/proto/remote.pb.h"
#include "snappy.h"

namespace vigil::remote {
namespace {

prometheus::WriteRequest Decode(absl::string_view body) {
  std::string raw;
  EXPECT_TRUE(snappy::Uncompress(body.data(), body.size(), &raw));
  prometheus::WriteRequest req;
  EXPECT_TRUE(req.ParseFromString(raw));
  return req;
}

TEST(WriteRequestEncoderTest, GroupsSamplesBySeriesInOrder) {
  model::Labels a = model::Labels::FromPairs({{"__name__", "up"}, {"job", "a"}});
  model::Labels b = model::Labels::FromPairs({{"__name__", "up"}, {"job", "b"}});
  double stale;
  uint64_t stale_bits = 0x7ff0000000000002ull;
  std::memcpy(&stale, &stale_bits, 8);
  std::vector<PendingSample> batch = {
      {a, 1000, 1.5}, {b, 1000, -2}, {a, 2000, stale}, {b, -5, 1e300},
      {a, 3000, std::numeric_limits<double>::infinity()}};
  WriteRequestEncoder enc;
  prometheus::WriteRequest req = Decode(enc.Encode(batch));
  ASSERT_EQ(req.timeseries_size(), 2);
  const auto& ta = req.timeseries(0);
  ASSERT_EQ(ta.labels_size(), 2);
  EXPECT_EQ(ta.labels(0).name(), "__name__");
  EXPECT_EQ(ta.labels(0).value(), "up");
  EXPECT_EQ(ta.labels(1).value(), "a");
  ASSERT_EQ(ta.samples_size(), 3);
  EXPECT_EQ(ta.samples(0).timestamp(), 1000);
  EXPECT_EQ(ta.samples(0).value(), 1.5);
  uint64_t bits;
  double v = ta.samples(1).value();
  std::memcpy(&bits, &v, 8);
  EXPECT_EQ(bits, stale_bits);  // stale marker bit-exact
  EXPECT_TRUE(std::isinf(ta.samples(2).value()));
  const auto& tb = req.timeseries(1);
  ASSERT_EQ(tb.samples_size(), 2);
  EXPECT_EQ(tb.samples(1).timestamp(), -5);  // negative varint
  EXPECT_EQ(tb.samples(1).value(), 1e300);

  // The generated serializer agrees byte for byte.
  std::string expected;
  ASSERT_TRUE(req.SerializeToString(&expected));
  EXPECT_EQ(enc.last_uncompressed(), expected);

  // Reuse: a smaller batch leaves nothing of the previous one behind.
  std::vector<PendingSample> small = {{b, 7, 7}};
  prometheus::WriteRequest r2 = Decode(enc.Encode(small));
  ASSERT_EQ(r2.timeseries_size(), 1);
  EXPECT_EQ(r2.timeseries(0).labels(1).value(), "b");
  EXPECT_EQ(r2.timeseries(0).samples_size(), 1);
}

TEST(WriteRequestEncoderTest, LongLabelValuesAndEmptyBatch) {
  std::string big(300, 'x');  // multi-byte length varints
  model::Labels l = model::Labels::FromPairs({{"__name__", "m"}, {"v", big}});
  WriteRequestEncoder enc;
  std::vector<PendingSample> batch = {{l, 1, 1}};
  prometheus::WriteRequest req = Decode(enc.Encode(batch));
  EXPECT_EQ(req.timeseries(0).labels(1).value(), big);
  prometheus::WriteRequest empty = Decode(enc.Encode({}));
  EXPECT_EQ(empty.timeseries_size(), 0);
}

}  // namespace
}  // namespace vigil::remote
