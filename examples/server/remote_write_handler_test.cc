#include "examples/server/remote_write_handler.h"

#include <memory>
#include <string>

#include "examples/server/testing/http_test_server.h"
#include "gtest/gtest.h"
#include "libtsdb/db.h"
#include "libtsdb/storage/memory_storage.h"
#include "model/matcher.h"
#include "model/proto/remote.pb.h"
#include "model/timestamp.h"
#include "snappy.h"

namespace vigil::server {
namespace {

void AddSeries(prometheus::WriteRequest* req,
               std::vector<std::pair<std::string, std::string>> labels,
               std::vector<std::pair<int64_t, double>> samples) {
  prometheus::TimeSeries* ts = req->add_timeseries();
  for (auto& [n, v] : labels) {
    prometheus::Label* l = ts->add_labels();
    l->set_name(n);
    l->set_value(v);
  }
  for (auto& [t, v] : samples) {
    prometheus::Sample* s = ts->add_samples();
    s->set_timestamp(t);
    s->set_value(v);
  }
}

std::string Encode(const prometheus::WriteRequest& req) {
  std::string pb = req.SerializeAsString(), out;
  snappy::Compress(pb.data(), pb.size(), &out);
  return out;
}

// Samples of series `name` in the storage.
std::vector<std::pair<int64_t, double>> Read(storage::MemoryStorage* db,
                                             const std::string& name) {
  std::vector<std::pair<int64_t, double>> out;
  auto q = db->NewQuerier(0, 1000000);
  EXPECT_TRUE(q.ok());
  auto set = (*q)->Select(true, nullptr, {model::Matcher::Equal("__name__", name)});
  while (set->Next()) {
    auto it = set->NewIterator();
    while (it->Next()) out.emplace_back(it->timestamp(), it->value());
  }
  return out;
}

class RemoteWriteHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    handler_.Register(http_.router(), "/api/v1/write");
    ASSERT_GT(http_.Start(), 0);
    client_ = http_.NewClient();
  }

  httplib::Result Post(const std::string& body,
                       const std::string& type = "application/x-protobuf") {
    httplib::Headers h = {{"Content-Encoding", "snappy"},
                          {"X-Prometheus-Remote-Write-Version", "0.1.0"}};
    return client_->Post("/api/v1/write", h, body, type.c_str());
  }

  storage::MemoryStorage db_;
  RemoteWriteHandler handler_{&db_};
  testing::HttpTestServer http_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(RemoteWriteHandlerTest, StoresSamplesAndAnswers204) {
  prometheus::WriteRequest req;
  AddSeries(&req, {{"__name__", "cpu"}, {"job", "a"}}, {{1000, 1.5}, {2000, 2.5}});
  AddSeries(&req, {{"__name__", "mem"}, {"job", "a"}}, {{1000, 7}});
  httplib::Result r = Post(Encode(req));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(Read(&db_, "cpu"), (std::vector<std::pair<int64_t, double>>{{1000, 1.5}, {2000, 2.5}}));
  EXPECT_EQ(Read(&db_, "mem").size(), 1u);
  EXPECT_EQ(handler_.samples_appended(), 3);
}

TEST_F(RemoteWriteHandlerTest, OutOfOrderRejectsWholeRequestWith400) {
  prometheus::WriteRequest first;
  AddSeries(&first, {{"__name__", "cpu"}}, {{5000, 1}});
  ASSERT_EQ(Post(Encode(first))->status, 204);

  prometheus::WriteRequest second;
  AddSeries(&second, {{"__name__", "other"}}, {{1000, 1}});
  AddSeries(&second, {{"__name__", "cpu"}}, {{4000, 2}});
  httplib::Result r = Post(Encode(second));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("out of order sample"), std::string::npos) << r->body;
  // The stored sample is untouched. (MemoryStorage checks order at
  // Commit, so how much of the rest is kept is the storage's choice.)
  EXPECT_EQ(Read(&db_, "cpu"), (std::vector<std::pair<int64_t, double>>{{5000, 1}}));
  EXPECT_EQ(handler_.requests_failed(), 1);
}

TEST_F(RemoteWriteHandlerTest, InvalidLabelsAre400ButValidSeriesStored) {
  prometheus::WriteRequest req;
  AddSeries(&req, {{"__name__", "good"}}, {{1000, 1}});
  AddSeries(&req, {{"__name__", "bad"}, {"job", ""}}, {{1000, 1}});
  AddSeries(&req, {{"__name__", "dup"}, {"a", "1"}, {"a", "2"}}, {{1000, 1}});
  httplib::Result r = Post(Encode(req));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("invalid labels"), std::string::npos) << r->body;
  EXPECT_EQ(Read(&db_, "good").size(), 1u);
  EXPECT_TRUE(Read(&db_, "bad").empty());
  EXPECT_TRUE(Read(&db_, "dup").empty());
  EXPECT_EQ(handler_.series_invalid(), 2);
}

TEST_F(RemoteWriteHandlerTest, BadBodiesAndUnsupportedFormats) {
  httplib::Result r = Post("definitely not snappy");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);

  std::string junk_pb, compressed;
  junk_pb = "\xff\xff\xff\xff";
  snappy::Compress(junk_pb.data(), junk_pb.size(), &compressed);
  r = Post(compressed);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("WriteRequest"), std::string::npos);

  prometheus::WriteRequest req;
  AddSeries(&req, {{"__name__", "x"}}, {{1, 1}});
  r = Post(Encode(req), "application/x-protobuf;proto=io.prometheus.write.v2.Request");
  EXPECT_EQ(r->status, 415);
  EXPECT_TRUE(Read(&db_, "x").empty());

  // An empty request is valid and stores nothing.
  r = Post(Encode(prometheus::WriteRequest()));
  EXPECT_EQ(r->status, 204);
}

TEST(RemoteWriteLimitTest, OversizedDecodedBodyRefused) {
  storage::MemoryStorage db;
  RemoteWriteHandler::Options opts;
  opts.max_decoded_bytes = 100;
  RemoteWriteHandler h(&db, opts);
  prometheus::WriteRequest req;
  for (int i = 0; i < 20; ++i) {
    AddSeries(&req, {{"__name__", "m" + std::to_string(i)}}, {{1, 1}});
  }
  absl::Status st = h.Write(Encode(req));
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("exceeds the limit"), absl::string_view::npos);
  EXPECT_EQ(db.NumSamples(), 0u);
}

// Through the TSDB: a sample a century ahead refuses its request as an
// out-of-bounds one does (400: the sender drops it rather than retrying)
// without moving the head, so the next current request is stored.
TEST(RemoteWriteTsdbTest, FarFutureSampleIsRefusedAndLaterWritesLand) {
  auto db = tsdb::DB::Open(::testing::TempDir() + "/rw_future", tsdb::Options());
  ASSERT_TRUE(db.ok()) << db.status();
  RemoteWriteHandler h(db->get());
  const int64_t now = model::NowMillis();
  prometheus::WriteRequest bad;
  AddSeries(&bad, {{"__name__", "cpu"}}, {{now + 100LL * 365 * 24 * 3600 * 1000, 1}});
  absl::Status st = h.Write(Encode(bad));
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << st;
  EXPECT_NE(st.message().find("too far in the future"), absl::string_view::npos) << st;

  prometheus::WriteRequest good;
  AddSeries(&good, {{"__name__", "cpu"}}, {{now, 2}, {now + 15000, 3}});
  EXPECT_TRUE(h.Write(Encode(good)).ok());
  tsdb::DBStats stats = (*db)->Stats();
  EXPECT_EQ(stats.head.too_far_in_future, 1u);
  EXPECT_EQ(stats.head.samples_appended, 2u);
  EXPECT_EQ(h.requests_failed(), 1);
  ASSERT_TRUE((*db)->Close().ok());
}

}  // namespace
}  // namespace vigil::server
