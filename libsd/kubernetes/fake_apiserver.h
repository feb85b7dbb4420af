// A fake Kubernetes apiserver for tests, on 127.0.0.1 (HTTP, or HTTPS with
// a given certificate): LIST with resourceVersion and limit/continue
// pages, ?watch=1 chunked streams of ADDED/MODIFIED/DELETED/BOOKMARK events
// replayed from an event log after the requested resourceVersion, 410 Gone
// for versions older than Compact(), bearer-token checking, namespaced
// paths, and switches for outages and malformed answers.
//
// Thread safety: all methods may be called while the server runs.

#ifndef VIGIL_LIBSD_KUBERNETES_FAKE_APISERVER_H_
#define VIGIL_LIBSD_KUBERNETES_FAKE_APISERVER_H_

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "httplib.h"
#include "nlohmann/json.hpp"

namespace vigil::sd::testing {

class FakeApiServer {
 public:
  using json = nlohmann::json;

  // HTTP when cert/key are empty.
  FakeApiServer(const std::string& cert_file = "",
                const std::string& key_file = "") {
    if (cert_file.empty()) {
      server_ = std::make_unique<httplib::Server>();
    } else {
      server_ = std::make_unique<httplib::SSLServer>(cert_file.c_str(),
                                                     key_file.c_str());
    }
    server_->set_keep_alive_max_count(1000);
    // Every open watch holds a worker thread.
    server_->new_task_queue = [] { return new httplib::ThreadPool(64); };
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      Handle(req, res);
    };
    server_->Get(R"(/api/v1/.*)", handler);
    server_->Get(R"(/apis/.*)", handler);
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    for (int i = 0; i < 2000 && !server_->is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  ~FakeApiServer() {
    stopping_ = true;
    server_->stop();
    if (thread_.joinable()) thread_.join();
  }

  int port() const { return port_; }
  std::string url(bool https = false) const {
    return absl::StrCat(https ? "https" : "http", "://127.0.0.1:", port_);
  }

  // resource: "pods", "services", "endpoints", "nodes", "endpointslices",
  // "ingresses". Adds or replaces the object (ADDED or MODIFIED event).
  void Apply(const std::string& resource, json obj) {
    absl::MutexLock l(&mu_);
    std::string key = Key(obj);
    auto& store = state_[resource];
    const char* type = store.count(key) ? "MODIFIED" : "ADDED";
    obj["metadata"]["resourceVersion"] = absl::StrCat(++rv_);
    store[key] = obj;
    log_[resource].push_back({rv_, type, obj});
  }

  void Delete(const std::string& resource, const std::string& ns,
              const std::string& name) {
    absl::MutexLock l(&mu_);
    std::string key = ns.empty() ? name : ns + "/" + name;
    auto& store = state_[resource];
    auto it = store.find(key);
    if (it == store.end()) return;
    json obj = it->second;
    store.erase(it);
    obj["metadata"]["resourceVersion"] = absl::StrCat(++rv_);
    log_[resource].push_back({rv_, "DELETED", obj});
  }

  // A BOOKMARK event at the current version.
  void Bookmark(const std::string& resource) {
    absl::MutexLock l(&mu_);
    json obj = {{"kind", "Pod"}, {"metadata", {{"resourceVersion", absl::StrCat(++rv_)}}}};
    log_[resource].push_back({rv_, "BOOKMARK", obj});
  }

  // Versions at or below the current one become too old: watches from
  // them get 410 Gone (as a status, or as an ERROR event when
  // `as_event`); open watches are closed.
  void Compact(bool as_event = false) {
    absl::MutexLock l(&mu_);
    compacted_rv_ = ++rv_;
    gone_as_event_ = as_event;
    ++generation_;
  }

  // Closes open watch streams (clients must re-watch).
  void CloseWatches() {
    absl::MutexLock l(&mu_);
    ++generation_;
  }

  // While down every request gets 503.
  void SetDown(bool down) { down_ = down; }
  // Changes an object without a watch event: only a re-list sees it.
  void ApplySilently(const std::string& resource, json obj) {
    absl::MutexLock l(&mu_);
    obj["metadata"]["resourceVersion"] = absl::StrCat(++rv_);
    state_[resource][Key(obj)] = obj;
  }

  // Sends a malformed line on open and new watches of `resource` once.
  void InjectGarbage(const std::string& resource) {
    absl::MutexLock l(&mu_);
    log_[resource].push_back({++rv_, "GARBAGE", json()});
  }
  void RequireToken(const std::string& token) {
    absl::MutexLock l(&mu_);
    token_ = token;
  }
  void SetPageSize(size_t n) { page_size_ = n; }

  int lists(const std::string& resource) {
    absl::MutexLock l(&mu_);
    return lists_[resource];
  }
  int watches(const std::string& resource) {
    absl::MutexLock l(&mu_);
    return watches_[resource];
  }
  int unauthorized() { return unauthorized_; }
  std::vector<std::string> paths() {
    absl::MutexLock l(&mu_);
    return paths_;
  }

 private:
  struct Event {
    uint64_t rv;
    std::string type;
    json obj;
  };

  static std::string Key(const json& obj) {
    std::string ns = obj["metadata"].value("namespace", "");
    std::string name = obj["metadata"].value("name", "");
    return ns.empty() ? name : ns + "/" + name;
  }

  static bool InNamespace(const json& obj, const std::string& ns) {
    return ns.empty() || obj["metadata"].value("namespace", "") == ns;
  }

  void Handle(const httplib::Request& req, httplib::Response& res) {
    if (down_) {
      res.status = 503;
      res.set_content("apiserver down", "text/plain");
      return;
    }
    {
      absl::MutexLock l(&mu_);
      // The path with the selectors the client sent, unescaped.
      std::string sel;
      for (const char* p : {"labelSelector", "fieldSelector"}) {
        if (!req.has_param(p)) continue;
        absl::StrAppend(&sel, sel.empty() ? "" : "&", p, "=", req.get_param_value(p));
      }
      paths_.push_back(req.path + (req.params.empty() ? "" : "?") + sel);
      if (!token_.empty() &&
          req.get_header_value("Authorization") != "Bearer " + token_) {
        ++unauthorized_;
        res.status = 401;
        res.set_content(R"({"kind":"Status","code":401})", "application/json");
        return;
      }
    }
    // /api/v1[/namespaces/<ns>]/<resource> or /apis/<g>/<v>[/namespaces/<ns>]/<resource>
    std::vector<std::string> parts;
    for (absl::string_view p : absl::StrSplit(req.path, '/', absl::SkipEmpty())) {
      parts.emplace_back(p);
    }
    std::string ns, resource;
    size_t base = parts.size() > 0 && parts[0] == "api" ? 2 : 3;
    if (parts.size() == base + 1) {
      resource = parts[base];
    } else if (parts.size() == base + 3 && parts[base] == "namespaces") {
      ns = parts[base + 1];
      resource = parts[base + 2];
    } else {
      res.status = 404;
      return;
    }
    if (req.get_param_value("watch") == "1" || req.get_param_value("watch") == "true") {
      Watch(req, res, resource, ns);
    } else {
      List(req, res, resource, ns);
    }
  }

  void List(const httplib::Request& req, httplib::Response& res,
            const std::string& resource, const std::string& ns) {
    absl::MutexLock l(&mu_);
    ++lists_[resource];
    std::vector<json> all;
    for (const auto& [k, obj] : state_[resource]) {
      if (InNamespace(obj, ns)) all.push_back(obj);
    }
    size_t start = 0;
    if (req.has_param("continue")) {
      absl::SimpleAtoi(req.get_param_value("continue"), &start);
    }
    size_t ps = page_size_.load();
    size_t page = ps > 0 ? ps : all.size() + 1;
    json items = json::array();
    for (size_t i = start; i < all.size() && i < start + page; ++i) {
      items.push_back(all[i]);
    }
    json meta = {{"resourceVersion", absl::StrCat(rv_)}};
    if (start + page < all.size()) meta["continue"] = absl::StrCat(start + page);
    json doc = {{"kind", "List"}, {"apiVersion", "v1"}, {"metadata", meta},
                {"items", items}};
    res.set_content(doc.dump(), "application/json");
  }

  void Watch(const httplib::Request& req, httplib::Response& res,
             const std::string& resource, const std::string& ns) {
    uint64_t from = 0;
    absl::SimpleAtoi(req.get_param_value("resourceVersion"), &from);
    int timeout_s = 300;
    absl::SimpleAtoi(req.get_param_value("timeoutSeconds"), &timeout_s);
    uint64_t gen;
    {
      absl::MutexLock l(&mu_);
      ++watches_[resource];
      gen = generation_;
      if (from < compacted_rv_) {
        if (!gone_as_event_) {
          res.status = 410;
          res.set_content(R"({"kind":"Status","code":410,"reason":"Expired"})",
                          "application/json");
          return;
        }
        json ev = {{"type", "ERROR"},
                   {"object", {{"kind", "Status"}, {"code", 410},
                               {"message", "too old resource version"}}}};
        res.set_content(ev.dump() + "\n", "application/json");
        return;
      }
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    auto last = std::make_shared<uint64_t>(from);
    auto idle = std::make_shared<int>(0);
    res.set_chunked_content_provider(
        "application/json",
        [this, resource, ns, gen, deadline, last, idle](size_t,
                                                        httplib::DataSink& sink) {
          if (!sink.is_writable()) return false;
          std::string out;
          bool end = false;
          {
            absl::MutexLock l(&mu_);
            if (generation_ != gen || stopping_) end = true;
            for (const Event& e : log_[resource]) {
              if (end || e.rv <= *last) continue;
              *last = e.rv;
              if (e.type == "GARBAGE") {
                out += "{not json\n";
                continue;
              }
              if (e.type != "BOOKMARK" && !InNamespace(e.obj, ns)) continue;
              out += json{{"type", e.type}, {"object", e.obj}}.dump() + "\n";
            }
          }
          // A blank line now and then finds clients that went away (the
          // client skips blank lines).
          if (out.empty() && ++*idle % 20 == 0) out = "\n";
          if (!out.empty() && !sink.write(out.data(), out.size())) return false;
          if (end || std::chrono::steady_clock::now() > deadline) {
            sink.done();
            return true;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
          return true;
        });
  }

  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> down_{false};
  std::atomic<int> unauthorized_{0};
  std::atomic<size_t> page_size_{0};

  absl::Mutex mu_;
  uint64_t rv_ = 100;
  uint64_t compacted_rv_ = 0;
  bool gone_as_event_ = false;
  uint64_t generation_ = 0;
  std::string token_;
  std::map<std::string, std::map<std::string, json>> state_;
  std::map<std::string, std::vector<Event>> log_;
  std::map<std::string, int> lists_, watches_;
  std::vector<std::string> paths_;
};

}  // namespace vigil::sd::testing

#endif  // VIGIL_LIBSD_KUBERNETES_FAKE_APISERVER_H_
