#include "examples/ui/assets.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/ascii.h"

namespace vigil::ui {
namespace {

constexpr const char* kPageRoutes[] = {
    "/query", "/graph", "/alerts", "/rules", "/targets", "/service-discovery",
    "/config", "/flags", "/tsdb-status", "/status",
};

}  // namespace

absl::Span<const Asset> AllAssets() {
  return absl::Span<const Asset>(internal::kAssets, internal::kNumAssets);
}

const Asset* FindAsset(absl::string_view path) {
  absl::Span<const Asset> all = AllAssets();
  auto it = std::lower_bound(all.begin(), all.end(), path,
                             [](const Asset& a, absl::string_view p) {
                               return absl::string_view(a.path) < p;
                             });
  if (it == all.end() || absl::string_view(it->path) != path) return nullptr;
  return &*it;
}

const Asset& IndexHtml() {
  const Asset* a = FindAsset("/index.html");
  if (a == nullptr) std::abort();  // embed_assets.py refuses to build without it
  return *a;
}

absl::Span<const char* const> PageRoutes() { return kPageRoutes; }

bool ChartLibraryEmbedded() { return internal::kChartLibraryEmbedded; }

bool EtagMatches(absl::string_view if_none_match, absl::string_view etag) {
  absl::string_view want = absl::StripPrefix(etag, "W/");
  for (absl::string_view tag : absl::StrSplit(if_none_match, ',')) {
    tag = absl::StripAsciiWhitespace(tag);
    if (tag == "*") return true;
    tag = absl::StripPrefix(tag, "W/");
    if (!tag.empty() && tag == want) return true;
  }
  return false;
}

}  // namespace vigil::ui
