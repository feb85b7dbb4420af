#include "libremote/internal/test_receiver.h"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "snappy.h"

namespace vigil::remote::testing {
namespace {

std::map<std::string, std::string> LowerHeaders(const httplib::Headers& h) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : h) {
    std::string lk = k;
    std::transform(lk.begin(), lk.end(), lk.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    out[lk] = v;
  }
  return out;
}

}  // namespace

std::string LabelsText(const google::protobuf::RepeatedPtrField<prometheus::Label>& l) {
  std::string out = "{";
  for (int i = 0; i < l.size(); ++i) {
    if (i > 0) out += ", ";
    out += l[i].name() + "=\"" + l[i].value() + "\"";
  }
  return out + "}";
}

TestReceiver::TestReceiver() {
  server_.Post("/write", [this](const httplib::Request& req, httplib::Response& res) {
    HandleWrite(req, res);
  });
  server_.Post("/read", [this](const httplib::Request& req, httplib::Response& res) {
    HandleRead(req, res);
  });
}

TestReceiver::~TestReceiver() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

int TestReceiver::Start() {
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ < 0) return -1;
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  for (int i = 0; i < 400 && !server_.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return port_;
}

std::string TestReceiver::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void TestReceiver::SetWriteStatuses(std::vector<int> statuses, std::string retry_after) {
  absl::MutexLock l(&mu_);
  statuses_.assign(statuses.begin(), statuses.end());
  retry_after_ = std::move(retry_after);
}

void TestReceiver::SetWriteDelay(absl::Duration d) {
  absl::MutexLock l(&mu_);
  write_delay_ = d;
}

void TestReceiver::HandleWrite(const httplib::Request& req, httplib::Response& res) {
  absl::Duration delay;
  {
    absl::MutexLock l(&mu_);
    delay = write_delay_;
  }
  absl::SleepFor(delay);
  Request r;
  r.headers = LowerHeaders(req.headers);
  std::string raw;
  if (!snappy::Uncompress(req.body.data(), req.body.size(), &raw) ||
      !r.body.ParseFromString(raw)) {
    res.status = 400;
    res.set_content("bad body", "text/plain");
    absl::MutexLock l(&mu_);
    r.status = 400;
    requests_.push_back(std::move(r));
    return;
  }
  absl::MutexLock l(&mu_);
  int status = 204;
  if (!statuses_.empty()) {
    status = statuses_.front();
    statuses_.pop_front();
    if (!retry_after_.empty()) res.set_header("Retry-After", retry_after_);
  }
  res.status = status;
  if (status / 100 != 2) res.set_content("scripted failure", "text/plain");
  r.status = status;
  if (status / 100 == 2) {
    for (const auto& ts : r.body.timeseries()) accepted_samples_ += ts.samples_size();
  }
  requests_.push_back(std::move(r));
}

void TestReceiver::HandleRead(const httplib::Request& req, httplib::Response& res) {
  std::string raw;
  prometheus::ReadRequest rr;
  if (!snappy::Uncompress(req.body.data(), req.body.size(), &raw) ||
      !rr.ParseFromString(raw)) {
    res.status = 400;
    res.set_content("bad body", "text/plain");
    return;
  }
  ReadHandler h;
  RawReadHandler raw_handler;
  {
    absl::MutexLock l(&mu_);
    reads_.push_back(rr);
    read_headers_.push_back(LowerHeaders(req.headers));
    h = read_handler_;
    raw_handler = raw_read_handler_;
  }
  if (raw_handler) {
    std::string content_type, body;
    res.status = raw_handler(rr, &content_type, &body);
    res.set_content(body, content_type);
    return;
  }
  prometheus::ReadResponse resp;
  int status = h ? h(rr, &resp) : 200;
  res.status = status;
  if (status != 200) {
    res.set_content("scripted read failure", "text/plain");
    return;
  }
  std::string pb, out;
  resp.SerializeToString(&pb);
  snappy::Compress(pb.data(), pb.size(), &out);
  res.set_header("Content-Encoding", "snappy");
  res.set_content(out, "application/x-protobuf");
}

std::vector<TestReceiver::Request> TestReceiver::requests() const {
  absl::MutexLock l(&mu_);
  return requests_;
}

size_t TestReceiver::accepted_samples() const {
  absl::MutexLock l(&mu_);
  return accepted_samples_;
}

std::vector<TestReceiver::Sample> TestReceiver::accepted() const {
  absl::MutexLock l(&mu_);
  std::vector<Sample> out;
  for (const Request& r : requests_) {
    if (r.status / 100 != 2) continue;
    for (const auto& ts : r.body.timeseries()) {
      std::string text = LabelsText(ts.labels());
      for (const auto& s : ts.samples()) out.push_back({text, s.timestamp(), s.value()});
    }
  }
  return out;
}

bool TestReceiver::WaitForAccepted(size_t n, absl::Duration timeout) const {
  absl::MutexLock l(&mu_);
  auto cond = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return accepted_samples_ >= n; };
  return mu_.AwaitWithTimeout(absl::Condition(&cond), timeout);
}

bool TestReceiver::WaitForRequests(size_t n, absl::Duration timeout) const {
  absl::MutexLock l(&mu_);
  auto cond = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return requests_.size() >= n; };
  return mu_.AwaitWithTimeout(absl::Condition(&cond), timeout);
}

void TestReceiver::SetReadHandler(ReadHandler h) {
  absl::MutexLock l(&mu_);
  read_handler_ = std::move(h);
}

void TestReceiver::SetRawReadHandler(RawReadHandler h) {
  absl::MutexLock l(&mu_);
  raw_read_handler_ = std::move(h);
}

std::vector<prometheus::ReadRequest> TestReceiver::reads() const {
  absl::MutexLock l(&mu_);
  return reads_;
}

std::vector<std::map<std::string, std::string>> TestReceiver::read_headers() const {
  absl::MutexLock l(&mu_);
  return read_headers_;
}

}  // namespace vigil::remote::testing
