// Helpers shared by librules tests: locating ../shared data in runfiles,
// temp dirs, free ports, running a child process. Test-only.

#ifndef VIGIL_LIBRULES_INTERNAL_TEST_UTIL_H_
#define VIGIL_LIBRULES_INTERNAL_TEST_UTIL_H_

#include <string>
#include <vector>

namespace vigil::rules::testing {

// The directory holding the shared folder's `part` ("conformance",
// "seed"), found through VIGIL_SHARED_DIR or the test's runfiles; "" when
// absent.
std::string SharedDir(const std::string& part);

// Files directly in `dir` whose names end with `suffix`, sorted.
std::vector<std::string> ListFiles(const std::string& dir,
                                   const std::string& suffix);

std::string ReadFileOrDie(const std::string& path);

// A fresh directory under TEST_TMPDIR (or /tmp).
std::string MakeTempDir();

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();

// Runs argv, waits (at most timeout_s), returns the exit code; stdout and
// stderr are captured into *output. -1 on spawn failure or timeout.
int RunCommand(const std::vector<std::string>& argv, std::string* output,
               int timeout_s = 60);

bool FileExists(const std::string& path);

// Starts argv in the background with stdout/stderr to `log_path`; returns
// the child's pid or -1.
int Spawn(const std::vector<std::string>& argv, const std::string& log_path);
// SIGTERM, then SIGKILL after `grace_ms`; reaps the child.
void KillAndWait(int pid, int grace_ms = 3000);

}  // namespace vigil::rules::testing

#endif  // VIGIL_LIBRULES_INTERNAL_TEST_UTIL_H_
