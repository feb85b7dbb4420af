#include "librules/notifier/notifier.h"

#include <curl/curl.h>

#include <deque>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "model/status_macros.h"
#include "yaml-cpp/yaml.h"

namespace vigil::notifier {
namespace {

constexpr absl::string_view kSchemeLabel = "__scheme__";
constexpr absl::string_view kAlertsPathLabel = "__alerts_path__";

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t DiscardBody(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* body = static_cast<std::string*>(userdata);
  size_t n = size * nmemb;
  if (body->size() < 4096) body->append(ptr, std::min<size_t>(n, 4096));
  return n;
}

absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("unable to read file ", path));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// POSTs `body` as JSON; returns the HTTP status.
absl::StatusOr<long> PostJson(const std::string& url, const std::string& body,
                              const sd::HTTPClientConfig& cfg,
                              absl::Duration timeout,
                              const std::string& user_agent) {
  InitCurlOnce();
  CURL* c = curl_easy_init();
  if (c == nullptr) return absl::InternalError("curl_easy_init failed");
  struct curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  std::string auth_header;
  if (!cfg.auth_type.empty()) {
    std::string cred = cfg.credentials;
    if (!cfg.credentials_file.empty()) {
      absl::StatusOr<std::string> f = ReadSecretFile(cfg.credentials_file);
      if (!f.ok()) {
        curl_slist_free_all(headers);
        curl_easy_cleanup(c);
        return f.status();
      }
      cred = *f;
    }
    auth_header = absl::StrCat("Authorization: ", cfg.auth_type, " ", cred);
    headers = curl_slist_append(headers, auth_header.c_str());
  }
  std::string user = cfg.username, pass = cfg.password;
  if (cfg.has_basic_auth) {
    if (!cfg.username_file.empty()) {
      auto f = ReadSecretFile(cfg.username_file);
      if (f.ok()) user = *f;
    }
    if (!cfg.password_file.empty()) {
      auto f = ReadSecretFile(cfg.password_file);
      if (f.ok()) pass = *f;
    }
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, pass.c_str());
  }
  std::string response;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_USERAGENT, user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(timeout)));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, DiscardBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, cfg.follow_redirects ? 1L : 0L);
  if (!cfg.proxy_url.empty()) curl_easy_setopt(c, CURLOPT_PROXY, cfg.proxy_url.c_str());
  if (!cfg.tls.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, cfg.tls.ca_file.c_str());
  if (!cfg.tls.cert_file.empty()) curl_easy_setopt(c, CURLOPT_SSLCERT, cfg.tls.cert_file.c_str());
  if (!cfg.tls.key_file.empty()) curl_easy_setopt(c, CURLOPT_SSLKEY, cfg.tls.key_file.c_str());
  curl_blob ca{}, cert{}, key{};
  if (!cfg.tls.ca.empty()) {
    ca = {const_cast<char*>(cfg.tls.ca.data()), cfg.tls.ca.size(), CURL_BLOB_COPY};
    curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &ca);
  }
  if (!cfg.tls.cert.empty()) {
    cert = {const_cast<char*>(cfg.tls.cert.data()), cfg.tls.cert.size(), CURL_BLOB_COPY};
    curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &cert);
  }
  if (!cfg.tls.key.empty()) {
    key = {const_cast<char*>(cfg.tls.key.data()), cfg.tls.key.size(), CURL_BLOB_COPY};
    curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &key);
  }
  if (cfg.tls.insecure_skip_verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    return absl::DeadlineExceededError(
        absl::StrCat("Post \"", url, "\": context deadline exceeded"));
  }
  if (rc != CURLE_OK) {
    return absl::UnavailableError(
        absl::StrCat("Post \"", url, "\": ", curl_easy_strerror(rc)));
  }
  if (status / 100 != 2) {
    return absl::UnavailableError(absl::StrCat(
        "bad response status ", status, " from ", url,
        response.empty() ? "" : ": ", response.substr(0, 256)));
  }
  return status;
}

std::vector<Alert> Relabel(const std::vector<Alert>& in,
                           absl::Span<const sd::RelabelConfig> cfgs) {
  if (cfgs.empty()) return in;
  std::vector<Alert> out;
  out.reserve(in.size());
  for (const Alert& a : in) {
    std::optional<model::Labels> l = sd::Process(a.labels, cfgs);
    if (!l || l->empty()) continue;
    Alert b = a;
    b.labels = std::move(*l);
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace

std::string FormatTimeRfc3339(int64_t ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(ms),
                          absl::UTCTimeZone());
}

std::string EncodeAlertsJson(const std::vector<Alert>& alerts) {
  nlohmann::json arr = nlohmann::json::array();
  for (const Alert& a : alerts) {
    nlohmann::json j;
    nlohmann::json labels = nlohmann::json::object();
    for (const model::LabelView l : a.labels) {
      labels[std::string(l.name)] = std::string(l.value);
    }
    j["labels"] = std::move(labels);
    nlohmann::json ann = nlohmann::json::object();
    for (const auto& [k, v] : a.annotations) ann[k] = v;
    j["annotations"] = std::move(ann);
    if (a.starts_at_ms != 0) j["startsAt"] = FormatTimeRfc3339(a.starts_at_ms);
    if (a.ends_at_ms != 0) j["endsAt"] = FormatTimeRfc3339(a.ends_at_ms);
    if (!a.generator_url.empty()) j["generatorURL"] = a.generator_url;
    arr.push_back(std::move(j));
  }
  // Invalid UTF-8 is replaced rather than thrown on.
  return arr.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// One Alertmanager's queue and sender thread (Prometheus's sendLoop).
class Notifier::SendLoop {
 public:
  SendLoop(std::string url, std::shared_ptr<const AlertmanagerConfig> cfg,
           const NotifierOptions* opts, std::atomic<int64_t>* dropped_total)
      : url_(std::move(url)),
        opts_(opts),
        dropped_total_(dropped_total),
        cfg_(std::move(cfg)) {}
  ~SendLoop() { Stop(false); }

  const std::string& url() const { return url_; }

  void SetConfig(std::shared_ptr<const AlertmanagerConfig> cfg) {
    absl::MutexLock l(&mu_);
    cfg_ = std::move(cfg);
  }

  void Add(const std::vector<Alert>& alerts) {
    absl::MutexLock l(&mu_);
    if (stopping_) return;
    const size_t cap = opts_->queue_capacity;
    size_t skip = 0;
    if (alerts.size() > cap) skip = alerts.size() - cap;
    size_t incoming = alerts.size() - skip;
    if (queue_.size() + incoming > cap) {
      size_t d = queue_.size() + incoming - cap;
      queue_.erase(queue_.begin(), queue_.begin() + d);
      skip += d;
    }
    CountDropped(skip);
    for (size_t i = alerts.size() - incoming; i < alerts.size(); ++i) {
      queue_.push_back(alerts[i]);
    }
  }

  void Start() {
    absl::MutexLock l(&mu_);
    if (thread_.joinable() || stopping_) return;
    thread_ = std::thread([this] { Run(); });
  }

  // Asks the thread to end: with `drain`, after sending what is queued
  // (until a batch fails), else after the batch in flight. Alerts left
  // are counted as dropped.
  void RequestStop(bool drain) {
    absl::MutexLock l(&mu_);
    if (stopping_) return;
    stopping_ = true;
    drain_ = drain;
  }

  void Stop(bool drain) {
    RequestStop(drain);
    if (thread_.joinable()) thread_.join();
    absl::MutexLock l(&mu_);
    CountDropped(queue_.size());
    queue_.clear();
  }

  bool Idle() const {
    absl::MutexLock l(&mu_);
    return queue_.empty() && !in_flight_;
  }
  bool Finished() const {
    absl::MutexLock l(&mu_);
    return finished_ || !thread_.joinable();
  }
  size_t QueueLength() const {
    absl::MutexLock l(&mu_);
    return queue_.size();
  }
  AlertmanagerStats Stats() const {
    absl::MutexLock l(&mu_);
    AlertmanagerStats s = stats_;
    s.url = url_;
    s.queue_length = static_cast<int64_t>(queue_.size());
    return s;
  }

 private:
  void CountDropped(size_t n) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (n == 0) return;
    stats_.dropped += static_cast<int64_t>(n);
    dropped_total_->fetch_add(static_cast<int64_t>(n));
  }

  void Run() {
    while (true) {
      std::vector<Alert> batch;
      std::shared_ptr<const AlertmanagerConfig> cfg;
      {
        absl::MutexLock l(&mu_);
        auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return !queue_.empty() || stopping_;
        };
        mu_.Await(absl::Condition(&ready));
        if (stopping_ && (!drain_ || queue_.empty())) {
          CountDropped(queue_.size());
          queue_.clear();
          finished_ = true;
          return;
        }
        size_t n = std::min(queue_.size(), opts_->max_batch_size);
        batch.assign(std::make_move_iterator(queue_.begin()),
                     std::make_move_iterator(queue_.begin() + n));
        queue_.erase(queue_.begin(), queue_.begin() + n);
        in_flight_ = true;
        cfg = cfg_;
      }
      const std::string body = EncodeAlertsJson(batch);
      absl::Time start = absl::Now();
      absl::StatusOr<long> r =
          PostJson(url_, body, cfg->http, cfg->timeout, opts_->user_agent);
      absl::MutexLock l(&mu_);
      in_flight_ = false;
      stats_.requests++;
      stats_.last_latency = absl::Now() - start;
      if (r.ok()) {
        stats_.sent += static_cast<int64_t>(batch.size());
        continue;
      }
      stats_.errors += static_cast<int64_t>(batch.size());
      stats_.last_error = std::string(r.status().message());
      CountDropped(batch.size());
      if (stopping_) drain_ = false;  // a failing Alertmanager ends the drain
    }
  }

  const std::string url_;
  const NotifierOptions* const opts_;
  std::atomic<int64_t>* const dropped_total_;

  mutable absl::Mutex mu_;
  std::shared_ptr<const AlertmanagerConfig> cfg_ ABSL_GUARDED_BY(mu_);
  std::deque<Alert> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool drain_ ABSL_GUARDED_BY(mu_) = false;
  bool in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  AlertmanagerStats stats_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;  // set under mu_, joined by Stop()
};

struct Notifier::Set {
  std::shared_ptr<const AlertmanagerConfig> cfg;
  std::vector<sd::TargetGroup> discovered;
  std::vector<std::shared_ptr<SendLoop>> loops;  // active Alertmanagers
  std::vector<std::string> dropped_urls;
};

namespace {

// The set's service-discovery sections as text, to tell whether its
// discovered groups still apply after a reload.
std::string SdText(const AlertmanagerConfig& c) {
  std::string out;
  for (const auto& [key, node] : c.sd_configs) {
    YAML::Emitter e;
    e << node;
    absl::StrAppend(&out, key, "\n", e.c_str(), "\n");
  }
  return out;
}

std::string UrlOf(const model::Labels& l) {
  return absl::StrCat(l.Get(kSchemeLabel), "://", l.Get(sd::kAddressLabel),
                      l.Get(kAlertsPathLabel));
}

}  // namespace

Notifier::Notifier(NotifierOptions options) : opts_(std::move(options)) {
  external_labels_ = opts_.external_labels;
  alert_relabel_configs_ = opts_.alert_relabel_configs;
}

Notifier::~Notifier() { Stop(); }

absl::Status Notifier::RebuildTargets(
    Set* set, std::map<std::string, std::shared_ptr<SendLoop>>* reuse) {
  const AlertmanagerConfig& cfg = *set->cfg;
  std::vector<std::shared_ptr<SendLoop>> loops;
  std::vector<std::string> dropped;
  std::set<std::string> seen;
  absl::Status status;
  const std::string alerts_path = AlertsPath(cfg.path_prefix);
  auto add_group = [&](const sd::TargetGroup& g) -> absl::Status {
    std::vector<std::string> urls, group_dropped;
    for (const model::Labels& t : g.targets) {
      // Prometheus's order: the target's labels, the set's scheme and
      // path, then group labels the target does not have.
      model::LabelsBuilder b(t);
      b.Set(kSchemeLabel, cfg.scheme);
      b.Set(kAlertsPathLabel, alerts_path);
      for (const model::LabelView l : g.labels) {
        if (!t.Has(l.name)) b.Set(l.name, l.value);
      }
      model::Labels pre = b.Build();
      std::optional<model::Labels> l = sd::Process(pre, cfg.relabel_configs);
      if (!l) {
        group_dropped.push_back(UrlOf(pre));
        continue;
      }
      absl::string_view addr = l->Get(sd::kAddressLabel);
      if (absl::StrContains(addr, "/")) {
        return absl::InvalidArgumentError(
            absl::StrCat("\"", addr, "\" is not a valid hostname"));
      }
      urls.push_back(UrlOf(*l));
    }
    for (std::string& u : urls) {
      if (!seen.insert(u).second) continue;
      std::shared_ptr<SendLoop> loop;
      auto it = reuse->find(u);
      if (it != reuse->end()) {
        loop = std::move(it->second);
        reuse->erase(it);
        loop->SetConfig(set->cfg);
      } else {
        loop = std::make_shared<SendLoop>(u, set->cfg, &opts_, &dropped_);
      }
      loops.push_back(std::move(loop));
    }
    for (std::string& u : group_dropped) dropped.push_back(std::move(u));
    return absl::OkStatus();
  };
  for (const auto& g : cfg.static_configs) {
    absl::Status st = add_group(g);
    if (!st.ok() && status.ok()) status = st;  // skip the group
  }
  for (const auto& g : set->discovered) {
    absl::Status st = add_group(g);
    if (!st.ok() && status.ok()) status = st;  // skip the group
  }
  set->loops = std::move(loops);
  set->dropped_urls = std::move(dropped);
  return status;
}

void Notifier::Retire(std::shared_ptr<SendLoop> loop) {
  loop->RequestStop(false);
  retired_.push_back(std::move(loop));
}

absl::Status Notifier::ApplyConfig(NotifierConfig config) {
  absl::Status st = ApplyConfig(std::move(config.alertmanagers));
  if (!st.ok()) return st;
  absl::MutexLock l(&mu_);
  external_labels_ = std::move(config.external_labels);
  alert_relabel_configs_ = std::move(config.alert_relabel_configs);
  return absl::OkStatus();
}

absl::Status Notifier::ApplyConfig(std::vector<AlertmanagerConfig> sets) {
  absl::MutexLock l(&mu_);
  std::vector<std::map<std::string, std::shared_ptr<SendLoop>>> reuse(
      sets.size());
  for (size_t i = 0; i < sets_.size() && i < sets.size(); ++i) {
    for (auto& loop : sets_[i]->loops) reuse[i][loop->url()] = loop;
  }
  std::vector<std::shared_ptr<const AlertmanagerConfig>> cfgs;
  for (AlertmanagerConfig& c : sets) {
    cfgs.push_back(std::make_shared<const AlertmanagerConfig>(std::move(c)));
    // Static targets are config: a bad one fails before anything changes.
    Set check;
    check.cfg = cfgs.back();
    std::map<std::string, std::shared_ptr<SendLoop>> none;
    VIGIL_RETURN_IF_ERROR(RebuildTargets(&check, &none));
  }
  std::vector<std::shared_ptr<Set>> next;
  for (size_t i = 0; i < cfgs.size(); ++i) {
    auto s = std::make_shared<Set>();
    s->cfg = cfgs[i];
    if (i < sets_.size() && SdText(*sets_[i]->cfg) == SdText(*s->cfg)) {
      s->discovered = sets_[i]->discovered;
    }
    // A bad discovered group is skipped (reported by SetTargetGroups).
    (void)RebuildTargets(s.get(), &reuse[i]);
    next.push_back(std::move(s));
  }
  // Loops that are not reused stop; the old sets beyond the new count too.
  std::set<const SendLoop*> kept;
  for (const auto& s : next) {
    for (const auto& loop : s->loops) kept.insert(loop.get());
  }
  for (const auto& s : sets_) {
    for (auto& loop : s->loops) {
      if (kept.count(loop.get()) == 0) Retire(loop);
    }
  }
  sets_ = std::move(next);
  if (started_) {
    for (const auto& s : sets_) {
      for (const auto& loop : s->loops) loop->Start();
    }
  }
  // Forget retired loops that have ended.
  std::vector<std::shared_ptr<SendLoop>> still;
  for (auto& loop : retired_) {
    if (loop->Finished()) {
      loop->Stop(false);  // joins
    } else {
      still.push_back(std::move(loop));
    }
  }
  retired_ = std::move(still);
  return absl::OkStatus();
}

absl::Status Notifier::SetTargetGroups(
    size_t index, const std::vector<sd::TargetGroup>& groups) {
  absl::MutexLock l(&mu_);
  if (index >= sets_.size()) {
    return absl::NotFoundError(absl::StrCat("no alertmanager set ", index));
  }
  const std::shared_ptr<Set>& old = sets_[index];
  std::map<std::string, std::shared_ptr<SendLoop>> reuse;
  for (auto& loop : old->loops) reuse[loop->url()] = loop;
  // Copy-on-write: readers holding the old set keep a consistent view.
  auto s = std::make_shared<Set>();
  s->cfg = old->cfg;
  s->discovered = groups;
  absl::Status st = RebuildTargets(s.get(), &reuse);
  for (auto& [url, loop] : reuse) Retire(loop);
  if (started_) {
    for (const auto& loop : s->loops) loop->Start();
  }
  sets_[index] = std::move(s);
  return st;
}

absl::Status Notifier::SyncGroups(
    const std::map<std::string, std::vector<sd::TargetGroup>>& by_set) {
  absl::Status first;
  for (const auto& [key, groups] : by_set) {
    size_t index;
    if (!absl::StartsWith(key, "config-") ||
        !absl::SimpleAtoi(absl::string_view(key).substr(7), &index)) {
      continue;
    }
    {
      absl::MutexLock l(&mu_);
      if (index >= sets_.size()) continue;  // a job of an older config
    }
    absl::Status st = SetTargetGroups(index, groups);
    if (!st.ok() && first.ok()) first = st;
  }
  return first;
}

void Notifier::Send(std::vector<Alert> alerts) {
  absl::MutexLock l(&mu_);
  if (!external_labels_.empty()) {
    for (Alert& a : alerts) {
      model::LabelsBuilder b(a.labels);
      for (const model::LabelView lv : external_labels_) {
        if (b.Get(lv.name).empty()) b.Set(lv.name, lv.value);
      }
      a.labels = b.Build();
    }
  }
  alerts = Relabel(alerts, alert_relabel_configs_);
  if (alerts.empty()) return;
  for (const auto& s : sets_) {
    if (s->loops.empty()) continue;
    if (s->cfg->alert_relabel_configs.empty()) {
      for (const auto& loop : s->loops) loop->Add(alerts);
      continue;
    }
    std::vector<Alert> mine = Relabel(alerts, s->cfg->alert_relabel_configs);
    if (mine.empty()) continue;
    for (const auto& loop : s->loops) loop->Add(mine);
  }
}

void Notifier::Start() {
  absl::MutexLock l(&mu_);
  started_ = true;
  for (const auto& s : sets_) {
    for (const auto& loop : s->loops) loop->Start();
  }
}

void Notifier::Stop() {
  std::vector<std::shared_ptr<SendLoop>> loops;
  {
    absl::MutexLock l(&mu_);
    started_ = false;
    for (const auto& s : sets_) {
      for (const auto& loop : s->loops) loop->RequestStop(opts_.drain_on_stop);
      loops.insert(loops.end(), s->loops.begin(), s->loops.end());
    }
    loops.insert(loops.end(), retired_.begin(), retired_.end());
    retired_.clear();
  }
  // Drains run in parallel, each bounded by its set's timeout per batch.
  for (auto& loop : loops) loop->Stop(opts_.drain_on_stop);
}

bool Notifier::WaitIdle(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    bool idle = true;
    {
      absl::MutexLock l(&mu_);
      for (const auto& s : sets_) {
        for (const auto& loop : s->loops) idle = idle && loop->Idle();
      }
    }
    if (idle) return true;
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
}

std::vector<std::string> Notifier::AlertmanagerUrls() const {
  absl::MutexLock l(&mu_);
  std::vector<std::string> out;
  for (const auto& s : sets_) {
    for (const auto& loop : s->loops) out.push_back(loop->url());
  }
  return out;
}

std::vector<std::string> Notifier::DroppedAlertmanagerUrls() const {
  absl::MutexLock l(&mu_);
  std::vector<std::string> out;
  for (const auto& s : sets_) {
    out.insert(out.end(), s->dropped_urls.begin(), s->dropped_urls.end());
  }
  return out;
}

std::vector<AlertmanagerStats> Notifier::Stats() const {
  absl::MutexLock l(&mu_);
  std::vector<AlertmanagerStats> out;
  for (const auto& s : sets_) {
    for (const auto& loop : s->loops) out.push_back(loop->Stats());
  }
  return out;
}

model::Labels Notifier::external_labels() const {
  absl::MutexLock l(&mu_);
  return external_labels_;
}

size_t Notifier::queue_length() const {
  absl::MutexLock l(&mu_);
  size_t n = 0;
  for (const auto& s : sets_) {
    for (const auto& loop : s->loops) n += loop->QueueLength();
  }
  return n;
}

}  // namespace vigil::notifier
