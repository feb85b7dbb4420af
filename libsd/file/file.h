// file_sd_configs: targets from JSON or YAML files matched by globs, each
// file a list of {targets, labels} groups with sources "<path>:<index>"
// and the label __meta_filepath = <path>.
//
// Files are re-read when their modification time, size or inode changes
// (checked every `watch_interval`, our stand-in for Prometheus's inotify
// watch) and all of them every `refresh_interval` (default 5m). A file that
// fails to read or parse is logged and counted, and its last good groups
// are kept; a file that disappears sends empty groups for its sources.
//
// Thread safety: FileSDConfig is immutable once parsed; its discoverer
// follows the Discoverer contract.

#ifndef VIGIL_LIBSD_FILE_FILE_H_
#define VIGIL_LIBSD_FILE_FILE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libsd/discoverer.h"

namespace YAML {
class Node;
}

namespace vigil::sd {

inline constexpr absl::string_view kFilepathLabel = "__meta_filepath";

class FileSDConfig : public DiscovererConfig {
 public:
  // Patterns; relative ones already joined with the config's directory.
  std::vector<std::string> files;
  absl::Duration refresh_interval = absl::Minutes(5);
  absl::Duration watch_interval = absl::Seconds(5);

  std::string Name() const override { return "file"; }
  std::string Fingerprint() const override;
  absl::StatusOr<std::unique_ptr<Discoverer>> NewDiscoverer() const override;
};

// Parses one file_sd_configs entry. Relative paths are taken relative to
// `base_dir` (the directory of the config file) when it is non-empty.
// InvalidArgument "<source>:<line>:<col>: ..." with Prometheus's words:
// "file service discovery config must contain at least one path name",
// "path name \"x\" is not valid for file discovery" (a name must end in
// .json, .yml or .yaml and may hold '*' only in its last element).
absl::StatusOr<std::shared_ptr<FileSDConfig>> ParseFileSDConfig(
    const YAML::Node& node, absl::string_view source = "",
    absl::string_view base_dir = "");

// Reads one file's groups (by extension: .json is JSON, else YAML), with
// sources and __meta_filepath set. Exposed for tests and tools.
absl::StatusOr<std::vector<TargetGroup>> ReadTargetGroupFile(
    const std::string& path);

}  // namespace vigil::sd

#endif  // VIGIL_LIBSD_FILE_FILE_H_
