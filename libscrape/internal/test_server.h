// TestServer: an HTTP or HTTPS server on 127.0.0.1 (a free port) that
// serves canned replies, for libscrape's tests. It records the headers of
// the latest request.
//
// Thread safety: all methods may be called from any thread.

#ifndef VIGIL_LIBSCRAPE_INTERNAL_TEST_SERVER_H_
#define VIGIL_LIBSCRAPE_INTERNAL_TEST_SERVER_H_

#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace httplib {
class Server;
}

namespace vigil::scrape::testing {

struct Reply {
  int status = 200;
  std::string content_type = "text/plain; version=0.0.4; charset=utf-8";
  std::string body;
  bool gzip = false;  // gzip the body and send Content-Encoding: gzip
  absl::Duration delay;
  // Required "Authorization" header value; 401 when different.
  std::string require_authorization;
};

class TestServer {
 public:
  // Plain HTTP, or HTTPS when cert/key files are given (a client CA file
  // makes it require client certificates). Returns nullptr on failure.
  static std::unique_ptr<TestServer> Start(const std::string& cert_file = "",
                                           const std::string& key_file = "",
                                           const std::string& client_ca = "");
  ~TestServer();

  void Set(const std::string& path, Reply reply);
  int port() const { return port_; }
  std::string Url(const std::string& path) const;
  // Header of the latest request ("" when absent).
  std::string LastHeader(const std::string& name) const;
  std::string LastQuery() const;
  int Requests() const;
  void Stop();

 private:
  TestServer() = default;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  bool tls_ = false;
  mutable absl::Mutex mu_;
  std::map<std::string, Reply> replies_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> last_headers_ ABSL_GUARDED_BY(mu_);
  std::string last_query_ ABSL_GUARDED_BY(mu_);
  int requests_ ABSL_GUARDED_BY(mu_) = 0;
};

// gzip-compresses `s`.
std::string Gzip(const std::string& s);

}  // namespace vigil::scrape::testing

#endif  // VIGIL_LIBSCRAPE_INTERNAL_TEST_SERVER_H_
