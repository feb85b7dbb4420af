// App composes Vigil's libraries into the Prometheus-compatible server:
// libtsdb's DB at --storage.tsdb.path, the PromQL engine, libsd discovery
// feeding libscrape's scrape manager, librules' rule manager with the
// notifier, and the HTTP endpoints (API v1, remote write/read, federation,
// /metrics, lifecycle). main.cc only parses flags and runs an App; tests
// run one in-process.
//
//   absl::StatusOr<std::unique_ptr<App>> app = App::Create(flags);
//   VIGIL_RETURN_IF_ERROR((*app)->Start());   // listen, replay WAL, ready
//   (*app)->Wait();                           // until quit
//
// Lifecycle: /-/healthy answers as soon as the server listens; /-/ready
// and every other endpoint answer 503 until the WAL is replayed. Reload()
// (SIGHUP, POST /-/reload with --web.enable-lifecycle) loads the config
// file again; a bad file is rejected with its error and the running
// config stays. Shutdown stops scraping and rules, drains the notifier and
// closes the DB (WAL synced).
//
// Thread safety: Reload() and RequestQuit() may be called from any thread
// (a signal-handling thread, HTTP handlers); Start/Wait from the owner.

#ifndef VIGIL_EXAMPLES_SERVER_APP_H_
#define VIGIL_EXAMPLES_SERVER_APP_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "examples/server/config.h"
#include "examples/server/flags.h"
#include "libweb/http/server.h"

namespace vigil::server {

class App {
 public:
  // Parses the configuration and checks the flags; nothing is opened or
  // bound yet. InvalidArgument / NotFound for a bad flag or config file.
  static absl::StatusOr<std::unique_ptr<App>> Create(const Flags& flags);
  ~App();

  // Binds --web.listen-address, opens the DB (replaying the WAL), starts
  // discovery, scraping, rules and the notifier, then reports ready.
  absl::Status Start();

  // The bound TCP port (useful with port 0). -1 before Start().
  int port() const { return port_; }
  // The ports of the second and later --web.listen-address, in order.
  const std::vector<int>& extra_ports() const { return extra_ports_; }
  // The gRPC port when --grpc.listen-address is set, else -1.
  int grpc_port() const { return grpc_port_; }

  // Blocks until RequestQuit(), then shuts everything down.
  void Wait();
  void RequestQuit();

  // Loads the config file again and applies it. On error the running
  // configuration stays and the error is returned.
  absl::Status Reload();

  // The configuration currently applied.
  std::shared_ptr<const Config> config() const;

  struct Impl;

 private:
  App(Flags flags, std::shared_ptr<const Config> config);
  absl::Status Apply(const Config& config);
  void Shutdown();
  // What identifies the config file's and its rule files' contents now.
  std::string ConfigChecksum() const;
  void AutoReloadLoop(absl::Duration interval);
  // The HTTP server's limits, error answers and request metrics.
  web::ServerOptions HttpServerOptions();
  // Every HTTP request: web config (auth, headers), the readiness gate,
  // CORS on the API, then the routes.
  void ServeHttp(const web::Request& req, web::Response* res);
  // Prometheus's CORS headers for a request with an Origin.
  void SetCorsHeaders(const web::Request& req, web::Response* res) const;

  const Flags flags_;
  std::unique_ptr<Impl> impl_;
  int port_ = -1;
  std::vector<int> extra_ports_;
  int grpc_port_ = -1;

  mutable absl::Mutex mu_;
  std::shared_ptr<const Config> config_ ABSL_GUARDED_BY(mu_);
  bool quit_ ABSL_GUARDED_BY(mu_) = false;
  // --config.auto-reload: polls ConfigChecksum() until quit or shutdown.
  std::thread auto_reload_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  absl::Mutex reload_mu_;  // serialises Reload()
  bool last_reload_ok_ ABSL_GUARDED_BY(mu_) = true;
  absl::Time last_reload_time_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_APP_H_
