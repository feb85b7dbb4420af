// An in-process remote-write receiver and remote-read server for tests:
// a cpp-httplib server on 127.0.0.1 (kernel-chosen port) answering
// POST /write and POST /read.
//
// /write decodes each snappy WriteRequest, records its headers, and
// answers with the next scripted status (SetWriteStatuses), 204 once the
// script is used up; only 2xx requests count as accepted. /read answers
// a snappy ReadRequest through the handler set with SetReadHandler.
//
// Thread safety: all methods may be called concurrently.

#ifndef VIGIL_LIBREMOTE_INTERNAL_TEST_RECEIVER_H_
#define VIGIL_LIBREMOTE_INTERNAL_TEST_RECEIVER_H_

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "httplib.h"
#include "model/proto/remote.pb.h"

namespace vigil::remote::testing {

class TestReceiver {
 public:
  struct Request {
    std::map<std::string, std::string> headers;  // lower-case names
    prometheus::WriteRequest body;
    int status = 0;  // what was answered
  };

  TestReceiver();
  ~TestReceiver();

  // Binds and serves; returns the port or -1.
  int Start();
  std::string Url(const std::string& path) const;

  // Statuses for the next write requests, in order; `retry_after` is sent
  // with them when not empty.
  void SetWriteStatuses(std::vector<int> statuses, std::string retry_after = "");
  // Time each write request takes to answer (a slow endpoint).
  void SetWriteDelay(absl::Duration d);
  // Every write request seen (accepted or not), in arrival order.
  std::vector<Request> requests() const;
  // Samples in accepted requests.
  size_t accepted_samples() const;
  // (labels text, t, v) of every accepted sample, in arrival order.
  struct Sample {
    std::string labels;  // {a="b", ...} sorted as sent
    int64_t t;
    double v;
  };
  std::vector<Sample> accepted() const;
  bool WaitForAccepted(size_t n, absl::Duration timeout) const;
  bool WaitForRequests(size_t n, absl::Duration timeout) const;

  using ReadHandler =
      std::function<int(const prometheus::ReadRequest&, prometheus::ReadResponse*)>;
  void SetReadHandler(ReadHandler h);
  // Answers /read with a raw body and content type (wins over the above).
  using RawReadHandler = std::function<int(const prometheus::ReadRequest&,
                                           std::string* content_type, std::string* body)>;
  void SetRawReadHandler(RawReadHandler h);
  std::vector<prometheus::ReadRequest> reads() const;
  std::vector<std::map<std::string, std::string>> read_headers() const;

 private:
  void HandleWrite(const httplib::Request& req, httplib::Response& res);
  void HandleRead(const httplib::Request& req, httplib::Response& res);

  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
  mutable absl::Mutex mu_;
  std::deque<int> statuses_ ABSL_GUARDED_BY(mu_);
  std::string retry_after_ ABSL_GUARDED_BY(mu_);
  absl::Duration write_delay_ ABSL_GUARDED_BY(mu_);
  std::vector<Request> requests_ ABSL_GUARDED_BY(mu_);
  size_t accepted_samples_ ABSL_GUARDED_BY(mu_) = 0;
  ReadHandler read_handler_ ABSL_GUARDED_BY(mu_);
  RawReadHandler raw_read_handler_ ABSL_GUARDED_BY(mu_);
  std::vector<prometheus::ReadRequest> reads_ ABSL_GUARDED_BY(mu_);
  std::vector<std::map<std::string, std::string>> read_headers_ ABSL_GUARDED_BY(mu_);
};

// "{name="value", ...}" of a prompb label list, as sent.
std::string LabelsText(const google::protobuf::RepeatedPtrField<prometheus::Label>& l);

}  // namespace vigil::remote::testing

#endif  // VIGIL_LIBREMOTE_INTERNAL_TEST_RECEIVER_H_
