#include "libscrape/metadata_store.h"

#include <algorithm>

namespace vigil::scrape {
namespace {

void AssignIfChanged(absl::string_view text, std::string* out) {
  text = text.substr(0, MetadataStore::kMaxTextBytes);
  if (*out != text) out->assign(text.data(), text.size());
}

}  // namespace

MetadataStore::MetadataStore(size_t max_families)
    : max_families_(max_families) {}

void MetadataStore::Apply(absl::Span<const Update> updates) {
  absl::MutexLock l(&mu_);
  ++iter_;
  for (const Update& u : updates) {
    auto it = entries_.find(u.metric);
    if (it == entries_.end()) {
      if (entries_.size() >= max_families_) {
        ++dropped_;
        continue;
      }
      it = entries_.emplace(std::string(u.metric), Entry{}).first;
    }
    Entry& e = it->second;
    e.last_iter = iter_;
    switch (u.kind) {
      case Update::Kind::kType:
        e.type = u.type;
        break;
      case Update::Kind::kHelp:
        AssignIfChanged(u.text, &e.help);
        break;
      case Update::Kind::kUnit:
        AssignIfChanged(u.text, &e.unit);
        break;
    }
  }
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (iter_ - it->second.last_iter > kKeepIterations) {
      entries_.erase(it++);
    } else {
      ++it;
    }
  }
}

std::optional<MetricMetadata> MetadataStore::Get(
    absl::string_view metric) const {
  absl::MutexLock l(&mu_);
  auto it = entries_.find(metric);
  if (it == entries_.end()) return std::nullopt;
  return MetricMetadata{it->first, it->second.type, it->second.help,
                        it->second.unit};
}

std::vector<MetricMetadata> MetadataStore::List() const {
  std::vector<MetricMetadata> out;
  {
    absl::MutexLock l(&mu_);
    out.reserve(entries_.size());
    for (const auto& [name, e] : entries_) {
      out.push_back({name, e.type, e.help, e.unit});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const MetricMetadata& a, const MetricMetadata& b) {
              return a.metric < b.metric;
            });
  return out;
}

size_t MetadataStore::size() const {
  absl::MutexLock l(&mu_);
  return entries_.size();
}

uint64_t MetadataStore::dropped() const {
  absl::MutexLock l(&mu_);
  return dropped_;
}

}  // namespace vigil::scrape
