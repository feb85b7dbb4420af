// Runs the remote-write fuzz target over seeds (WriteRequests as Prometheus
// sends them, plus invalid labels, empty series and metadata) in every
// selector mode, and a fixed number of deterministic mutations of them:
// of the protobuf (compressed by the target, so decoding is reached) and of
// the snappy body (so the framing is). Under --config=asan this is a short
// fuzzing run inside `bazel test`.

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "model/proto/remote.pb.h"
#include "snappy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

int RunOne(uint8_t sel, const std::string& s) {
  std::string in(1, static_cast<char>(sel));
  in += s;
  return LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(in.data()), in.size());
}

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

// Serialized WriteRequests (not compressed).
std::vector<std::string> Seeds() {
  std::vector<std::string> out;
  prometheus::WriteRequest a;
  AddSeries(&a, {{"__name__", "up"}, {"instance", "h:9100"}, {"job", "node"}},
            {{1700000000000, 1}, {1700000015000, 0}, {1700000030000, 1}});
  AddSeries(&a, {{"__name__", "http_requests_total"}, {"code", "200"}},
            {{-14, 1.5}, {0, -0.0}, {7, 1e308}});
  out.push_back(a.SerializeAsString());
  prometheus::WriteRequest b;
  AddSeries(&b, {{"__name__", "x"}, {"a", ""}}, {{1, 1}});         // empty value
  AddSeries(&b, {{"a", "1"}, {"a", "2"}}, {{2, 2}});                // duplicate name
  AddSeries(&b, {{"0bad", "v"}}, {{3, 3}});                          // invalid name
  AddSeries(&b, {{"__name__", "y"}, {"v", "\xff\xfe"}}, {{4, 4}});   // invalid UTF-8
  AddSeries(&b, {}, {{5, 5}});                                       // no labels
  AddSeries(&b, {{"__name__", "z"}}, {});                            // no samples
  out.push_back(b.SerializeAsString());
  prometheus::WriteRequest c;
  prometheus::MetricMetadata* m = c.add_metadata();
  m->set_type(prometheus::MetricMetadata::COUNTER);
  m->set_metric_family_name("http_requests_total");
  m->set_help("Requests.");
  prometheus::TimeSeries* ts = c.add_timeseries();
  prometheus::Label* l = ts->add_labels();
  l->set_name("__name__");
  l->set_value("h");
  prometheus::Exemplar* ex = ts->add_exemplars();
  ex->set_value(1);
  ex->set_timestamp(9);
  prometheus::Histogram* h = ts->add_histograms();
  h->set_count_int(3);
  h->set_schema(3);
  h->add_positive_deltas(1);
  out.push_back(c.SerializeAsString());
  return out;
}

std::string Compress(const std::string& raw) {
  std::string out;
  snappy::Compress(raw.data(), raw.size(), &out);
  return out;
}

std::string Mutate(std::string s, std::mt19937_64* rng) {
  const int edits = 1 + (*rng)() % 4;
  for (int k = 0; k < edits && !s.empty(); ++k) {
    size_t pos = (*rng)() % s.size();
    switch ((*rng)() % 5) {
      case 0:
        s[pos] = static_cast<char>(s[pos] ^ (1u << ((*rng)() % 8)));
        break;
      case 1:
        s.resize(pos);
        break;
      case 2:
        s.erase(pos, 1 + (*rng)() % 8);
        break;
      case 3:  // a varint byte: field tags and lengths
        s[pos] = static_cast<char>((*rng)() % 2 ? 0xff : (*rng)() % 0x80);
        break;
      default:  // duplicate a span: repeated fields, overlapping lengths
        s.insert(pos, s.substr((*rng)() % s.size(), 1 + (*rng)() % 16));
        break;
    }
  }
  return s;
}

TEST(RemoteWriteFuzzTest, SeedsAndMutations) {
  const std::vector<std::string> seeds = Seeds();
  int runs = 0;
  for (const std::string& seed : seeds) {
    for (int sel = 0; sel < 16; ++sel) {
      RunOne(sel, (sel & 1) ? seed : Compress(seed));
      ++runs;
    }
  }
  std::mt19937_64 rng(20261203);
  const int kMutations = 20000;
  for (int i = 0; i < kMutations; ++i) {
    const std::string& seed = seeds[rng() % seeds.size()];
    uint8_t sel = rng() % 16;
    // Mostly the protobuf; a quarter of the time the compressed body.
    if (i % 4 == 0) {
      RunOne(sel & ~1, Mutate(Compress(seed), &rng));
    } else {
      RunOne(sel | 1, Mutate(seed, &rng));
    }
    ++runs;
  }
  EXPECT_GE(runs, kMutations);
}

}  // namespace
