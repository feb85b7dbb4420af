// A libweb server on 127.0.0.1 with a kernel-chosen port, serving a router
// for the life of the object; for in-process HTTP tests. Add routes to
// router() before Start(); NewClient() gives a cpp-httplib client for it.
//
// Thread safety: Start() and the destructor from the owning thread only.

#ifndef VIGIL_EXAMPLES_SERVER_TESTING_HTTP_TEST_SERVER_H_
#define VIGIL_EXAMPLES_SERVER_TESTING_HTTP_TEST_SERVER_H_

#include <memory>
#include <utility>

#include "httplib.h"
#include "libweb/http/router.h"
#include "libweb/http/server.h"

namespace vigil::server::testing {

class HttpTestServer {
 public:
  explicit HttpTestServer(web::ServerOptions options = web::ServerOptions())
      : server_(std::move(options), [this](const web::Request& req, web::Response* res) {
          router_.Dispatch(req, res);
        }) {}
  ~HttpTestServer() { server_.Stop(); }

  web::Router* router() { return &router_; }

  // Binds and starts serving; returns the port, or -1 when binding fails.
  int Start() {
    absl::StatusOr<int> port = server_.Listen("127.0.0.1", 0);
    if (!port.ok()) return -1;
    port_ = *port;
    server_.Start();
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
  web::Router router_;
  web::Server server_;
  int port_ = -1;
};

}  // namespace vigil::server::testing

#endif  // VIGIL_EXAMPLES_SERVER_TESTING_HTTP_TEST_SERVER_H_
