#include "libremote/read_client.h"

#include <chrono>
#include <limits>
#include <thread>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libtsdb/encoding/crc32c.h"
#include "libremote/internal/test_receiver.h"
#include "libremote/merge_queryable.h"
#include "libremote/read_storage.h"
#include "libremote/remote_queryable.h"
#include "libtsdb/chunkenc/xor_chunk.h"
#include "libtsdb/storage/memory_storage.h"

namespace vigil::remote {
namespace {

using testing::TestReceiver;

void AddSeries(prometheus::QueryResult* r,
               std::vector<std::pair<std::string, std::string>> labels,
               std::vector<std::pair<int64_t, double>> samples) {
  prometheus::TimeSeries* ts = r->add_timeseries();
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

struct Got {
  std::string labels;
  std::vector<int64_t> ts;
};

std::vector<Got> Drain(storage::SeriesSet* set) {
  std::vector<Got> out;
  while (set->Next()) {
    Got g{set->labels().ToString(), {}};
    auto it = set->NewIterator();
    while (it->Next()) g.ts.push_back(it->timestamp());
    out.push_back(std::move(g));
  }
  return out;
}

class ReadClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GT(rx_.Start(), 0);
    // Answers every query with two series of the job it names.
    rx_.SetReadHandler([](const prometheus::ReadRequest& req, prometheus::ReadResponse* resp) {
      prometheus::QueryResult* r = resp->add_results();
      // Reverse order on purpose: the client sorts.
      AddSeries(r, {{"__name__", "up"}, {"job", "b"}, {"cluster", "eu"}},
                {{1000, 1}, {2000, 2}, {900000, 3}});
      AddSeries(r, {{"__name__", "up"}, {"job", "a"}, {"cluster", "eu"}}, {{1500, 1}});
      (void)req;
      return 200;
    });
    cfg_.url = rx_.Url("/read");
    cfg_.remote_timeout = absl::Seconds(5);
    cfg_.headers["X-Scope-OrgID"] = "t1";
  }

  std::unique_ptr<storage::Queryable> Queryable(RemoteQueryableOptions o = {}) {
    return NewRemoteQueryable(std::make_shared<ReadClient>(cfg_), std::move(o));
  }

  TestReceiver rx_;
  RemoteReadConfig cfg_;
};

TEST_F(ReadClientTest, SendsProtocolRequestAndDecodesSamples) {
  auto q = Queryable();
  auto querier = q->NewQuerier(1000, 5000);
  ASSERT_TRUE(querier.ok());
  storage::SelectHints hints;
  hints.start_ms = 1000;
  hints.end_ms = 5000;
  hints.step_ms = 15000;
  hints.range_ms = 300000;
  hints.func = "rate";
  hints.grouping = {"job"};
  hints.by = true;
  auto set = (*querier)->Select(
      false, &hints,
      {model::Matcher::Equal("__name__", "up"),
       *model::Matcher::Create(model::MatchType::kRegexMatch, "job", "a|b")});
  std::vector<Got> got = Drain(set.get());
  ASSERT_TRUE(set->status().ok()) << set->status();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].labels, R"({__name__="up", cluster="eu", job="a"})");
  EXPECT_EQ(got[1].labels, R"({__name__="up", cluster="eu", job="b"})");
  // Samples outside the querier's range are not returned.
  EXPECT_EQ(got[1].ts, (std::vector<int64_t>{1000, 2000}));

  ASSERT_EQ(rx_.reads().size(), 1u);
  const prometheus::ReadRequest req = rx_.reads()[0];
  ASSERT_EQ(req.queries_size(), 1);
  const prometheus::Query& qq = req.queries(0);
  EXPECT_EQ(qq.start_timestamp_ms(), 1000);
  EXPECT_EQ(qq.end_timestamp_ms(), 5000);
  ASSERT_EQ(qq.matchers_size(), 2);
  EXPECT_EQ(qq.matchers(1).type(), prometheus::LabelMatcher::RE);
  EXPECT_EQ(qq.matchers(1).value(), "a|b");
  EXPECT_EQ(qq.hints().step_ms(), 15000);
  EXPECT_EQ(qq.hints().range_ms(), 300000);
  EXPECT_EQ(qq.hints().func(), "rate");
  EXPECT_TRUE(qq.hints().by());
  // Streamed is offered first; this endpoint answers SAMPLES.
  EXPECT_EQ(req.accepted_response_types(1), prometheus::ReadRequest::SAMPLES);
  auto h = rx_.read_headers()[0];
  EXPECT_EQ(h["content-encoding"], "snappy");
  EXPECT_EQ(h["accept-encoding"], "snappy");
  EXPECT_EQ(h["content-type"], "application/x-protobuf");
  EXPECT_EQ(h["x-prometheus-remote-read-version"], "0.1.0");
  EXPECT_EQ(h["x-scope-orgid"], "t1");
  EXPECT_EQ(h["user-agent"], kRemoteReadUserAgent);
}

TEST_F(ReadClientTest, RequiredMatchersGateTheRequest) {
  cfg_.required_matchers["job"] = "a";
  auto q = Queryable();
  auto querier = *q->NewQuerier(0, 5000);
  auto none = querier->Select(true, nullptr, {model::Matcher::Equal("__name__", "up")});
  EXPECT_TRUE(Drain(none.get()).empty());
  auto regex = querier->Select(
      true, nullptr, {*model::Matcher::Create(model::MatchType::kRegexMatch, "job", "a")});
  EXPECT_TRUE(Drain(regex.get()).empty());
  EXPECT_EQ(rx_.reads().size(), 0u);
  auto some = querier->Select(true, nullptr, {model::Matcher::Equal("job", "a")});
  EXPECT_EQ(Drain(some.get()).size(), 2u);
  EXPECT_EQ(rx_.reads().size(), 1u);
}

TEST_F(ReadClientTest, ExternalLabelsFilterAndAreStripped) {
  RemoteQueryableOptions o;
  o.external_labels = model::Labels::FromPairs({{"cluster", "eu"}, {"replica", "r1"}});
  auto q = Queryable(o);
  auto querier = *q->NewQuerier(0, 5000);
  // The selection names `replica` itself: only `cluster` is added.
  auto set = querier->Select(true, nullptr,
                             {model::Matcher::Equal("__name__", "up"),
                              model::Matcher::NotEqual("replica", "x")});
  std::vector<Got> got = Drain(set.get());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].labels, R"({__name__="up", job="a"})");
  const prometheus::Query qq = rx_.reads()[0].queries(0);
  ASSERT_EQ(qq.matchers_size(), 3);
  EXPECT_EQ(qq.matchers(2).name(), "cluster");
  EXPECT_EQ(qq.matchers(2).value(), "eu");
  EXPECT_EQ(qq.matchers(2).type(), prometheus::LabelMatcher::EQ);

  // filter_external_labels: false sends the selection unchanged.
  cfg_.filter_external_labels = false;
  auto q2 = Queryable(o);
  auto set2 = (*q2->NewQuerier(0, 5000))
                  ->Select(true, nullptr, {model::Matcher::Equal("__name__", "up")});
  got = Drain(set2.get());
  EXPECT_EQ(got[0].labels, R"({__name__="up", cluster="eu", job="a"})");
  EXPECT_EQ(rx_.reads()[1].queries(0).matchers_size(), 1);
}

TEST_F(ReadClientTest, ReadRecentFalseReadsOnlyOlderThanLocalData) {
  RemoteQueryableOptions o;
  o.local_start_time_ms = [] { return int64_t{3000}; };
  auto q = Queryable(o);
  // Entirely after the local start: nothing is asked.
  auto recent = (*q->NewQuerier(4000, 9000))
                    ->Select(true, nullptr, {model::Matcher::Equal("__name__", "up")});
  EXPECT_TRUE(Drain(recent.get()).empty());
  EXPECT_EQ(rx_.reads().size(), 0u);
  // Overlapping: cut at the local start.
  auto older = (*q->NewQuerier(0, 9000))
                   ->Select(true, nullptr, {model::Matcher::Equal("__name__", "up")});
  EXPECT_EQ(Drain(older.get()).size(), 2u);
  ASSERT_EQ(rx_.reads().size(), 1u);
  EXPECT_EQ(rx_.reads()[0].queries(0).end_timestamp_ms(), 3000);
  // read_recent: true always asks.
  cfg_.read_recent = true;
  auto q2 = Queryable(o);
  auto all = (*q2->NewQuerier(4000, 9000))
                 ->Select(true, nullptr, {model::Matcher::Equal("__name__", "up")});
  Drain(all.get());
  EXPECT_EQ(rx_.reads().size(), 2u);
}

TEST_F(ReadClientTest, FailuresAreErrorsAloneAndWarningsWhenMerged) {
  rx_.SetReadHandler([](const prometheus::ReadRequest&, prometheus::ReadResponse*) {
    return 503;
  });
  auto remote = Queryable();
  auto set = (*remote->NewQuerier(0, 5000))
                 ->Select(true, nullptr, {model::Matcher::Equal("__name__", "up")});
  EXPECT_FALSE(set->Next());
  EXPECT_EQ(set->status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(set->status().message().find("503"), std::string::npos);

  storage::MemoryStorage local;
  auto app = local.NewAppender();
  ASSERT_TRUE(app->Append(0, model::Labels::FromPairs({{"__name__", "up"}}), 10, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  MergeQueryable merged({&local}, {remote.get()});
  auto mset = (*merged.NewQuerier(0, 5000))
                  ->Select(true, nullptr, {model::Matcher::Equal("__name__", "up")});
  std::vector<Got> got = Drain(mset.get());
  EXPECT_TRUE(mset->status().ok());
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(mset->warnings().size(), 1u);
  EXPECT_NE(mset->warnings()[0].find(cfg_.url), std::string::npos) << mset->warnings()[0];

  // An endpoint nobody listens on: a transport error, also a warning.
  RemoteReadConfig dead = cfg_;
  dead.url = "http://127.0.0.1:1/read";
  ReadStorage rs;
  ASSERT_TRUE(rs.ApplyConfig({dead}, model::Labels()).ok());
  MergeQueryable merged2({&local}, {&rs});
  auto s2 = (*merged2.NewQuerier(0, 5000))
                ->Select(true, nullptr, {model::Matcher::Equal("__name__", "up")});
  EXPECT_EQ(Drain(s2.get()).size(), 1u);
  EXPECT_EQ(s2->warnings().size(), 1u);
}

TEST_F(ReadClientTest, ReadStorageMergesEndpoints) {
  TestReceiver other;
  ASSERT_GT(other.Start(), 0);
  other.SetReadHandler([](const prometheus::ReadRequest&, prometheus::ReadResponse* resp) {
    AddSeries(resp->add_results(), {{"__name__", "up"}, {"job", "a"}, {"cluster", "eu"}},
              {{1500, 9}, {2500, 2}});
    return 200;
  });
  RemoteReadConfig second = cfg_;
  second.url = other.Url("/read");
  ReadStorage rs;
  ASSERT_TRUE(rs.ApplyConfig({cfg_, second}, model::Labels()).ok());
  EXPECT_EQ(rs.size(), 2u);
  auto set = (*rs.NewQuerier(0, 5000))
                 ->Select(true, nullptr, {model::Matcher::Equal("__name__", "up")});
  std::vector<Got> got = Drain(set.get());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].ts, (std::vector<int64_t>{1500, 2500}));  // merged, deduped
  ASSERT_TRUE(rs.ApplyConfig({}, model::Labels()).ok());
  auto empty = (*rs.NewQuerier(0, 5000))
                   ->Select(true, nullptr, {model::Matcher::Equal("__name__", "up")});
  EXPECT_FALSE(empty->Next());
}

TEST_F(ReadClientTest, BearerTokenFromConfig) {
  cfg_.http.auth_type = "Bearer";
  cfg_.http.credentials = "s3cret";
  auto q = Queryable();
  auto set = (*q->NewQuerier(0, 5000))
                 ->Select(true, nullptr, {model::Matcher::Equal("__name__", "up")});
  EXPECT_EQ(Drain(set.get()).size(), 2u);
  EXPECT_EQ(rx_.read_headers()[0]["authorization"], "Bearer s3cret");
}

TEST_F(ReadClientTest, RemoteTimeoutIsADeadline) {
  rx_.SetReadHandler([](const prometheus::ReadRequest&, prometheus::ReadResponse* resp) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    resp->add_results();
    return 200;
  });
  cfg_.remote_timeout = absl::Milliseconds(200);
  auto q = Queryable();
  absl::Time t0 = absl::Now();
  auto set = (*q->NewQuerier(0, 5000))
                 ->Select(true, nullptr, {model::Matcher::Equal("__name__", "up")});
  EXPECT_FALSE(set->Next());
  EXPECT_EQ(set->status().code(), absl::StatusCode::kDeadlineExceeded) << set->status();
  EXPECT_LT(absl::Now() - t0, absl::Seconds(1));
}

// One streamed frame: uvarint length, big-endian CRC32C, message.
std::string Frame(const prometheus::ChunkedReadResponse& msg) {
  std::string pb = msg.SerializeAsString();
  std::string out;
  uint64_t n = pb.size();
  while (n >= 0x80) {
    out.push_back(static_cast<char>(n | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
  uint32_t crc = tsdb::Crc32c(pb);
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(crc >> shift));
  return out + pb;
}

void AddChunk(prometheus::ChunkedSeries* cs, std::vector<std::pair<int64_t, double>> samples) {
  tsdb::chunkenc::XorChunk c;
  for (auto [t, v] : samples) ASSERT_TRUE(c.Append(t, v));
  prometheus::Chunk* pc = cs->add_chunks();
  pc->set_type(prometheus::Chunk::XOR);
  pc->set_min_time_ms(samples.front().first);
  pc->set_max_time_ms(samples.back().first);
  pc->set_data(c.bytes());
}

void SetLabels(prometheus::ChunkedSeries* cs, const char* job) {
  for (auto [n, v] : {std::pair<const char*, const char*>{"__name__", "up"}, {"job", job}}) {
    prometheus::Label* l = cs->add_labels();
    l->set_name(n);
    l->set_value(v);
  }
}

TEST_F(ReadClientTest, StreamedXorChunksAcrossFrames) {
  std::string body;
  {
    prometheus::ChunkedReadResponse f1;
    prometheus::ChunkedSeries* a = f1.add_chunked_series();
    SetLabels(a, "a");
    AddChunk(a, {{1000, 1}, {2000, 2}});
    prometheus::ChunkedReadResponse f2;  // "a" continues in the next frame
    prometheus::ChunkedSeries* a2 = f2.add_chunked_series();
    SetLabels(a2, "a");
    AddChunk(a2, {{3000, 3}});
    prometheus::ChunkedSeries* b = f2.add_chunked_series();
    SetLabels(b, "b");
    AddChunk(b, {{1500, 7.25}, {2500, -1}, {4000, 0}});
    body = Frame(f1) + Frame(f2);
  }
  const std::string ct = "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse";
  rx_.SetRawReadHandler([&](const prometheus::ReadRequest&, std::string* type, std::string* out) {
    *type = ct;
    *out = body;
    return 200;
  });
  auto q = Queryable();
  auto set = (*q->NewQuerier(0, 3500))
                 ->Select(true, nullptr, {model::Matcher::Equal("__name__", "up")});
  std::vector<Got> got = Drain(set.get());
  ASSERT_TRUE(set->status().ok()) << set->status();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].labels, R"({__name__="up", job="a"})");
  EXPECT_EQ(got[0].ts, (std::vector<int64_t>{1000, 2000, 3000}));
  EXPECT_EQ(got[1].ts, (std::vector<int64_t>{1500, 2500}));  // 4000 is out of range
  const prometheus::ReadRequest req = rx_.reads()[0];
  ASSERT_EQ(req.accepted_response_types_size(), 2);
  EXPECT_EQ(req.accepted_response_types(0), prometheus::ReadRequest::STREAMED_XOR_CHUNKS);
  EXPECT_EQ(req.accepted_response_types(1), prometheus::ReadRequest::SAMPLES);

  // A flipped byte fails the checksum; a cut body is truncated.
  std::string corrupt = body;
  corrupt[corrupt.size() - 3] ^= 0x40;
  for (const std::string& bad : {corrupt, body.substr(0, body.size() - 5)}) {
    rx_.SetRawReadHandler([&, bad](const prometheus::ReadRequest&, std::string* type,
                                   std::string* out) {
      *type = ct;
      *out = bad;
      return 200;
    });
    auto s2 = (*q->NewQuerier(0, 5000))
                  ->Select(true, nullptr, {model::Matcher::Equal("__name__", "up")});
    EXPECT_FALSE(s2->Next());
    EXPECT_EQ(s2->status().code(), absl::StatusCode::kDataLoss) << s2->status();
  }
}

}  // namespace
}  // namespace vigil::remote
