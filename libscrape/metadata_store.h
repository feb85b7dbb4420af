// A MetadataStore keeps the metric metadata one target exposes — the type,
// help and unit of each metric family from its `# TYPE`, `# HELP` and
// `# UNIT` lines — for the metadata APIs (Prometheus's scrape cache
// metadata, served by /api/v1/metadata and /api/v1/targets/metadata).
//
// The scrape loop collects one scrape's lines as Updates (views into the
// response body, no copies on the parse path) and hands them over with
// Apply() once per successful scrape, under one lock: an entry is only
// rewritten when its text changed, and a scrape whose metadata lines equal
// the previous scrape's (the steady state) costs one comparison per line,
// without hashing. As in Prometheus, a family that stops
// being exposed is kept for 10 more scrapes, then forgotten.
//
// Bounded: at most `max_families` families per target (further new ones are
// not recorded and counted in dropped()), help and unit texts at most
// kMaxTextBytes each (longer ones are cut).
//
// Thread safety: all methods may be called concurrently.

#ifndef VIGIL_LIBSCRAPE_METADATA_STORE_H_
#define VIGIL_LIBSCRAPE_METADATA_STORE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/node_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "libscrape/textparse/parser.h"

namespace vigil::scrape {

struct MetricMetadata {
  std::string metric;  // the family name as in the TYPE/HELP/UNIT line
  textparse::MetricType type = textparse::MetricType::kUnknown;
  std::string help;
  std::string unit;
};

class MetadataStore {
 public:
  static constexpr size_t kDefaultMaxFamilies = 20000;
  static constexpr size_t kMaxTextBytes = 16 * 1024;
  // Scrapes a vanished family is kept for.
  static constexpr uint64_t kKeepIterations = 10;

  // One metadata line of a scrape. The views must stay valid until Apply().
  struct Update {
    enum class Kind : uint8_t { kType, kHelp, kUnit };
    Kind kind;
    absl::string_view metric;
    absl::string_view text;  // help or unit
    textparse::MetricType type = textparse::MetricType::kUnknown;
  };

  explicit MetadataStore(size_t max_families = kDefaultMaxFamilies);
  MetadataStore(const MetadataStore&) = delete;
  MetadataStore& operator=(const MetadataStore&) = delete;

  // Records one successful scrape's lines and ends the scrape: families
  // not seen for more than kKeepIterations scrapes are removed.
  void Apply(absl::Span<const Update> updates);

  // The family's metadata, or nullopt.
  std::optional<MetricMetadata> Get(absl::string_view metric) const;
  // Every family, sorted by name.
  std::vector<MetricMetadata> List() const;
  size_t size() const;
  // New families not recorded because the store was full.
  uint64_t dropped() const;

 private:
  struct Entry {
    textparse::MetricType type = textparse::MetricType::kUnknown;
    std::string help;
    std::string unit;
    uint64_t last_iter = 0;
  };
  // The previous scrape's lines, for the fast path.
  struct Prev {
    Update::Kind kind;
    textparse::MetricType type;
    std::string metric;
    std::string text;
    Entry* entry;  // null when the store was full
  };

  bool SameAsPrevious(absl::Span<const Update> updates) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Sweep(size_t touched) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t max_families_;
  mutable absl::Mutex mu_;
  // Node map: Prev::entry pointers stay valid across inserts.
  absl::node_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::vector<Prev> prev_ ABSL_GUARDED_BY(mu_);
  size_t prev_touched_ ABSL_GUARDED_BY(mu_) = 0;  // distinct entries in prev_
  bool dropped_in_prev_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t iter_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace vigil::scrape

#endif  // VIGIL_LIBSCRAPE_METADATA_STORE_H_
