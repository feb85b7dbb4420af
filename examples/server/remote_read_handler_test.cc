#include "examples/server/remote_read_handler.h"

#include <memory>
#include <vector>
#include <thread>
#include <atomic>
#include <string>

#include "absl/time/clock.h"
#include "examples/server/testing/http_test_server.h"
#include "gtest/gtest.h"
#include "libtsdb/chunkenc/xor_chunk.h"
#include "libtsdb/encoding/crc32c.h"
#include "libtsdb/storage/memory_storage.h"
#include "model/proto/remote.pb.h"
#include "snappy.h"

namespace vigil::server {
namespace {

std::string EncodeRead(const prometheus::ReadRequest& req) {
  std::string pb = req.SerializeAsString(), out;
  snappy::Compress(pb.data(), pb.size(), &out);
  return out;
}

prometheus::Query* AddQuery(prometheus::ReadRequest* req, int64_t start, int64_t end,
                            std::vector<std::tuple<prometheus::LabelMatcher::Type,
                                                   std::string, std::string>> ms) {
  prometheus::Query* q = req->add_queries();
  q->set_start_timestamp_ms(start);
  q->set_end_timestamp_ms(end);
  for (auto& [type, name, value] : ms) {
    prometheus::LabelMatcher* m = q->add_matchers();
    m->set_type(type);
    m->set_name(name);
    m->set_value(value);
  }
  return q;
}

class RemoteReadHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = db_.NewAppender();
    model::Labels a = model::Labels::FromPairs({{"__name__", "cpu"}, {"host", "a"}});
    model::Labels b = model::Labels::FromPairs({{"__name__", "cpu"}, {"host", "b"}});
    for (int i = 0; i < 300; ++i) {
      ASSERT_TRUE(app->Append(0, a, i * 1000, i * 0.5).ok());
      if (i % 2 == 0) ASSERT_TRUE(app->Append(0, b, i * 1000, -i).ok());
    }
    ASSERT_TRUE(app->Commit().ok());
    RemoteReadHandler::Options opts;
    opts.external_labels = model::Labels::FromPairs({{"cluster", "eu"}});
    handler_ = std::make_unique<RemoteReadHandler>(&db_, opts);
    handler_->Register(http_.router(), "/api/v1/read");
    ASSERT_GT(http_.Start(), 0);
    client_ = http_.NewClient();
  }

  storage::MemoryStorage db_;
  std::unique_ptr<RemoteReadHandler> handler_;
  testing::HttpTestServer http_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(RemoteReadHandlerTest, SamplesResponseOverHttp) {
  prometheus::ReadRequest req;
  AddQuery(&req, 10000, 12000,
           {{prometheus::LabelMatcher::EQ, "__name__", "cpu"},
            // Implied by the external labels: dropped from the selection.
            {prometheus::LabelMatcher::EQ, "cluster", "eu"},
            {prometheus::LabelMatcher::RE, "host", "a|b"}});
  AddQuery(&req, 0, 1000000, {{prometheus::LabelMatcher::NEQ, "host", "a"},
                              {prometheus::LabelMatcher::EQ, "__name__", "cpu"}});
  httplib::Headers h = {{"Content-Encoding", "snappy"},
                        {"X-Prometheus-Remote-Read-Version", "0.1.0"}};
  httplib::Result r = client_->Post("/api/v1/read", h, EncodeRead(req),
                                    "application/x-protobuf");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/x-protobuf");
  EXPECT_EQ(r->get_header_value("Content-Encoding"), "snappy");
  std::string raw;
  ASSERT_TRUE(snappy::Uncompress(r->body.data(), r->body.size(), &raw));
  prometheus::ReadResponse resp;
  ASSERT_TRUE(resp.ParseFromString(raw));
  ASSERT_EQ(resp.results_size(), 2);
  const prometheus::QueryResult& q0 = resp.results(0);
  ASSERT_EQ(q0.timeseries_size(), 2);
  const prometheus::TimeSeries& ts = q0.timeseries(0);
  ASSERT_EQ(ts.labels_size(), 3);
  EXPECT_EQ(ts.labels(0).name(), "__name__");
  EXPECT_EQ(ts.labels(1).name(), "cluster");
  EXPECT_EQ(ts.labels(1).value(), "eu");
  EXPECT_EQ(ts.labels(2).value(), "a");
  ASSERT_EQ(ts.samples_size(), 3);
  EXPECT_EQ(ts.samples(0).timestamp(), 10000);
  EXPECT_EQ(ts.samples(0).value(), 5);
  EXPECT_EQ(ts.samples(2).timestamp(), 12000);
  EXPECT_EQ(q0.timeseries(1).samples_size(), 2);  // host b: even seconds
  ASSERT_EQ(resp.results(1).timeseries_size(), 1);
  EXPECT_EQ(resp.results(1).timeseries(0).samples_size(), 150);
}

TEST_F(RemoteReadHandlerTest, StreamedXorChunks) {
  prometheus::ReadRequest req;
  AddQuery(&req, 0, 299000, {{prometheus::LabelMatcher::EQ, "host", "a"}});
  req.add_accepted_response_types(prometheus::ReadRequest::STREAMED_XOR_CHUNKS);
  absl::StatusOr<RemoteReadHandler::Response> r = handler_->Read(EncodeRead(req));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->content_type,
            "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse");
  // Decode frames: uvarint length, BE CRC32C, message.
  absl::string_view body = r->body;
  int frames = 0, samples = 0;
  int64_t last_t = -1;
  while (!body.empty()) {
    uint64_t len = 0;
    int shift = 0;
    size_t i = 0;
    while (true) {
      ASSERT_LT(i, body.size());
      unsigned char c = body[i++];
      len |= static_cast<uint64_t>(c & 0x7F) << shift;
      if (!(c & 0x80)) break;
      shift += 7;
    }
    ASSERT_GE(body.size(), i + 4 + len);
    uint32_t crc = 0;
    for (int k = 0; k < 4; ++k) crc = (crc << 8) | static_cast<unsigned char>(body[i + k]);
    absl::string_view msg = body.substr(i + 4, len);
    EXPECT_EQ(crc, tsdb::Crc32c(msg));
    prometheus::ChunkedReadResponse frame;
    ASSERT_TRUE(frame.ParseFromArray(msg.data(), msg.size()));
    EXPECT_EQ(frame.query_index(), 0);
    for (const auto& cs : frame.chunked_series()) {
      EXPECT_EQ(cs.labels(1).name(), "cluster");
      for (const auto& chunk : cs.chunks()) {
        EXPECT_EQ(chunk.type(), prometheus::Chunk::XOR);
        tsdb::chunkenc::XorIterator it(chunk.data());
        int n = 0;
        int64_t first = -1, lt = -1;
        while (it.Next()) {
          if (first < 0) first = it.t();
          lt = it.t();
          EXPECT_EQ(it.v(), it.t() / 1000 * 0.5);
          EXPECT_GT(it.t(), last_t);
          last_t = it.t();
          ++n;
        }
        EXPECT_TRUE(it.status().ok());
        EXPECT_LE(n, 120);
        EXPECT_EQ(chunk.min_time_ms(), first);
        EXPECT_EQ(chunk.max_time_ms(), lt);
        samples += n;
      }
    }
    ++frames;
    body.remove_prefix(i + 4 + len);
  }
  EXPECT_EQ(frames, 1);
  EXPECT_EQ(samples, 300);
  EXPECT_EQ(tsdb::Crc32c("123456789"), 0xE3069283u);
}

TEST_F(RemoteReadHandlerTest, ErrorsAndLimits) {
  httplib::Result r = client_->Post("/api/v1/read", "junk", "application/x-protobuf");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);

  prometheus::ReadRequest bad_re;
  AddQuery(&bad_re, 0, 10, {{prometheus::LabelMatcher::RE, "host", "("}});
  EXPECT_EQ(handler_->Read(EncodeRead(bad_re)).status().code(),
            absl::StatusCode::kInvalidArgument);

  RemoteReadHandler::Options opts;
  opts.sample_limit = 10;
  RemoteReadHandler limited(&db_, opts);
  prometheus::ReadRequest all;
  AddQuery(&all, 0, 1000000, {{prometheus::LabelMatcher::EQ, "__name__", "cpu"}});
  absl::StatusOr<RemoteReadHandler::Response> lr = limited.Read(EncodeRead(all));
  EXPECT_EQ(lr.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(lr.status().message(), "exceeded sample limit (10)");
}

// A storage whose queriers take a while, counting how many are open at once.
class SlowStorage final : public storage::Queryable {
 public:
  absl::StatusOr<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint,
                                                               int64_t maxt) override {
    int now = open_.fetch_add(1) + 1;
    int seen = max_open_.load();
    while (now > seen && !max_open_.compare_exchange_weak(seen, now)) {
    }
    absl::SleepFor(absl::Milliseconds(100));
    open_.fetch_sub(1);
    return inner_.NewQuerier(mint, maxt);
  }
  int max_open() const { return max_open_.load(); }

 private:
  storage::MemoryStorage inner_;
  std::atomic<int> open_{0}, max_open_{0};
};

// --storage.remote.read-concurrent-limit: reads beyond it wait.
TEST(RemoteReadLimitTest, ConcurrentReadsWaitForASlot) {
  for (int limit : {1, 0}) {
    SlowStorage db;
    RemoteReadHandler::Options opts;
    opts.max_concurrent = limit;
    RemoteReadHandler handler(&db, opts);
    prometheus::ReadRequest req;
    AddQuery(&req, 0, 1000, {{prometheus::LabelMatcher::EQ, "__name__", "x"}});
    std::string body = EncodeRead(req);
    std::vector<std::thread> readers;
    for (int i = 0; i < 4; ++i) {
      readers.emplace_back([&] { EXPECT_TRUE(handler.Read(body).ok()); });
    }
    for (auto& t : readers) t.join();
    if (limit == 1) {
      EXPECT_EQ(db.max_open(), 1);
    } else {
      EXPECT_GT(db.max_open(), 1) << "without a limit the reads overlap";
    }
  }
}

}  // namespace
}  // namespace vigil::server
