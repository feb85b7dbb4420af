#include "examples/server/log.h"

#include <atomic>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "examples/server/json_writer.h"

namespace vigil::server {
namespace {

std::atomic<int> min_level{1};
std::atomic<bool> json_format{false};

int LevelRank(absl::string_view level) {
  if (level == "debug") return 0;
  if (level == "info") return 1;
  if (level == "warn") return 2;
  if (level == "error") return 3;
  return -1;
}

// A logfmt value: quoted, with '"', '\' and line breaks escaped.
void AppendLogfmtQuoted(absl::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      default: out->push_back(c);
    }
  }
  out->push_back('"');
}

}  // namespace

absl::Status SetLogOptions(absl::string_view level, absl::string_view format) {
  int rank = LevelRank(level);
  if (rank < 0) {
    return absl::InvalidArgumentError(absl::StrCat("unrecognized log level ", level));
  }
  if (format != "logfmt" && format != "json") {
    return absl::InvalidArgumentError(absl::StrCat("unrecognized log format ", format));
  }
  min_level.store(rank);
  json_format.store(format == "json");
  return absl::OkStatus();
}

void Log(absl::string_view level, absl::string_view msg) {
  if (LevelRank(level) < min_level.load(std::memory_order_relaxed)) return;
  std::string ts =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  std::string line;
  if (json_format.load(std::memory_order_relaxed)) {
    line = "{\"ts\":";
    AppendJsonString(ts, &line);
    line += ",\"level\":";
    AppendJsonString(level, &line);
    line += ",\"msg\":";
    AppendJsonString(msg, &line);
    line += "}\n";
  } else {
    line = absl::StrCat("ts=", ts, " level=", level, " msg=");
    AppendLogfmtQuoted(msg, &line);
    line.push_back('\n');
  }
  std::fputs(line.c_str(), stderr);
}

}  // namespace vigil::server
