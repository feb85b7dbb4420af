// RawConn: a test client that writes exactly the bytes it is given to a
// TCP port on 127.0.0.1 and reads HTTP/1.1 answers back, framed by
// Content-Length; for tests of what goes on the wire (pipelining,
// malformed framing, idle connections) that an HTTP client library would
// not send.
//
// Thread safety: one thread per RawConn.

#ifndef VIGIL_LIBWEB_HTTP_TESTING_RAW_CONN_H_
#define VIGIL_LIBWEB_HTTP_TESTING_RAW_CONN_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace vigil::web::testing {

class RawConn {
 public:
  explicit RawConn(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  }
  ~RawConn() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return ok_; }

  void Send(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }

  struct Reply {
    int status = 0;
    std::string head;
    std::string body;
  };

  // Reads `n` whole responses (Content-Length framed), or fewer when the
  // connection closes or `timeout` passes.
  // With `head_only`, each response is taken without a body (answers to
  // HEAD).
  std::vector<Reply> Read(size_t n, absl::Duration timeout = absl::Seconds(10),
                          bool head_only = false) {
    std::vector<Reply> out;
    absl::Time deadline = absl::Now() + timeout;
    while (out.size() < n) {
      Reply r;
      if (!TakeOne(&r, head_only)) {
        int ms = static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
        if (ms <= 0 || !Fill(ms)) break;
        continue;
      }
      out.push_back(std::move(r));
    }
    return out;
  }

  // True when the server closed the connection within `timeout`.
  bool ClosedWithin(absl::Duration timeout) {
    absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      int ms = static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
      if (::poll(&p, 1, std::max(ms, 1)) <= 0) continue;
      char b[4096];
      ssize_t got = ::recv(fd_, b, sizeof(b), 0);
      if (got <= 0) return true;
    }
    return false;
  }

 private:
  bool Fill(int ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return false;
    char b[65536];
    ssize_t got = ::recv(fd_, b, sizeof(b), 0);
    if (got <= 0) return false;
    buf_.append(b, static_cast<size_t>(got));
    return true;
  }

  bool TakeOne(Reply* r, bool head_only) {
    size_t end = buf_.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    std::string head = buf_.substr(0, end);
    size_t len = 0;
    for (absl::string_view line : absl::StrSplit(head, "\r\n")) {
      if (absl::StartsWithIgnoreCase(line, "content-length:")) {
        if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(15)), &len)) return false;
      }
    }
    if (head_only) len = 0;
    if (buf_.size() < end + 4 + len) return false;
    r->head = head;
    r->body = buf_.substr(end + 4, len);
    buf_.erase(0, end + 4 + len);
    if (!absl::SimpleAtoi(head.substr(9, 3), &r->status)) r->status = -1;
    return true;
  }

  int fd_ = -1;
  bool ok_ = false;
  std::string buf_;
};

}  // namespace vigil::web::testing

#endif  // VIGIL_LIBWEB_HTTP_TESTING_RAW_CONN_H_
