// The Vigil server: a drop-in for `prometheus` built from Vigil's
// libraries. Parses Prometheus's flags and runs an App (app.h); SIGHUP
// reloads the configuration, SIGTERM/SIGINT shut down gracefully.

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"

#include "examples/server/app.h"
#include "examples/server/flags.h"
#include "examples/server/log.h"

int main(int argc, char** argv) {
  absl::StatusOr<vigil::server::Flags> flags =
      vigil::server::ParseFlags(argc, argv);
  if (!flags.ok()) {
    bool info = flags.status().code() == absl::StatusCode::kCancelled;
    std::fprintf(info ? stdout : stderr, "%s\n",
                 std::string(flags.status().message()).c_str());
    return info ? 0 : 2;
  }
  absl::Status log_options = vigil::server::SetLogOptions(flags->log_level, flags->log_format);
  if (!log_options.ok()) {
    std::fprintf(stderr, "%s\n", std::string(log_options.message()).c_str());
    return 2;
  }
  // One line for every flag Vigil takes but does not act on.
  std::string unused = vigil::server::FlagsWithoutEffectWarning(*flags);
  if (!unused.empty()) vigil::server::Log("warn", unused);

  // Signals are taken by one thread with sigwait; block them everywhere
  // before any other thread starts.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  absl::StatusOr<std::unique_ptr<vigil::server::App>> app =
      vigil::server::App::Create(*flags);
  if (!app.ok()) {
    vigil::server::Log("error", absl::StrCat("Error loading config err=", app.status().message()));
    return 1;
  }
  vigil::server::App* a = app->get();
  std::thread signals([a, set] {
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (sig == SIGHUP) {
        a->Reload().IgnoreError();  // logged by Reload
        continue;
      }
      a->RequestQuit();
      return;
    }
  });
  absl::Status st = a->Start();
  if (!st.ok()) {
    vigil::server::Log("error", absl::StrCat("Startup failed err=", st.message()));
    a->RequestQuit();
  }
  a->Wait();
  // Wake the signal thread if the quit came from /-/quit.
  pthread_kill(signals.native_handle(), SIGTERM);
  signals.join();
  app->reset();
  return st.ok() ? 0 : 1;
}
