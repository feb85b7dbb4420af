// The Vigil server: a drop-in for `prometheus` built from Vigil's
// libraries. Parses Prometheus's flags and runs an App (app.h); SIGHUP
// reloads the configuration, SIGTERM/SIGINT shut down gracefully.

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <string>
#include <thread>

#include "examples/server/app.h"
#include "examples/server/flags.h"

int main(int argc, char** argv) {
  absl::StatusOr<vigil::server::Flags> flags =
      vigil::server::ParseFlags(argc, argv);
  if (!flags.ok()) {
    bool info = flags.status().code() == absl::StatusCode::kCancelled;
    std::fprintf(info ? stdout : stderr, "%s\n",
                 std::string(flags.status().message()).c_str());
    return info ? 0 : 2;
  }
  // One line for every flag Vigil takes but does not act on.
  std::string unused = vigil::server::FlagsWithoutEffectWarning(*flags);
  if (!unused.empty()) {
    std::fprintf(stderr, "level=warn msg=\"%s\"\n", unused.c_str());
  }

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
    std::fprintf(stderr, "level=error msg=\"Error loading config\" err=\"%s\"\n",
                 std::string(app.status().message()).c_str());
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
    std::fprintf(stderr, "level=error msg=\"Startup failed\" err=\"%s\"\n",
                 std::string(st.message()).c_str());
    a->RequestQuit();
  }
  a->Wait();
  // Wake the signal thread if the quit came from /-/quit.
  pthread_kill(signals.native_handle(), SIGTERM);
  signals.join();
  app->reset();
  return st.ok() ? 0 : 1;
}
