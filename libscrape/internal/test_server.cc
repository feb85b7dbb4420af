#include "libscrape/internal/test_server.h"

#include <httplib.h>
#include <zlib.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace vigil::scrape::testing {

std::string Gzip(const std::string& s) {
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
  zs.avail_in = static_cast<uInt>(s.size());
  std::string out;
  char buf[16384];
  int ret;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    ret = deflate(&zs, Z_FINISH);
    out.append(buf, sizeof buf - zs.avail_out);
  } while (ret == Z_OK);
  deflateEnd(&zs);
  return out;
}

std::unique_ptr<TestServer> TestServer::Start(const std::string& cert_file,
                                              const std::string& key_file,
                                              const std::string& client_ca) {
  std::unique_ptr<TestServer> ts(new TestServer());
  if (!cert_file.empty()) {
    ts->server_ = std::make_unique<httplib::SSLServer>(
        cert_file.c_str(), key_file.c_str(),
        client_ca.empty() ? nullptr : client_ca.c_str());
    ts->tls_ = true;
  } else {
    ts->server_ = std::make_unique<httplib::Server>();
  }
  if (!ts->server_->is_valid()) return nullptr;
  // httplib serves one keep-alive connection per pool thread; close after
  // each response so hundreds of scrapers with idle connections do not
  // starve the pool.
  ts->server_->set_keep_alive_max_count(1);
  TestServer* self = ts.get();
  ts->server_->Get(".*", [self](const httplib::Request& req,
                                httplib::Response& res) {
    Reply reply;
    bool found = false;
    {
      absl::MutexLock l(&self->mu_);
      ++self->requests_;
      self->last_headers_.clear();
      for (const auto& [k, v] : req.headers) {
        self->last_headers_[absl::AsciiStrToLower(k)] = v;
      }
      std::string q;
      for (const auto& [k, v] : req.params) {
        absl::StrAppend(&q, q.empty() ? "" : "&", k, "=", v);
      }
      self->last_query_ = q;
      auto it = self->replies_.find(req.path);
      if (it != self->replies_.end()) {
        reply = it->second;
        found = true;
      }
    }
    if (!found) {
      res.status = 404;
      res.set_content("not found", "text/plain");
      return;
    }
    if (reply.delay > absl::ZeroDuration()) absl::SleepFor(reply.delay);
    if (!reply.require_authorization.empty() &&
        req.get_header_value("Authorization") != reply.require_authorization) {
      res.status = 401;
      res.set_content("unauthorized", "text/plain");
      return;
    }
    res.status = reply.status;
    if (reply.gzip) {
      res.set_header("Content-Encoding", "gzip");
      res.set_content(Gzip(reply.body), reply.content_type.c_str());
    } else {
      res.set_content(reply.body, reply.content_type.c_str());
    }
    if (reply.content_type.empty()) res.headers.erase("Content-Type");
  });
  ts->port_ = ts->server_->bind_to_any_port("127.0.0.1");
  if (ts->port_ <= 0) return nullptr;
  ts->thread_ = std::thread([self] { self->server_->listen_after_bind(); });
  for (int i = 0; i < 200 && !ts->server_->is_running(); ++i) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  return ts;
}

TestServer::~TestServer() { Stop(); }

void TestServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

void TestServer::Set(const std::string& path, Reply reply) {
  absl::MutexLock l(&mu_);
  replies_[path] = std::move(reply);
}

std::string TestServer::Url(const std::string& path) const {
  return absl::StrCat(tls_ ? "https" : "http", "://127.0.0.1:", port_, path);
}

std::string TestServer::LastHeader(const std::string& name) const {
  absl::MutexLock l(&mu_);
  auto it = last_headers_.find(absl::AsciiStrToLower(name));
  return it == last_headers_.end() ? "" : it->second;
}

std::string TestServer::LastQuery() const {
  absl::MutexLock l(&mu_);
  return last_query_;
}

int TestServer::Requests() const {
  absl::MutexLock l(&mu_);
  return requests_;
}

}  // namespace vigil::scrape::testing
