// Runs the HTTP request fuzz target over hand-written seeds (requests as
// Prometheus's clients, browsers and broken clients send them) and a fixed
// number of deterministic mutations of them: bit flips, truncations,
// deletions, and insertions of HTTP tokens. Under --config=asan this is a
// short fuzzing run inside `bazel test`.

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

int RunOne(const std::string& s) {
  return LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

std::vector<std::string> Seeds() {
  return {
      "GET /api/v1/query?query=up%7Bjob%3D%22a%22%7D&time=1.5 HTTP/1.1\r\n"
      "Host: localhost:9090\r\nAccept-Encoding: gzip\r\n\r\n",
      "POST /api/v1/query_range HTTP/1.1\r\nHost: h\r\n"
      "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 48\r\n\r\n"
      "query=rate(x[5m])&start=1&end=2&step=15s&a+b=%zz",
      "GET /metrics HTTP/1.1\r\n\r\nGET /-/ready HTTP/1.1\r\n\r\n"
      "HEAD /graph?g0.expr=up HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
      "POST /api/v1/write HTTP/1.1\r\nContent-Encoding: snappy\r\n"
      "Transfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n0\r\nX-T: 1\r\n\r\n",
      "PUT /api/v1/admin/tsdb/delete_series?match[]=up&match[]={a=~\"b.*\"} HTTP/1.1\r\n"
      "Expect: 100-continue\r\nContent-Length: 0\r\n\r\n",
      "GET /%E2%9C%93/a%2Fb;c?x=1;y=2&&=&z HTTP/1.1\r\nX: a\r\n b\r\n\r\n",
      "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
      "GET http://host:9090/federate?match%5B%5D=up HTTP/1.1\r\n\r\n",
      // Found by libFuzzer: a final chunk without its trailer's CRLF.
      "POST /w HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
  };
}

TEST(HttpRequestFuzzTest, SeedsAndMutations) {
  static const char* kTokens[] = {
      "\r\n", "\n", "\r\n\r\n", " ", ":", "?", "&", "=", "%", "%2", "%00", "+", ";",
      "HTTP/1.1", "HTTP/1.0", "Content-Length: ", "Transfer-Encoding: chunked\r\n",
      "Content-Type: application/x-www-form-urlencoded\r\n", "Connection: close\r\n",
      "Expect: 100-continue\r\n", "0\r\n\r\n", "ffffffff\r\n", "-1", "18446744073709551616",
      "\xff", "\x80", "\t", "GET / HTTP/1.1\r\n\r\n"};
  std::mt19937_64 rng(20261203);
  const std::vector<std::string> seeds = Seeds();
  int runs = 0;
  for (const std::string& seed : seeds) {
    for (char sel : {'\0', '\1'}) {
      RunOne(std::string(1, sel) + seed);
      ++runs;
    }
  }
  const int kMutations = 20000;
  for (int i = 0; i < kMutations; ++i) {
    std::string s = seeds[rng() % seeds.size()];
    const int edits = 1 + rng() % 4;
    for (int k = 0; k < edits && !s.empty(); ++k) {
      size_t pos = rng() % s.size();
      switch (rng() % 4) {
        case 0:
          s[pos] = static_cast<char>(s[pos] ^ (1u << (rng() % 8)));
          break;
        case 1:
          s.resize(pos);
          break;
        case 2:
          s.insert(pos, kTokens[rng() % (sizeof kTokens / sizeof *kTokens)]);
          break;
        default:
          s.erase(pos, 1 + rng() % 8);
          break;
      }
    }
    RunOne(std::string(1, static_cast<char>(rng() & 1)) + s);
    ++runs;
  }
  EXPECT_GE(runs, kMutations);
}

}  // namespace
