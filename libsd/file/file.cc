#include "libsd/file/file.h"

#include <glob.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "libsd/internal/yaml_util.h"
#include "libsd/target_group.h"
#include "model/status_macros.h"
#include "re2/re2.h"
#include "yaml-cpp/yaml.h"

namespace vigil::sd {
namespace {

constexpr size_t kMaxFileBytes = 64 << 20;  // 64 MiB per SD file

struct FileStamp {
  int64_t mtime_ns = 0;
  int64_t size = -1;
  uint64_t inode = 0;
  bool operator==(const FileStamp& o) const {
    return mtime_ns == o.mtime_ns && size == o.size && inode == o.inode;
  }
};

bool Stat(const std::string& path, FileStamp* out) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return false;
  out->mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 +
                  st.st_mtim.tv_nsec;
  out->size = st.st_size;
  out->inode = st.st_ino;
  return true;
}

std::vector<std::string> Glob(const std::vector<std::string>& patterns) {
  std::set<std::string> out;
  for (const std::string& p : patterns) {
    glob_t g;
    if (::glob(p.c_str(), 0, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) out.insert(g.gl_pathv[i]);
    }
    ::globfree(&g);
  }
  return {out.begin(), out.end()};
}

class FileDiscoverer : public Discoverer {
 public:
  explicit FileDiscoverer(FileSDConfig cfg) : cfg_(std::move(cfg)) {}

  void Run(const absl::Notification& stop, const SendFn& send) override {
    absl::Time last_full = absl::Now();
    Refresh(/*force=*/true, /*first=*/true, send);
    while (!stop.WaitForNotificationWithTimeout(cfg_.watch_interval)) {
      bool force = absl::Now() - last_full >= cfg_.refresh_interval;
      if (force) last_full = absl::Now();
      Refresh(force, /*first=*/false, send);
    }
  }

  const RefreshMetrics* metrics() const override { return &metrics_; }

 private:
  struct FileState {
    FileStamp stamp;
    size_t groups = 0;
  };

  void Refresh(bool force, bool first, const SendFn& send) {
    ++metrics_.refreshes;
    std::vector<TargetGroup> updates;
    std::vector<std::string> paths = Glob(cfg_.files);
    std::set<std::string> seen(paths.begin(), paths.end());
    for (const std::string& path : paths) {
      FileStamp stamp;
      if (!Stat(path, &stamp)) continue;  // raced with a delete
      auto it = state_.find(path);
      if (!force && it != state_.end() && it->second.stamp == stamp) continue;
      auto groups = ReadTargetGroupFile(path);
      if (!groups.ok()) {
        ++metrics_.failures;
        LogDiscoveryError("file", absl::StrCat("Error reading file \"", path,
                                               "\": ", groups.status().message()));
        // Keep the last good groups; retry when the file changes again.
        if (it != state_.end()) it->second.stamp = stamp;
        else state_[path] = FileState{stamp, 0};
        continue;
      }
      size_t before = it == state_.end() ? 0 : it->second.groups;
      size_t n = groups->size();
      for (TargetGroup& g : *groups) updates.push_back(std::move(g));
      for (size_t i = n; i < before; ++i) {
        TargetGroup gone;
        gone.source = absl::StrCat(path, ":", i);
        updates.push_back(std::move(gone));
      }
      state_[path] = FileState{stamp, n};
    }
    for (auto it = state_.begin(); it != state_.end();) {
      if (seen.count(it->first)) {
        ++it;
        continue;
      }
      for (size_t i = 0; i < it->second.groups; ++i) {
        TargetGroup gone;
        gone.source = absl::StrCat(it->first, ":", i);
        updates.push_back(std::move(gone));
      }
      it = state_.erase(it);
    }
    if (first || !updates.empty()) send(std::move(updates));
  }

  const FileSDConfig cfg_;
  std::map<std::string, FileState> state_;
  RefreshMetrics metrics_;
};

}  // namespace

std::string FileSDConfig::Fingerprint() const {
  return absl::StrCat(absl::StrJoin(files, "\x1f"), "|",
                      absl::FormatDuration(refresh_interval), "|",
                      absl::FormatDuration(watch_interval));
}

absl::StatusOr<std::unique_ptr<Discoverer>> FileSDConfig::NewDiscoverer()
    const {
  return std::unique_ptr<Discoverer>(new FileDiscoverer(*this));
}

absl::StatusOr<std::vector<TargetGroup>> ReadTargetGroupFile(
    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("open ", path, ": cannot open"));
  }
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, in.gcount());
    if (text.size() > kMaxFileBytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat(path, ": larger than ", kMaxFileBytes, " bytes"));
    }
  }
  std::vector<TargetGroup> groups;
  std::string lower = absl::AsciiStrToLower(path);
  if (absl::EndsWith(lower, ".json")) {
    VIGIL_ASSIGN_OR_RETURN(groups, ParseTargetGroupsJson(text, path));
  } else {
    VIGIL_ASSIGN_OR_RETURN(YAML::Node doc, internal::LoadYaml(text, path));
    VIGIL_ASSIGN_OR_RETURN(groups, ParseTargetGroups(doc, path));
  }
  for (size_t i = 0; i < groups.size(); ++i) {
    groups[i].source = absl::StrCat(path, ":", i);
    model::LabelsBuilder b(groups[i].labels);
    b.Set(kFilepathLabel, path);
    groups[i].labels = b.Build();
  }
  return groups;
}

absl::StatusOr<std::shared_ptr<FileSDConfig>> ParseFileSDConfig(
    const YAML::Node& node, absl::string_view source,
    absl::string_view base_dir) {
  static const RE2* const kName =
      new RE2(R"(^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$)");
  try {
    VIGIL_RETURN_IF_ERROR(internal::CheckMap(
        node, {"files", "refresh_interval"}, "file.SDConfig", source));
    auto cfg = std::make_shared<FileSDConfig>();
    VIGIL_ASSIGN_OR_RETURN(
        std::vector<std::string> files,
        internal::ReadStringList(internal::Field(node, "files"), source));
    if (files.empty()) {
      return internal::YamlError(
          node, source,
          "file service discovery config must contain at least one path name");
    }
    for (const std::string& f : files) {
      if (!RE2::FullMatch(f, *kName)) {
        return internal::YamlError(
            internal::Field(node, "files"), source,
            absl::StrCat("path name ", model::QuoteString(f),
                         " is not valid for file discovery"));
      }
      if (!base_dir.empty() && !absl::StartsWith(f, "/")) {
        cfg->files.push_back(absl::StrCat(base_dir, "/", f));
      } else {
        cfg->files.push_back(f);
      }
    }
    YAML::Node ri = internal::Field(node, "refresh_interval");
    if (ri.IsDefined() && !ri.IsNull()) {
      VIGIL_ASSIGN_OR_RETURN(cfg->refresh_interval,
                             internal::ReadDuration(ri, source));
      if (cfg->refresh_interval <= absl::ZeroDuration()) {
        return internal::YamlError(ri, source,
                                   "refresh_interval must be positive");
      }
    }
    return cfg;
  } catch (const YAML::Exception& e) {
    return internal::FromYamlException(e, source);
  }
}

}  // namespace vigil::sd
