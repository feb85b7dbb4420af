// The server's log lines on stderr, filtered by --log.level and shaped by
// --log.format, one line per call:
//
//   logfmt: ts=2026-12-07T01:02:03.456Z level=info msg="Server is ready"
//   json:   {"ts":"2026-12-07T01:02:03.456Z","level":"info","msg":"Server is ready"}
//
// Levels are debug < info < warn < error; a line below the configured
// level is dropped. Until SetLogOptions is called: info, logfmt.
//
// Thread safety: Log may be called from any thread; SetLogOptions once at
// start, before other threads log.

#ifndef VIGIL_EXAMPLES_SERVER_LOG_H_
#define VIGIL_EXAMPLES_SERVER_LOG_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace vigil::server {

// InvalidArgument for a level other than debug|info|warn|error or a format
// other than logfmt|json.
absl::Status SetLogOptions(absl::string_view level, absl::string_view format);

// `level` is one of debug, info, warn, error.
void Log(absl::string_view level, absl::string_view msg);

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_LOG_H_
