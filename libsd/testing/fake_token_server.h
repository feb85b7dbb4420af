// FakeTokenServer: an OAuth2 token endpoint for tests, on 127.0.0.1 (plain
// HTTP). POST /token answers the configured access token as JSON, counts
// requests and records the form body and Authorization header of the
// latest one; switches make it fail or refuse credentials sent as HTTP
// basic auth.
//
// Thread safety: all methods may be called while the server runs.

#ifndef VIGIL_LIBSD_TESTING_FAKE_TOKEN_SERVER_H_
#define VIGIL_LIBSD_TESTING_FAKE_TOKEN_SERVER_H_

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "httplib.h"

namespace vigil::sd::testing {

class FakeTokenServer {
 public:
  FakeTokenServer() : server_(std::make_unique<httplib::Server>()) {
    server_->Post("/token", [this](const httplib::Request& req, httplib::Response& res) {
      absl::MutexLock l(&mu_);
      ++requests_;
      last_body_ = req.body;
      last_authorization_ = req.get_header_value("Authorization");
      last_content_type_ = req.get_header_value("Content-Type");
      bool basic = absl::StartsWith(last_authorization_, "Basic ");
      if (status_ != 200 || (params_only_ && basic)) {
        res.status = status_ != 200 ? status_ : 401;
        res.set_content(R"({"error":"invalid_client"})", "application/json");
        return;
      }
      std::string body = absl::StrCat(R"({"access_token":")", token_,
                                      R"(","token_type":")", token_type_, R"(")");
      if (expires_in_ > 0) absl::StrAppend(&body, R"(,"expires_in":)", expires_in_);
      body += "}";
      res.set_content(body, "application/json");
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    for (int i = 0; i < 2000 && !server_->is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ~FakeTokenServer() {
    server_->stop();
    if (thread_.joinable()) thread_.join();
  }

  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_, "/token"); }

  // The next answers: this token, type and lifetime (0: no expires_in).
  void SetToken(const std::string& token, int expires_in = 3600,
                const std::string& type = "bearer") {
    absl::MutexLock l(&mu_);
    token_ = token;
    expires_in_ = expires_in;
    token_type_ = type;
  }
  // Answer every request with this status (200: normal answers).
  void SetStatus(int status) {
    absl::MutexLock l(&mu_);
    status_ = status;
  }
  // Refuse (401) requests carrying the client credentials as basic auth.
  void SetParamsOnly(bool on) {
    absl::MutexLock l(&mu_);
    params_only_ = on;
  }

  int requests() const {
    absl::MutexLock l(&mu_);
    return requests_;
  }
  std::string last_body() const {
    absl::MutexLock l(&mu_);
    return last_body_;
  }
  std::string last_authorization() const {
    absl::MutexLock l(&mu_);
    return last_authorization_;
  }
  std::string last_content_type() const {
    absl::MutexLock l(&mu_);
    return last_content_type_;
  }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable absl::Mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_) = "token-1";
  std::string token_type_ ABSL_GUARDED_BY(mu_) = "bearer";
  int expires_in_ ABSL_GUARDED_BY(mu_) = 3600;
  int status_ ABSL_GUARDED_BY(mu_) = 200;
  bool params_only_ ABSL_GUARDED_BY(mu_) = false;
  int requests_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_body_ ABSL_GUARDED_BY(mu_);
  std::string last_authorization_ ABSL_GUARDED_BY(mu_);
  std::string last_content_type_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vigil::sd::testing

#endif  // VIGIL_LIBSD_TESTING_FAKE_TOKEN_SERVER_H_
