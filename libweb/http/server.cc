#include "libweb/http/server.h"

#include <openssl/ssl.h>
#include <zlib.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "libweb/http/internal/beast_request.h"

namespace vigil::web {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// Bodies smaller than this are sent as they are.
constexpr size_t kMinGzipBytes = 1024;
// Time given to a TLS handshake and to a closing connection's drain.
constexpr auto kHandshakeTimeout = std::chrono::seconds(30);
constexpr auto kDrainTimeout = std::chrono::seconds(2);
constexpr size_t kMaxDrainBytes = size_t{1} << 20;

std::chrono::nanoseconds ToChrono(absl::Duration d) {
  return std::chrono::nanoseconds(absl::ToInt64Nanoseconds(d));
}

// True when an Accept-Encoding value lists gzip without q=0.
bool AcceptsGzip(absl::string_view accept_encoding) {
  for (absl::string_view item : absl::StrSplit(accept_encoding, ',')) {
    std::vector<absl::string_view> parts = absl::StrSplit(item, ';');
    if (!absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(parts[0]), "gzip")) continue;
    for (size_t i = 1; i < parts.size(); ++i) {
      absl::string_view p = absl::StripAsciiWhitespace(parts[i]);
      if (p == "q=0" || p == "q=0.0" || p == "q=0.00" || p == "q=0.000") return false;
    }
    return true;
  }
  return false;
}

// Gzips `in` (fastest level: responses are compressed on the request path).
bool GzipCompress(absl::string_view in, std::string* out) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return false;
  }
  out->resize(deflateBound(&zs, in.size()));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out->data());
  zs.avail_out = static_cast<uInt>(out->size());
  int rc = deflate(&zs, Z_FINISH);
  out->resize(zs.total_out);
  deflateEnd(&zs);
  return rc == Z_STREAM_END;
}

std::string HttpDate() {
  return absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", absl::Now(), absl::UTCTimeZone());
}

}  // namespace

// A connection, as the server's bookkeeping sees it.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Closes the connection from any thread.
  virtual void Close() = 0;
  // A reference that keeps the session alive, or null when it is already
  // being destroyed. Taken under Server::Impl::mu, dropped outside it: the
  // last reference runs the destructor, which takes mu.
  virtual std::shared_ptr<SessionBase> Ref() = 0;
  // Waiting for the first byte of its next request, since idle_since_ns.
  std::atomic<bool> idle{false};
  std::atomic<int64_t> idle_since_ns{0};
};

class Server::Impl {
 public:
  Impl(ServerOptions o, Handler h) : opts(std::move(o)), handler(std::move(h)) {}
  ~Impl() { Stop(); }

  absl::StatusOr<int> Listen(absl::string_view host, int port);
  void Start();
  void Stop();

  void Register(SessionBase* s) {
    absl::MutexLock l(&mu);
    sessions.insert(s);
  }
  void Unregister(SessionBase* s);
  // Runs the handler for `req` and returns its answer, compressed when the
  // client accepts gzip. Runs on a handler thread.
  std::shared_ptr<Response> Handle(Request* req);
  // The answer to a request the server refuses itself.
  Response ErrorResponse(int status, absl::string_view message, absl::string_view target) const;

  const ServerOptions opts;
  const Handler handler;

  mutable absl::Mutex mu;
  std::set<SessionBase*> sessions ABSL_GUARDED_BY(mu);
  bool accept_paused ABSL_GUARDED_BY(mu) = false;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  // Requests handed to a handler and not yet answered; Stop waits for them.
  std::atomic<int> in_flight{0};
  // Set by Stop: answers close their connections, none reads another.
  std::atomic<bool> draining{false};

  // Declared after the bookkeeping above: destroying the io_context
  // destroys sessions still queued in it, which unregister themselves.
  asio::io_context ioc{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  tcp::acceptor acceptor{asio::make_strand(ioc)};
  asio::steady_timer accept_retry{acceptor.get_executor()};
  std::unique_ptr<asio::thread_pool> pool;
  std::vector<std::thread> io_threads;
  int port = -1;
  bool started = false;
  bool stopped = false;

 private:
  void DoAccept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  // Under mu: true when one more connection may be accepted, closing the
  // longest-idle connection when at the limit.
  // When the connection limit is reached, picks the longest-idle
  // connection into *evict (to be closed after mu is released); false when
  // none is idle.
  bool MakeRoom(std::shared_ptr<SessionBase>* evict) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
};

namespace {

template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Server::Impl* srv, tcp::socket socket, std::shared_ptr<asio::ssl::context> ctx)
      : srv_(srv), ctx_(std::move(ctx)), stream_(MakeStream(std::move(socket), ctx_.get())) {
    beast::error_code ec;
    tcp::endpoint ep = Lowest().socket().remote_endpoint(ec);
    if (!ec) {
      remote_ = ep.address().is_v6() ? absl::StrCat("[", ep.address().to_string(), "]:", ep.port())
                                     : absl::StrCat(ep.address().to_string(), ":", ep.port());
    }
    srv_->Register(this);
  }
  ~Session() override { srv_->Unregister(this); }

  void Run() {
    if constexpr (kTls) {
      Lowest().expires_after(kHandshakeTimeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) self->ReadNext();
                              });
    } else {
      ReadNext();
    }
  }

  std::shared_ptr<SessionBase> Ref() override { return this->weak_from_this().lock(); }

  void Close() override {
    std::shared_ptr<Session> self = this->weak_from_this().lock();
    if (self == nullptr) return;
    asio::post(stream_.get_executor(), [self] {
      beast::error_code ec;
      self->Lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
      self->Lowest().close();
    });
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  static Stream MakeStream(tcp::socket socket, asio::ssl::context* ctx) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *ctx);
    } else {
      (void)ctx;
      return Stream(std::move(socket));
    }
  }

  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  void SetTimeout(absl::Duration d) {
    if (d > absl::ZeroDuration()) {
      Lowest().expires_after(ToChrono(d));
    } else {
      Lowest().expires_never();
    }
  }

  void ReadNext() {
    parser_.emplace();
    http_internal::ApplyLimits({srv_->opts.max_header_bytes, srv_->opts.max_body_bytes},
                               &*parser_);
    SetTimeout(srv_->opts.read_timeout);
    if (buffer_.size() == 0) {
      idle_since_ns.store(absl::GetCurrentTimeNanos());
      idle.store(true);
    }
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code ec, size_t) {
                               self->OnHeader(ec);
                             });
  }

  // Maps a read error to the answer it gets; 0: close without one.
  int StatusForReadError(beast::error_code ec) const {
    if (ec == bhttp::error::header_limit) return 431;
    if (ec == bhttp::error::body_limit) return 413;
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      return 400;
    }
    return 0;
  }

  void OnHeader(beast::error_code ec) {
    idle.store(false);
    if (ec) return OnReadError(ec);
    const auto& msg = parser_->get();
    if (!parser_->is_done() && beast::iequals(msg[bhttp::field::expect], "100-continue")) {
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                     msg.version());
      bhttp::async_write(stream_, *cont,
                         [self = this->shared_from_this(), cont](beast::error_code ec, size_t) {
                           if (ec) return;
                           self->ReadBody();
                         });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    if (parser_->is_done()) return OnBody({});
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code ec, size_t) {
                        self->OnBody(ec);
                      });
  }

  void OnReadError(beast::error_code ec) {
    int status = StatusForReadError(ec);
    if (status == 0) return;  // closed, timed out or aborted: nothing to answer
    std::string target(parser_->get().target());
    std::string message;
    if (status == 431) {
      message = "request header too large";
    } else if (status == 413) {
      message = absl::StrCat("request body larger than ", srv_->opts.max_body_bytes, " bytes");
    } else {
      message = absl::StrCat("malformed HTTP request: ", ec.message());
    }
    auto res = std::make_shared<Response>(srv_->ErrorResponse(status, message, target));
    Write(std::move(res), /*keep_alive=*/false, /*head=*/false);
  }

  void OnBody(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    bhttp::request<bhttp::string_body> msg = parser_->release();
    bool keep_alive = msg.keep_alive();
    auto req = std::make_shared<Request>();
    req->remote_addr = remote_;
    if (!http_internal::ToRequest(std::move(msg), req.get())) {
      auto res = std::make_shared<Response>(
          srv_->ErrorResponse(400, "malformed HTTP request: invalid URL escape", req->target));
      return Write(std::move(res), false, false);
    }
    // The handler may take long: stop the read timer while it runs.
    Lowest().expires_never();
    srv_->in_flight.fetch_add(1);
    in_flight_ = true;
    asio::post(*srv_->pool, [self = this->shared_from_this(), req, keep_alive] {
      std::shared_ptr<Response> res = self->srv_->Handle(req.get());
      bool head = req->method == "HEAD";
      asio::dispatch(self->stream_.get_executor(), [self, res, keep_alive, head] {
        self->Write(res, keep_alive, head);
      });
    });
  }

  void Write(std::shared_ptr<Response> res, bool keep_alive, bool head) {
    SetTimeout(srv_->opts.write_timeout);
    // A server on its way down answers, then closes.
    if (srv_->draining.load()) keep_alive = false;
    auto fill = [&](auto& m) {
      m.result(static_cast<unsigned>(res->status));
      absl::string_view reason = StatusText(res->status);
      if (!reason.empty()) m.reason(beast::string_view(reason.data(), reason.size()));
      for (const auto& [k, v] : res->headers) m.insert(k, v);
      if (m.find(bhttp::field::date) == m.end()) m.set(bhttp::field::date, HttpDate());
      m.keep_alive(keep_alive);
    };
    bool no_body = res->status == 204 || res->status == 304 || res->status < 200;
    if (head || no_body) {
      auto m = std::make_shared<bhttp::response<bhttp::empty_body>>();
      fill(*m);
      if (!no_body) m->content_length(res->body.size());
      bhttp::async_write(stream_, *m,
                         [self = this->shared_from_this(), m, keep_alive](beast::error_code ec,
                                                                          size_t) {
                           self->OnWrite(ec, keep_alive);
                         });
      return;
    }
    auto m = std::make_shared<bhttp::response<bhttp::string_body>>();
    fill(*m);
    if (m->find(bhttp::field::content_type) == m->end() && !res->body.empty()) {
      m->set(bhttp::field::content_type, "text/plain; charset=utf-8");
    }
    m->body() = std::move(res->body);
    m->prepare_payload();
    bhttp::async_write(stream_, *m,
                       [self = this->shared_from_this(), m, keep_alive](beast::error_code ec,
                                                                        size_t) {
                         self->OnWrite(ec, keep_alive);
                       });
  }

  void OnWrite(beast::error_code ec, bool keep_alive) {
    if (in_flight_) {
      in_flight_ = false;
      srv_->in_flight.fetch_sub(1);
    }
    if (ec) return;
    if (keep_alive && !srv_->draining.load()) return ReadNext();
    Shutdown();
  }

  // Half-closes, then reads and discards what the client still sends (for a
  // bounded time and size), so that closing does not reset the connection
  // before the client has read the answer.
  void Shutdown() {
    if constexpr (kTls) {
      Lowest().expires_after(kDrainTimeout);
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        self->Lowest().close();
      });
    } else {
      beast::error_code ec;
      Lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      if (ec) return;
      Lowest().expires_after(kDrainTimeout);
      Drain();
    }
  }

  void Drain() {
    drain_buf_.resize(16384);
    Lowest().async_read_some(asio::buffer(drain_buf_),
                             [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                               self->drained_ += n;
                               if (ec || self->drained_ > kMaxDrainBytes) {
                                 self->Lowest().close();
                                 return;
                               }
                               self->Drain();
                             });
  }

  Server::Impl* const srv_;
  std::shared_ptr<asio::ssl::context> ctx_;  // before stream_, which refers to it
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string remote_;
  // A request of this connection counts in Server::Impl::in_flight.
  bool in_flight_ = false;
  std::vector<char> drain_buf_;
  size_t drained_ = 0;
};

}  // namespace

void Server::Impl::Unregister(SessionBase* s) {
  absl::MutexLock l(&mu);
  sessions.erase(s);
  if (accept_paused && !stopping) {
    accept_paused = false;
    asio::post(acceptor.get_executor(), [this] { DoAccept(); });
  }
}

std::shared_ptr<Response> Server::Impl::Handle(Request* req) {
  auto res = std::make_shared<Response>();
  absl::Time start = absl::Now();
  try {
    handler(*req, res.get());
  } catch (const std::exception& e) {
    *res = ErrorResponse(500, absl::StrCat("internal error: ", e.what()), req->target);
  } catch (...) {
    *res = ErrorResponse(500, "internal error", req->target);
  }
  if (opts.on_response) opts.on_response(*req, *res, absl::Now() - start);
  if (res->body.size() >= kMinGzipBytes && req->method != "HEAD" &&
      res->Header("Content-Encoding").empty() && AcceptsGzip(req->Header("Accept-Encoding"))) {
    std::string gz;
    if (GzipCompress(res->body, &gz)) {
      res->body = std::move(gz);
      res->SetHeader("Content-Encoding", "gzip");
    }
  }
  if (!res->body.empty() || res->status >= 300) {
    const std::string& vary = res->Header("Vary");
    res->SetHeader("Vary", vary.empty() ? "Accept-Encoding" : vary + ", Accept-Encoding");
  }
  return res;
}

Response Server::Impl::ErrorResponse(int status, absl::string_view message,
                                      absl::string_view target) const {
  Response res;
  res.status = status;
  if (opts.error_response) {
    opts.error_response(status, message, target, &res);
  } else {
    res.SetContent(absl::StrCat(message, "\n"), "text/plain; charset=utf-8");
  }
  return res;
}

absl::StatusOr<int> Server::Impl::Listen(absl::string_view host, int port_in) {
  beast::error_code ec;
  std::string h(host);
  if (h.size() > 1 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  tcp::endpoint ep;
  bool dual_stack = false;
  if (h.empty()) {
    ep = tcp::endpoint(asio::ip::address_v6::any(), static_cast<unsigned short>(port_in));
    dual_stack = true;
  } else {
    asio::ip::address addr = asio::ip::make_address(h, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("listen tcp ", host, ":", port_in, ": not an IP address"));
    }
    ep = tcp::endpoint(addr, static_cast<unsigned short>(port_in));
  }
  std::string where = absl::StrCat(host, ":", port_in);
  acceptor.open(ep.protocol(), ec);
  if (ec && dual_stack) {
    // No IPv6 on this host: every IPv4 address instead.
    ep = tcp::endpoint(asio::ip::address_v4::any(), static_cast<unsigned short>(port_in));
    dual_stack = false;
    acceptor.open(ep.protocol(), ec);
  }
  if (ec) return absl::UnavailableError(absl::StrCat("listen tcp ", where, ": ", ec.message()));
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (dual_stack) acceptor.set_option(asio::ip::v6_only(false), ec);
  acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    acceptor.close(ignored);
    // Go's wording, which operators grep for: "bind: address already in use".
    return absl::UnavailableError(
        absl::StrCat("listen tcp ", where, ": bind: ", absl::AsciiStrToLower(ec.message())));
  }
  port = acceptor.local_endpoint(ec).port();
  return port;
}

void Server::Impl::Start() {
  if (started) return;
  started = true;
  pool = std::make_unique<asio::thread_pool>(std::max(1, opts.handler_threads));
  work.emplace(ioc.get_executor());
  asio::post(acceptor.get_executor(), [this] { DoAccept(); });
  for (int i = 0; i < std::max(1, opts.io_threads); ++i) {
    io_threads.emplace_back([this] { ioc.run(); });
  }
}

void Server::Impl::DoAccept() {
  acceptor.async_accept(asio::make_strand(ioc),
                        [this](beast::error_code ec, tcp::socket socket) {
                          OnAccept(ec, std::move(socket));
                        });
}

bool Server::Impl::MakeRoom(std::shared_ptr<SessionBase>* evict) {
  if (opts.max_connections <= 0 || static_cast<int>(sessions.size()) < opts.max_connections) {
    return true;
  }
  SessionBase* oldest = nullptr;
  for (SessionBase* s : sessions) {
    if (s->idle.load() &&
        (oldest == nullptr || s->idle_since_ns.load() < oldest->idle_since_ns.load())) {
      oldest = s;
    }
  }
  if (oldest == nullptr) return false;
  oldest->idle.store(false);
  *evict = oldest->Ref();
  return true;
}

void Server::Impl::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
  if (ec) {
    // Out of descriptors or the like: try again shortly instead of spinning.
    accept_retry.expires_after(std::chrono::milliseconds(50));
    accept_retry.async_wait([this](beast::error_code wec) {
      if (!wec) DoAccept();
    });
    return;
  }
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  if (opts.tls_context) {
    absl::StatusOr<std::shared_ptr<SSL_CTX>> native = opts.tls_context();
    if (native.ok() && *native != nullptr) {
      SSL_CTX_up_ref(native->get());
      auto ctx = std::make_shared<asio::ssl::context>(native->get());
      std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(this, std::move(socket),
                                                                      std::move(ctx))
          ->Run();
    } else {
      socket.close(ignored);
    }
  } else {
    std::make_shared<Session<beast::tcp_stream>>(this, std::move(socket), nullptr)->Run();
  }
  std::shared_ptr<SessionBase> evict;
  {
    absl::MutexLock l(&mu);
    if (stopping) return;
    if (MakeRoom(&evict)) {
      DoAccept();
    } else {
      accept_paused = true;
    }
  }
  if (evict != nullptr) evict->Close();
}

void Server::Impl::Stop() {
  if (!started || stopped) return;
  stopped = true;
  {
    absl::MutexLock l(&mu);
    stopping = true;
  }
  draining.store(true);
  asio::post(acceptor.get_executor(), [this] {
    beast::error_code ec;
    acceptor.close(ec);
    accept_retry.cancel();
  });
  // Requests being handled are answered (e.g. /-/quit's own answer), for at
  // most shutdown_grace.
  absl::Time deadline = absl::Now() + opts.shutdown_grace;
  while (in_flight.load() > 0 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  std::vector<std::shared_ptr<SessionBase>> open;
  {
    absl::MutexLock l(&mu);
    for (SessionBase* s : sessions) {
      if (std::shared_ptr<SessionBase> ref = s->Ref()) open.push_back(std::move(ref));
    }
  }
  for (const auto& s : open) s->Close();
  open.clear();
  // Running handlers finish; queued ones are dropped with their connections.
  pool->stop();
  pool->join();
  work.reset();
  ioc.stop();
  for (std::thread& t : io_threads) t.join();
  io_threads.clear();
}

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() = default;

absl::StatusOr<int> Server::Listen(absl::string_view host, int port) {
  return impl_->Listen(host, port);
}

void Server::Start() { impl_->Start(); }

void Server::Stop() { impl_->Stop(); }

int Server::port() const { return impl_->port; }

int Server::open_connections() const {
  absl::MutexLock l(&impl_->mu);
  return static_cast<int>(impl_->sessions.size());
}

}  // namespace vigil::web
