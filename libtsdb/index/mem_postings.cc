#include "libtsdb/index/mem_postings.h"

#include <algorithm>

#include "absl/strings/match.h"

namespace vigil::tsdb::index {

void MemPostings::InsertSorted(Postings* p, uint64_t ref) {
  if (p->empty() || p->back() < ref) {
    p->push_back(ref);
    return;
  }
  auto it = std::lower_bound(p->begin(), p->end(), ref);
  if (it != p->end() && *it == ref) return;
  p->insert(it, ref);
}

void MemPostings::Add(uint64_t ref, const model::Labels& labels) {
  absl::MutexLock lock(&mu_);
  for (model::LabelView l : labels) {
    auto nit = m_.find(l.name);
    if (nit == m_.end()) nit = m_.emplace(std::string(l.name), Values()).first;
    auto vit = nit->second.find(l.value);
    if (vit == nit->second.end()) {
      vit = nit->second.emplace(std::string(l.value), Postings()).first;
    }
    InsertSorted(&vit->second, ref);
  }
  InsertSorted(&all_, ref);
}

void MemPostings::Delete(const absl::flat_hash_set<uint64_t>& refs) {
  if (refs.empty()) return;
  auto gone = [&refs](uint64_t r) { return refs.contains(r); };
  absl::MutexLock lock(&mu_);
  for (auto nit = m_.begin(); nit != m_.end();) {
    Values& vals = nit->second;
    for (auto vit = vals.begin(); vit != vals.end();) {
      Postings& p = vit->second;
      p.erase(std::remove_if(p.begin(), p.end(), gone), p.end());
      vit = p.empty() ? vals.erase(vit) : std::next(vit);
    }
    nit = vals.empty() ? m_.erase(nit) : std::next(nit);
  }
  all_.erase(std::remove_if(all_.begin(), all_.end(), gone), all_.end());
}

std::vector<std::string> MemPostings::LabelNames() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<std::string> out;
  out.reserve(m_.size());
  for (const auto& [name, vals] : m_) out.push_back(name);
  return out;
}

std::vector<std::string> MemPostings::LabelValues(
    absl::string_view name) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<std::string> out;
  auto it = m_.find(name);
  if (it == m_.end()) return out;
  out.reserve(it->second.size());
  for (const auto& [v, p] : it->second) out.push_back(v);
  return out;
}

size_t MemPostings::NumValues(absl::string_view name) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = m_.find(name);
  return it == m_.end() ? 0 : it->second.size();
}

void MemPostings::VisitValues(
    absl::string_view name, absl::string_view prefix,
    absl::FunctionRef<void(absl::string_view)> fn) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = m_.find(name);
  if (it == m_.end()) return;
  for (auto vit = it->second.lower_bound(prefix); vit != it->second.end();
       ++vit) {
    if (!absl::StartsWith(vit->first, prefix)) break;
    fn(vit->first);
  }
}

Postings MemPostings::PostingsFor(absl::string_view name,
                                  absl::string_view value) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = m_.find(name);
  if (it == m_.end()) return {};
  auto vit = it->second.find(value);
  if (vit == it->second.end()) return {};
  return vit->second;
}

Postings MemPostings::PostingsForValues(
    absl::string_view name, const std::vector<std::string>& values) const {
  std::vector<Postings> lists;
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = m_.find(name);
    if (it == m_.end()) return {};
    for (const std::string& v : values) {
      auto vit = it->second.find(v);
      if (vit != it->second.end()) lists.push_back(vit->second);
    }
  }
  return Merge(std::move(lists));
}

Postings MemPostings::AllPostings() const {
  absl::ReaderMutexLock lock(&mu_);
  return all_;
}

void MemPostings::ForEach(
    absl::FunctionRef<void(absl::string_view, absl::string_view,
                           const Postings&)>
        fn) const {
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& [name, vals] : m_) {
    for (const auto& [v, p] : vals) fn(name, v, p);
  }
}

}  // namespace vigil::tsdb::index
