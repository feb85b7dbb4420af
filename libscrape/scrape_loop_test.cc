#include "libscrape/scrape_loop.h"

#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "absl/strings/str_cat.h"
#include "libscrape/internal/test_server.h"
#include "libtsdb/db.h"
#include "libtsdb/storage/memory_storage.h"
#include "model/matcher.h"
#include "model/timestamp.h"
#include "model/value.h"
#include "yaml-cpp/yaml.h"

namespace vigil::scrape {
namespace {

using ::testing::HasSubstr;
using testing::Reply;
using testing::TestServer;

using Samples = std::vector<std::pair<int64_t, double>>;

// All series in `s` as "labels" -> samples (stale markers as -999).
std::map<std::string, Samples> Dump(storage::MemoryStorage& s) {
  std::map<std::string, Samples> out;
  auto q = s.NewQuerier(0, model::kMaxTimeMs);
  EXPECT_TRUE(q.ok());
  auto set = (*q)->Select(true, nullptr,
                          {*model::Matcher::Create(model::MatchType::kRegexMatch,
                                                   "__name__", ".+")});
  while (set->Next()) {
    Samples& v = out[set->labels().ToString()];
    auto it = set->NewIterator();
    while (it->Next()) {
      double x = it->value();
      v.emplace_back(it->timestamp(), model::IsStaleNaN(x) ? -999 : x);
    }
  }
  return out;
}

constexpr char kTextCT[] = "text/plain; version=0.0.4";

class ScrapeLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    srv_ = TestServer::Start();
    ASSERT_NE(srv_, nullptr);
  }
  std::unique_ptr<ScrapeLoop> NewLoop(ScrapeLoopOptions opts = {},
                                      const std::string& path = "/metrics") {
    auto sc = NewHttpTargetScraper(srv_->Url(path), {},
                                   textparse::DefaultScrapeProtocols(), true, 0);
    EXPECT_TRUE(sc.ok());
    opts.timeout = absl::Seconds(2);
    return std::make_unique<ScrapeLoop>(
        model::Labels::FromPairs({{"job", "j"}, {"instance", "i:1"}}),
        std::move(*sc), &storage_, opts);
  }
  void Serve(const std::string& body, const std::string& ct = kTextCT) {
    srv_->Set("/metrics", Reply{200, ct, body});
  }

  std::unique_ptr<TestServer> srv_;
  storage::MemoryStorage storage_;
};

const char* const kA = "{__name__=\"a\", instance=\"i:1\", job=\"j\", x=\"1\"}";
const char* const kB = "{__name__=\"b\", instance=\"i:1\", job=\"j\"}";
const char* const kUp = "{__name__=\"up\", instance=\"i:1\", job=\"j\"}";

std::string Report(const char* name) {
  return std::string("{__name__=\"") + name + "\", instance=\"i:1\", job=\"j\"}";
}

TEST_F(ScrapeLoopTest, AppendsSamplesAndReport) {
  Serve("# TYPE a counter\na{x=\"1\"} 5\nb 2.5\nc 7 123\n");
  auto loop = NewLoop();
  ScrapeStats st;
  ASSERT_TRUE(loop->ScrapeAndReport(1000, &st).ok());
  auto d = Dump(storage_);
  EXPECT_EQ(d[kA], (Samples{{1000, 5}}));
  EXPECT_EQ(d[kB], (Samples{{1000, 2.5}}));
  EXPECT_EQ(d["{__name__=\"c\", instance=\"i:1\", job=\"j\"}"],
            (Samples{{123, 7}}));  // honor_timestamps
  EXPECT_EQ(d[kUp], (Samples{{1000, 1}}));
  EXPECT_EQ(d[Report("scrape_samples_scraped")], (Samples{{1000, 3}}));
  EXPECT_EQ(d[Report("scrape_samples_post_metric_relabeling")],
            (Samples{{1000, 3}}));
  EXPECT_EQ(d[Report("scrape_series_added")], (Samples{{1000, 3}}));
  ASSERT_EQ(d[Report("scrape_duration_seconds")].size(), 1u);
  EXPECT_GT(d[Report("scrape_duration_seconds")][0].second, 0);
  EXPECT_EQ(loop->Health().state, TargetHealthState::kUp);

  // Second scrape: everything from the cache, nothing added.
  Serve("# TYPE a counter\na{x=\"1\"} 6\nb 3.5\nc 8 124\n");
  ASSERT_TRUE(loop->ScrapeAndReport(2000, &st).ok());
  EXPECT_EQ(st.series_added, 0u);
  EXPECT_EQ(loop->CacheSize(), 3u);
  d = Dump(storage_);
  EXPECT_EQ(d[kA], (Samples{{1000, 5}, {2000, 6}}));
  EXPECT_EQ(d[Report("scrape_series_added")], (Samples{{1000, 3}, {2000, 0}}));
}

TEST_F(ScrapeLoopTest, StaleMarkersForVanishedSeries) {
  Serve("a{x=\"1\"} 1\nb 1\nc 1 500\n");
  auto loop = NewLoop();
  ASSERT_TRUE(loop->ScrapeAndReport(1000).ok());
  Serve("a{x=\"1\"} 2\n");
  ScrapeStats st;
  ASSERT_TRUE(loop->ScrapeAndReport(2000, &st).ok());
  EXPECT_EQ(st.stale_markers, 1u);
  auto d = Dump(storage_);
  EXPECT_EQ(d[kB], (Samples{{1000, 1}, {2000, -999}}));
  // Its own timestamp: no marker.
  EXPECT_EQ(d["{__name__=\"c\", instance=\"i:1\", job=\"j\"}"],
            (Samples{{500, 1}}));
  // Only once: the next scrape writes no second marker.
  ASSERT_TRUE(loop->ScrapeAndReport(3000, &st).ok());
  EXPECT_EQ(st.stale_markers, 0u);
  d = Dump(storage_);
  EXPECT_EQ(d[kB].size(), 2u);
  EXPECT_EQ(loop->CacheSize(), 1u);  // b and c evicted
  // It comes back.
  Serve("a{x=\"1\"} 2\nb 9\n");
  ASSERT_TRUE(loop->ScrapeAndReport(4000, &st).ok());
  EXPECT_EQ(st.series_added, 1u);
  EXPECT_EQ(Dump(storage_)[kB], (Samples{{1000, 1}, {2000, -999}, {4000, 9}}));
}

TEST_F(ScrapeLoopTest, TrackTimestampsStaleness) {
  Serve("c 1 500\n");
  ScrapeLoopOptions o;
  o.track_timestamps_staleness = true;
  auto loop = NewLoop(o);
  ASSERT_TRUE(loop->ScrapeAndReport(1000).ok());
  Serve("");
  ASSERT_TRUE(loop->ScrapeAndReport(2000).ok());
  EXPECT_EQ(Dump(storage_)["{__name__=\"c\", instance=\"i:1\", job=\"j\"}"],
            (Samples{{500, 1}, {2000, -999}}));
}

TEST_F(ScrapeLoopTest, FailedScrapeWritesUpZeroAndStaleMarkers) {
  Serve("a{x=\"1\"} 1\nb 1\n");
  auto loop = NewLoop();
  ASSERT_TRUE(loop->ScrapeAndReport(1000).ok());
  srv_->Set("/metrics", Reply{503, "text/plain", "down"});
  absl::Status st = loop->ScrapeAndReport(2000);
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable);
  auto d = Dump(storage_);
  EXPECT_EQ(d[kA], (Samples{{1000, 1}, {2000, -999}}));
  EXPECT_EQ(d[kB], (Samples{{1000, 1}, {2000, -999}}));
  EXPECT_EQ(d[kUp], (Samples{{1000, 1}, {2000, 0}}));
  EXPECT_EQ(d[Report("scrape_samples_scraped")], (Samples{{1000, 2}, {2000, 0}}));
  TargetHealth h = loop->Health();
  EXPECT_EQ(h.state, TargetHealthState::kDown);
  EXPECT_EQ(h.last_error, "server returned HTTP status 503 Service Unavailable");
  // Recovery: series are new again and get appended.
  Serve("a{x=\"1\"} 3\n");
  ASSERT_TRUE(loop->ScrapeAndReport(3000).ok());
  EXPECT_EQ(Dump(storage_)[kA], (Samples{{1000, 1}, {2000, -999}, {3000, 3}}));
}

TEST_F(ScrapeLoopTest, ParseErrorFailsTheWholeScrape) {
  Serve("a{x=\"1\"} 1\n");
  auto loop = NewLoop();
  ASSERT_TRUE(loop->ScrapeAndReport(1000).ok());
  Serve("b 1\nnew_series 4\nbroken{\n");
  absl::Status st = loop->ScrapeAndReport(2000);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()), HasSubstr("line 3: expected label name"));
  auto d = Dump(storage_);
  EXPECT_EQ(d.count(kB), 0u);  // nothing from the failed body
  EXPECT_EQ(d.count("{__name__=\"new_series\", instance=\"i:1\", job=\"j\"}"), 0u);
  EXPECT_EQ(d[kA], (Samples{{1000, 1}, {2000, -999}}));
  EXPECT_EQ(d[kUp], (Samples{{1000, 1}, {2000, 0}}));
  EXPECT_EQ(loop->CacheSize(), 1u);  // new entries forgotten
}

TEST_F(ScrapeLoopTest, SampleLimitFailsTheScrape) {
  Serve("a 1\nb 2\nc 3\ndropme 4\n");
  ScrapeLoopOptions o;
  o.sample_limit = 2;
  o.counters = std::make_shared<ScrapeCounters>();
  auto loop = NewLoop(o);
  absl::Status st = loop->ScrapeAndReport(1000);
  EXPECT_EQ(st.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(st.message(), "sample limit exceeded");
  EXPECT_EQ(o.counters->exceeded_sample_limit.load(), 1u);
  EXPECT_EQ(o.counters->exceeded_label_limits.load(), 0u);
  auto d = Dump(storage_);
  EXPECT_EQ(d[kUp], (Samples{{1000, 0}}));
  EXPECT_EQ(d.size(), 5u);  // report series only
  // As Prometheus, the failed scrape still reports every sample left after
  // relabeling, not just those up to the limit.
  EXPECT_EQ(d[Report("scrape_samples_post_metric_relabeling")],
            (Samples{{1000, 4}}));

  // Counted after metric relabeling: dropping two samples fits the limit.
  YAML::Node rc = YAML::Load(
      "- source_labels: [__name__]\n  regex: (c|dropme)\n  action: drop\n");
  o.metric_relabel_configs = *sd::ParseRelabelConfigs(rc);
  auto loop2 = NewLoop(o);
  ScrapeStats stats;
  ASSERT_TRUE(loop2->ScrapeAndReport(2000, &stats).ok());
  EXPECT_EQ(stats.samples_scraped, 4u);
  EXPECT_EQ(stats.samples_post_relabel, 2u);
  d = Dump(storage_);
  EXPECT_EQ(d.count("{__name__=\"c\", instance=\"i:1\", job=\"j\"}"), 0u);
  EXPECT_EQ(d[Report("scrape_samples_post_metric_relabeling")],
            (Samples{{1000, 4}, {2000, 2}}));
  EXPECT_EQ(d[Report("scrape_samples_scraped")], (Samples{{1000, 4}, {2000, 4}}));
  // The drop decision is cached too.
  ASSERT_TRUE(loop2->ScrapeAndReport(3000, &stats).ok());
  EXPECT_EQ(stats.samples_post_relabel, 2u);
}

TEST_F(ScrapeLoopTest, LabelLimits) {
  struct Case {
    ScrapeLoopOptions opts;
    const char* body;
    const char* want;
  };
  ScrapeLoopOptions ll, nl, vl;
  ll.label_limit = 3;  // __name__, instance, job + 1 scraped = 4
  nl.label_name_length_limit = 9;  // __name__ and instance have 8
  vl.label_value_length_limit = 4;
  const Case cases[] = {
      {ll, "m{a=\"1\"} 1\n",
       "label_limit exceeded (metric: m, number of labels: 4, limit: 3)"},
      {nl, "m{longername=\"1\"} 1\n",
       "label_name_length_limit exceeded (metric: m, label name: longername, "
       "length: 10, limit: 9)"},
      {vl, "m{a=\"12345\"} 1\n",
       "label_value_length_limit exceeded (metric: m, label name: a, value: "
       "\"12345\", length: 5, limit: 4)"},
  };
  auto counters = std::make_shared<ScrapeCounters>();
  for (Case c : cases) {
    Serve(c.body);
    c.opts.counters = counters;
    auto loop = NewLoop(c.opts);
    absl::Status st = loop->ScrapeAndReport(1000);
    EXPECT_EQ(st.message(), c.want);
    EXPECT_EQ(loop->Health().state, TargetHealthState::kDown);
  }
  EXPECT_EQ(counters->exceeded_label_limits.load(), 3u);
  EXPECT_EQ(counters->exceeded_sample_limit.load(), 0u);
}

TEST_F(ScrapeLoopTest, CountersAddRefusedSamplesAndObserveIntervals) {
  ScrapeLoopOptions o;
  o.interval = absl::Seconds(15);
  o.counters = std::make_shared<ScrapeCounters>();
  std::vector<std::pair<absl::Duration, absl::Duration>> seen;
  o.counters->observe_interval = [&](absl::Duration iv, absl::Duration actual) {
    seen.emplace_back(iv, actual);
  };
  std::string dir = ::testing::TempDir() + "/scrape_counters";
  auto db = tsdb::DB::Open(dir, tsdb::Options());
  ASSERT_TRUE(db.ok()) << db.status();
  auto sc = NewHttpTargetScraper(srv_->Url("/metrics"), {},
                                 textparse::DefaultScrapeProtocols(), true, 0);
  ASSERT_TRUE(sc.ok());
  o.timeout = absl::Seconds(2);
  auto loop = std::make_unique<ScrapeLoop>(
      model::Labels::FromPairs({{"job", "j"}, {"instance", "i:1"}}),
      std::move(*sc), db->get(), o);
  // Own timestamps: the second scrape repeats one (same value: no
  // error), changes one (duplicate) and goes back in time (out of order).
  const int64_t now = model::NowMillis();
  Serve(absl::StrCat("a 1 ", now, "\nb 1 ", now, "\nc 1 ", now, "\n"));
  ASSERT_TRUE(loop->ScrapeAndReport(now).ok());
  EXPECT_TRUE(seen.empty());  // no previous scrape yet
  Serve(absl::StrCat("a 1 ", now, "\nb 2 ", now, "\nc 1 ", now - 1000, "\n"));
  ScrapeStats st;
  ASSERT_TRUE(loop->ScrapeAndReport(now + 1000, &st).ok());
  EXPECT_EQ(o.counters->sample_duplicate_timestamp.load(), st.duplicates);
  EXPECT_EQ(o.counters->sample_out_of_order.load(), st.out_of_order);
  EXPECT_EQ(st.duplicates, 1u);
  EXPECT_EQ(st.out_of_order, 1u);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].first, absl::Seconds(15));
  EXPECT_GT(seen[0].second, absl::ZeroDuration());
}

TEST_F(ScrapeLoopTest, HonorLabelsAndExportedPrefix) {
  Serve("m{job=\"other\",exported_job=\"x\",instance=\"e\"} 1\n");
  auto loop = NewLoop();
  ASSERT_TRUE(loop->ScrapeAndReport(1000).ok());
  auto d = Dump(storage_);
  EXPECT_EQ(d.count("{__name__=\"m\", exported_exported_job=\"other\", "
                    "exported_instance=\"e\", exported_job=\"x\", "
                    "instance=\"i:1\", job=\"j\"}"),
            1u)
      << d.begin()->first;

  storage::MemoryStorage s2;
  ScrapeLoopOptions o;
  o.honor_labels = true;
  o.timeout = absl::Seconds(2);
  auto sc = NewHttpTargetScraper(srv_->Url("/metrics"), {},
                                 textparse::DefaultScrapeProtocols(), true, 0);
  ScrapeLoop honor(model::Labels::FromPairs({{"job", "j"}, {"instance", "i:1"}}),
                   std::move(*sc), &s2, o);
  ASSERT_TRUE(honor.ScrapeAndReport(1000).ok());
  d = Dump(s2);
  EXPECT_EQ(d.count("{__name__=\"m\", exported_job=\"x\", instance=\"e\", "
                    "job=\"other\"}"),
            1u);
}

TEST_F(ScrapeLoopTest, HonorTimestampsOff) {
  Serve("c 7 123\n");
  ScrapeLoopOptions o;
  o.honor_timestamps = false;
  auto loop = NewLoop(o);
  ASSERT_TRUE(loop->ScrapeAndReport(1000).ok());
  EXPECT_EQ(Dump(storage_)["{__name__=\"c\", instance=\"i:1\", job=\"j\"}"],
            (Samples{{1000, 7}}));
}

// A target exposing a timestamp a century ahead loses that sample alone,
// counted with the out-of-bounds ones (as Prometheus counts it); the
// scrape succeeds and the TSDB keeps taking current samples.
TEST(ScrapeLoopTsdbTest, FarFutureTimestampIsSkippedAndCounted) {
  std::string dir = ::testing::TempDir() + "/scrape_future";
  auto db = tsdb::DB::Open(dir, tsdb::Options());
  ASSERT_TRUE(db.ok()) << db.status();
  ScrapeLoop loop(model::Labels::FromPairs({{"job", "j"}, {"instance", "i:1"}}),
                  nullptr, db->get(), ScrapeLoopOptions{});
  const int64_t now = model::NowMillis();
  const int64_t century = 100LL * 365 * 24 * 3600 * 1000;
  ScrapeStats st;
  ASSERT_TRUE(loop.AppendBody(absl::StrCat("a 1\nfuture 2 ", now + century, "\nb 3\n"),
                              kTextCT, now, &st)
                  .ok());
  EXPECT_EQ(st.out_of_bounds, 1u);
  ScrapeStats next;
  ASSERT_TRUE(loop.AppendBody("a 4\nb 5\n", kTextCT, now + 15000, &next).ok());
  EXPECT_EQ(next.out_of_bounds, 0u);
  tsdb::DBStats dbs = (*db)->Stats();
  EXPECT_EQ(dbs.head.too_far_in_future, 1u);
  EXPECT_EQ(dbs.head.samples_appended, 4u);
  EXPECT_EQ(dbs.head.max_time, now + 15000);
  ASSERT_TRUE((*db)->Close().ok());
}

// Storage that takes appends and then fails every commit, as a full disk.
class FailingCommits final : public storage::Appendable {
 public:
  class App final : public storage::Appender {
   public:
    absl::StatusOr<storage::SeriesRef> Append(storage::SeriesRef, const model::Labels&, int64_t,
                                              double) override {
      return storage::SeriesRef{1};
    }
    absl::Status Commit() override { return absl::ResourceExhaustedError("no space left on device"); }
    absl::Status Rollback() override { return absl::OkStatus(); }
  };
  std::unique_ptr<storage::Appender> NewAppender() override { return std::make_unique<App>(); }
};

TEST_F(ScrapeLoopTest, StorageFailureShowsOnTheTarget) {
  Serve("a 1\n");
  auto sc = NewHttpTargetScraper(srv_->Url("/metrics"), {}, textparse::DefaultScrapeProtocols(),
                                 true, 0);
  ASSERT_TRUE(sc.ok());
  FailingCommits storage;
  ScrapeLoopOptions opts;
  opts.timeout = absl::Seconds(2);
  ScrapeLoop loop(model::Labels::FromPairs({{"job", "j"}, {"instance", "i:1"}}), std::move(*sc),
                  &storage, opts);
  absl::Status st = loop.ScrapeAndReport(model::NowMillis(), nullptr);
  EXPECT_EQ(st.code(), absl::StatusCode::kResourceExhausted);
  TargetHealth h = loop.Health();
  EXPECT_EQ(h.state, TargetHealthState::kUp);
  EXPECT_EQ(h.last_error, "storing the scrape failed: no space left on device");
}

TEST_F(ScrapeLoopTest, EndOfRunStaleness) {
  Serve("a{x=\"1\"} 1\nb 1\n");
  auto loop = NewLoop();
  ASSERT_TRUE(loop->ScrapeAndReport(1000).ok());
  ASSERT_TRUE(loop->EndOfRunStaleness(1500).ok());
  ASSERT_TRUE(loop->EndOfRunStaleness(1600).ok());  // idempotent
  auto d = Dump(storage_);
  EXPECT_EQ(d[kA], (Samples{{1000, 1}, {1500, -999}}));
  EXPECT_EQ(d[kB], (Samples{{1000, 1}, {1500, -999}}));
  EXPECT_EQ(d[kUp], (Samples{{1000, 1}, {1500, -999}}));
  EXPECT_EQ(d[Report("scrape_series_added")], (Samples{{1000, 2}, {1500, -999}}));
}

// Serves a fixed body with a fixed (possibly empty) Content-Type; the test
// HTTP server always sends one.
class FixedScraper : public TargetScraper {
 public:
  FixedScraper(std::string ct, std::string body)
      : ct_(std::move(ct)), body_(std::move(body)) {}
  absl::Status Scrape(absl::Duration, ScrapeResponse* resp) override {
    resp->content_type = ct_;
    resp->body = body_;
    return absl::OkStatus();
  }

 private:
  std::string ct_, body_;
};

TEST_F(ScrapeLoopTest, ContentTypeFallback) {
  const model::Labels target =
      model::Labels::FromPairs({{"job", "j"}, {"instance", "i:1"}});
  auto loop = std::make_unique<ScrapeLoop>(
      target, std::make_unique<FixedScraper>("", "a{x=\"1\"} 1\n"), &storage_,
      ScrapeLoopOptions{});
  absl::Status st = loop->ScrapeAndReport(1000);
  EXPECT_THAT(std::string(st.message()),
              HasSubstr("non-compliant scrape target sending blank "
                        "Content-Type and no fallback_scrape_protocol"));
  ScrapeLoopOptions o;
  o.fallback_protocol = textparse::ScrapeProtocol::kPrometheusText0_0_4;
  auto loop2 = std::make_unique<ScrapeLoop>(
      target, std::make_unique<FixedScraper>("", "a{x=\"1\"} 1\n"), &storage_,
      o);
  EXPECT_TRUE(loop2->ScrapeAndReport(2000).ok());
  EXPECT_EQ(Dump(storage_)[kA], (Samples{{2000, 1}}));
  auto html = std::make_unique<ScrapeLoop>(
      target, std::make_unique<FixedScraper>("text/html", "<html>"), &storage_,
      ScrapeLoopOptions{});
  EXPECT_THAT(std::string(html->ScrapeAndReport(3000).message()),
              HasSubstr("received unsupported Content-Type \"text/html\""));
}

TEST_F(ScrapeLoopTest, OpenMetricsGzipped) {
  Reply r{200, "application/openmetrics-text; version=1.0.0; charset=utf-8",
          "# TYPE a counter\na_total{x=\"1\"} 5 # {trace=\"t\"} 1 1.5\n"
          "a_created{x=\"1\"} 1.7e9\n# EOF\n"};
  r.gzip = true;
  srv_->Set("/metrics", r);
  auto loop = NewLoop();
  ASSERT_TRUE(loop->ScrapeAndReport(1000).ok()) << loop->Health().last_error;
  auto d = Dump(storage_);
  EXPECT_EQ(d["{__name__=\"a_total\", instance=\"i:1\", job=\"j\", x=\"1\"}"],
            (Samples{{1000, 5}}));
  EXPECT_EQ(d["{__name__=\"a_created\", instance=\"i:1\", job=\"j\", x=\"1\"}"],
            (Samples{{1000, 1.7e9}}));
  // Missing # EOF fails the scrape.
  srv_->Set("/metrics", Reply{200, "application/openmetrics-text", "a_total 1\n"});
  absl::Status st = loop->ScrapeAndReport(2000);
  EXPECT_THAT(std::string(st.message()), HasSubstr("data does not end with # EOF"));
}

TEST_F(ScrapeLoopTest, ExtraScrapeMetricsAndBodySizeLimit) {
  Serve("a{x=\"1\"} 1\nb 1\n");
  ScrapeLoopOptions o;
  o.extra_scrape_metrics = true;
  o.sample_limit = 100;
  o.counters = std::make_shared<ScrapeCounters>();
  o.timeout = absl::Seconds(2);
  auto sc = NewHttpTargetScraper(srv_->Url("/metrics"), {},
                                 textparse::DefaultScrapeProtocols(),
                                 /*enable_compression=*/false,
                                 /*body_size_limit=*/30);
  ScrapeLoop loop(model::Labels::FromPairs({{"job", "j"}, {"instance", "i:1"}}),
                  std::move(*sc), &storage_, o);
  ASSERT_TRUE(loop.ScrapeAndReport(1000).ok());
  Serve("a{x=\"1\"} 1\nb 1\nccccccccccccccccccccccc 1\n");  // > 30 bytes
  absl::Status st = loop.ScrapeAndReport(2000);
  EXPECT_EQ(st.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(st.message(), "body size limit exceeded");
  EXPECT_EQ(o.counters->exceeded_body_size_limit.load(), 1u);
  auto d = Dump(storage_);
  EXPECT_EQ(d[Report("scrape_body_size_bytes")], (Samples{{1000, 15}, {2000, -1}}));
  EXPECT_EQ(d[Report("scrape_timeout_seconds")], (Samples{{1000, 2}, {2000, 2}}));
  EXPECT_EQ(d[Report("scrape_sample_limit")], (Samples{{1000, 100}, {2000, 100}}));
  EXPECT_EQ(d[kUp], (Samples{{1000, 1}, {2000, 0}}));
  EXPECT_EQ(d[kB], (Samples{{1000, 1}, {2000, -999}}));
}

TEST_F(ScrapeLoopTest, InvalidNamesUnderLegacyValidation) {
  Serve("{\"my.metric\"} 1\n", "text/plain; version=1.0.0");
  auto utf8 = NewLoop();
  EXPECT_TRUE(utf8->ScrapeAndReport(1000).ok());
  ScrapeLoopOptions o;
  o.legacy_name_validation = true;
  auto legacy = NewLoop(o);
  absl::Status st = legacy->ScrapeAndReport(2000);
  EXPECT_THAT(std::string(st.message()),
              HasSubstr("invalid metric name or label names"));
}

}  // namespace
}  // namespace vigil::scrape

namespace vigil::scrape {
namespace {

TEST_F(ScrapeLoopTest, KeepsMetadataOfTextAndOpenMetrics) {
  Serve(
      "# HELP http_requests_total Requests with \\\\ and \\n escapes.\n"
      "# TYPE http_requests_total counter\n"
      "http_requests_total{code=\"200\"} 3\n"
      "# HELP temp Temperature.\n"
      "# TYPE temp untyped\n"
      "temp 1\n"
      "# a comment\n");
  auto loop = NewLoop();
  ASSERT_TRUE(loop->ScrapeAndReport(1000).ok());
  std::shared_ptr<const MetadataStore> md = loop->metadata();
  ASSERT_NE(md, nullptr);
  std::optional<MetricMetadata> m = md->Get("http_requests_total");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->type, textparse::MetricType::kCounter);
  EXPECT_EQ(m->help, "Requests with \\ and \n escapes.");
  EXPECT_EQ(md->Get("temp")->type, textparse::MetricType::kUnknown);
  EXPECT_EQ(md->size(), 2);

  // OpenMetrics: UNIT, and the family name (without _total).
  srv_->Set("/metrics",
            Reply{200, "application/openmetrics-text; version=1.0.0; charset=utf-8",
                  "# TYPE build_seconds counter\n# UNIT build_seconds seconds\n"
                  "# HELP build_seconds Build \\\"time\\\".\n"
                  "build_seconds_total 5\n# EOF\n"});
  ASSERT_TRUE(loop->ScrapeAndReport(2000).ok()) << loop->Health().last_error;
  m = md->Get("build_seconds");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->type, textparse::MetricType::kCounter);
  EXPECT_EQ(m->unit, "seconds");
  EXPECT_EQ(m->help, "Build \"time\".");
  // The text-format families stay for a while after they vanish.
  EXPECT_TRUE(md->Get("temp").has_value());

  // A failed scrape changes nothing.
  Serve("# HELP temp Changed.\ntemp{\n");
  EXPECT_FALSE(loop->ScrapeAndReport(3000).ok());
  EXPECT_EQ(md->Get("temp")->help, "Temperature.");

  ScrapeLoopOptions off;
  off.metadata_limit = 0;
  EXPECT_EQ(NewLoop(off)->metadata(), nullptr);
}

}  // namespace
}  // namespace vigil::scrape
