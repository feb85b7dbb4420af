// A cpp-httplib server on 127.0.0.1 with a kernel-chosen port, listening on
// a background thread for the life of the object; for in-process HTTP
// tests. Register handlers on server() before Start().
//
// Thread safety: Start() and the destructor from the owning thread only.

#ifndef VIGIL_EXAMPLES_SERVER_TESTING_HTTP_TEST_SERVER_H_
#define VIGIL_EXAMPLES_SERVER_TESTING_HTTP_TEST_SERVER_H_

#include <memory>
#include <thread>

#include "httplib.h"

namespace vigil::server::testing {

class HttpTestServer {
 public:
  HttpTestServer() = default;
  ~HttpTestServer() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  httplib::Server* server() { return &server_; }

  // Binds and starts listening; returns the port, or -1 when binding fails.
  int Start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ < 0) return -1;
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // Wait (bounded) until the accept loop runs.
    for (int i = 0; i < 200 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return port_;
  }

  int port() const { return port_; }

  // A client for this server with short timeouts.
  std::unique_ptr<httplib::Client> NewClient() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
    c->set_connection_timeout(5, 0);
    c->set_read_timeout(10, 0);
    // Send paths as written (already encoded), as browsers and Grafana do.
    c->set_url_encode(false);
    return c;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
};

}  // namespace vigil::server::testing

#endif  // VIGIL_EXAMPLES_SERVER_TESTING_HTTP_TEST_SERVER_H_
