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

bool MetadataStore::SameAsPrevious(absl::Span<const Update> updates) const {
  // A full store retries new families on the slow path.
  if (updates.size() != prev_.size() || dropped_in_prev_) return false;
  for (size_t i = 0; i < updates.size(); ++i) {
    const Update& u = updates[i];
    const Prev& p = prev_[i];
    if (u.kind != p.kind || u.type != p.type || u.metric != p.metric ||
        u.text != p.text) {
      return false;
    }
  }
  return true;
}

void MetadataStore::Sweep(size_t touched) {
  // Nothing can be old when every entry was touched by this scrape.
  if (touched >= entries_.size()) return;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (iter_ - it->second.last_iter > kKeepIterations) {
      entries_.erase(it++);
    } else {
      ++it;
    }
  }
}

void MetadataStore::Apply(absl::Span<const Update> updates) {
  absl::MutexLock l(&mu_);
  ++iter_;
  if (SameAsPrevious(updates)) {
    for (const Prev& p : prev_) {
      if (p.entry != nullptr) p.entry->last_iter = iter_;
    }
    Sweep(prev_touched_);
    return;
  }
  std::vector<Prev> prev;
  prev.reserve(updates.size());
  size_t touched = 0;
  for (const Update& u : updates) {
    Entry* e = nullptr;
    auto it = entries_.find(u.metric);
    if (it == entries_.end()) {
      if (entries_.size() >= max_families_) {
        ++dropped_;
      } else {
        e = &entries_.emplace(std::string(u.metric), Entry{}).first->second;
      }
    } else {
      e = &it->second;
    }
    prev.push_back({u.kind, u.type, std::string(u.metric),
                    std::string(u.text), e});
    if (e == nullptr) continue;
    if (e->last_iter != iter_) ++touched;
    e->last_iter = iter_;
    switch (u.kind) {
      case Update::Kind::kType:
        e->type = u.type;
        break;
      case Update::Kind::kHelp:
        AssignIfChanged(u.text, &e->help);
        break;
      case Update::Kind::kUnit:
        AssignIfChanged(u.text, &e->unit);
        break;
    }
  }
  // Sweep only erases entries this scrape did not touch, so prev's
  // pointers stay valid.
  Sweep(touched);
  prev_ = std::move(prev);
  prev_touched_ = touched;
  dropped_in_prev_ = false;
  for (const Prev& p : prev_) dropped_in_prev_ |= p.entry == nullptr;
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
