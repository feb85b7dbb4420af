// libFuzzer target for both exposition parsers. The first input byte picks
// the parser (even: Prometheus text, odd: OpenMetrics); the rest is the
// body. Every entry is read back through every accessor, so a bad offset or
// an unterminated scan shows up under AddressSanitizer.
//
// Built two ways: by textparse_fuzz_test (a gtest driver that feeds it
// mutated seeds, run by `bazel test`), and by fuzz/run_libfuzzer.sh with
// clang -fsanitize=fuzzer for open-ended fuzzing.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "libscrape/textparse/openmetrics_parser.h"
#include "libscrape/textparse/prom_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using vigil::scrape::textparse::Entry;
  if (size == 0) return 0;
  const bool om = data[0] & 1;
  // A copy of exactly `size - 1` bytes, so reads past the end are caught.
  std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto p = om ? vigil::scrape::textparse::NewOpenMetricsParser(body)
              : vigil::scrape::textparse::NewPromParser(body);
  const char* begin = body.data();
  const char* end = body.data() + body.size();
  auto inside = [&](absl::string_view v) {
    if (v.empty()) return;
    if (v.data() < begin || v.data() + v.size() > end) std::abort();
  };
  int last_line = 0;
  for (int i = 0; i < 1000000; ++i) {
    Entry e = p->Next();
    if (e == Entry::kEOF) break;
    if (e == Entry::kError) {
      if (p->status().ok() || p->Next() != Entry::kError) std::abort();
      break;
    }
    if (p->line() < last_line) std::abort();
    last_line = p->line();
    switch (e) {
      case Entry::kSeries: {
        inside(p->Series());
        inside(p->RawMetricName());
        for (const auto& l : p->RawLabels()) {
          inside(l.name);
          inside(l.value);
        }
        vigil::model::Labels labels;
        (void)p->BuildLabels(&labels);
        (void)labels.ToString();
        vigil::scrape::textparse::Exemplar ex;
        (void)p->GetExemplar(&ex);
        (void)p->SeriesType();
        break;
      }
      case Entry::kHelp:
        inside(p->MetaName());
        (void)p->Help().size();
        break;
      case Entry::kType:
      case Entry::kUnit:
        inside(p->MetaName());
        inside(p->Unit());
        break;
      case Entry::kComment:
        inside(p->Comment());
        break;
      default:
        break;
    }
  }
  return 0;
}
