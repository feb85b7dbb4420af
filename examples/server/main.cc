// The example Vigil server: parses Prometheus's flags, loads the
// configuration and serves the HTTP endpoints. It composes Vigil's
// libraries; all monitoring logic lives in them.

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "examples/server/flags.h"
#include "httplib.h"
#include "yaml-cpp/yaml.h"

namespace {

httplib::Server* g_server = nullptr;

void HandleSignal(int) {
  if (g_server != nullptr) g_server->stop();
}

// Checks that the configuration file exists and is YAML; the full
// section-by-section validation belongs to the libraries.
bool LoadConfig(const std::string& path) {
  try {
    YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    std::fprintf(stderr, "error loading config from \"%s\": cannot open file\n",
                 path.c_str());
    return false;
  } catch (const YAML::Exception& e) {
    std::fprintf(stderr,
                 "error loading config from \"%s\": line %d, column %d: %s\n",
                 path.c_str(), e.mark.line + 1, e.mark.column + 1,
                 e.msg.c_str());
    return false;
  }
  return true;
}

bool SplitHostPort(const std::string& addr, std::string* host, int* port) {
  size_t colon = addr.rfind(':');
  if (colon == std::string::npos) return false;
  *host = addr.substr(0, colon);
  if (host->empty()) *host = "0.0.0.0";
  if (host->size() > 2 && host->front() == '[') {
    *host = host->substr(1, host->size() - 2);
  }
  return absl::SimpleAtoi(addr.substr(colon + 1), port) && *port >= 0 &&
         *port <= 65535;
}

}  // namespace

int main(int argc, char** argv) {
  absl::StatusOr<vigil::server::Flags> flags =
      vigil::server::ParseFlags(argc, argv);
  if (!flags.ok()) {
    bool info = flags.status().code() == absl::StatusCode::kCancelled;
    std::fprintf(info ? stdout : stderr, "%s\n",
                 std::string(flags.status().message()).c_str());
    return info ? 0 : 2;
  }
  if (!LoadConfig(flags->config_file)) return 1;

  std::string host;
  int port = 0;
  if (!SplitHostPort(flags->listen_address, &host, &port)) {
    std::fprintf(stderr, "invalid --web.listen-address \"%s\"\n",
                 flags->listen_address.c_str());
    return 2;
  }

  httplib::Server server;
  g_server = &server;
  server.Get("/-/healthy", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("Vigil Server is Healthy.\n", "text/plain; charset=utf-8");
  });
  server.Get("/-/ready", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("Vigil Server is Ready.\n", "text/plain; charset=utf-8");
  });
  std::signal(SIGTERM, HandleSignal);
  std::signal(SIGINT, HandleSignal);

  int bound = port;
  if (port == 0) {
    bound = server.bind_to_any_port(host);
  } else if (!server.bind_to_port(host, port)) {
    bound = -1;
  }
  if (bound < 0) {
    std::fprintf(stderr, "cannot listen on %s\n", flags->listen_address.c_str());
    return 1;
  }
  std::fprintf(stderr, "msg=\"Server is ready to receive web requests.\" address=%s:%d\n",
               host.c_str(), bound);
  server.listen_after_bind();
  std::fprintf(stderr, "msg=\"See you next time!\"\n");
  return 0;
}
