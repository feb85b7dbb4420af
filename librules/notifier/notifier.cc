#include "librules/notifier/notifier.h"

#include <curl/curl.h>

#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

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

struct Notifier::Target {
  std::string url;
  std::shared_ptr<AlertmanagerStats> stats;
};

struct Notifier::Set {
  AlertmanagerConfig cfg;
  std::vector<sd::TargetGroup> discovered;
  std::vector<Target> targets;
};

Notifier::Notifier(NotifierOptions options) : opts_(std::move(options)) {}

Notifier::~Notifier() { Stop(); }

absl::Status Notifier::RebuildTargets(Set* set) {
  std::vector<Target> targets;
  std::set<std::string> seen;
  std::vector<const sd::TargetGroup*> groups;
  for (const auto& g : set->cfg.static_configs) groups.push_back(&g);
  for (const auto& g : set->discovered) groups.push_back(&g);
  for (const sd::TargetGroup* g : groups) {
    for (const model::Labels& t : g->targets) {
      model::LabelsBuilder b(g->labels);
      for (const model::LabelView l : t) b.Set(l.name, l.value);
      if (b.Get(kSchemeLabel).empty()) b.Set(kSchemeLabel, set->cfg.scheme);
      if (b.Get(kAlertsPathLabel).empty()) {
        b.Set(kAlertsPathLabel, AlertsPath(set->cfg.path_prefix));
      }
      std::optional<model::Labels> l =
          sd::Process(b.Build(), set->cfg.relabel_configs);
      if (!l) continue;
      std::string addr(l->Get(sd::kAddressLabel));
      if (addr.empty() || absl::StrContains(addr, "/")) {
        return absl::InvalidArgumentError(
            absl::StrCat("\"", addr, "\" is not a valid hostname"));
      }
      std::string url = absl::StrCat(l->Get(kSchemeLabel), "://", addr,
                                     l->Get(kAlertsPathLabel));
      if (!seen.insert(url).second) continue;
      auto& st = stats_[url];
      if (!st) {
        st = std::make_shared<AlertmanagerStats>();
        st->url = url;
      }
      targets.push_back({url, st});
    }
  }
  set->targets = std::move(targets);
  return absl::OkStatus();
}

absl::Status Notifier::ApplyConfig(std::vector<AlertmanagerConfig> sets) {
  absl::MutexLock l(&mu_);
  std::vector<std::shared_ptr<Set>> next;
  for (auto& c : sets) {
    auto s = std::make_shared<Set>();
    s->cfg = std::move(c);
    absl::Status st = RebuildTargets(s.get());
    if (!st.ok()) return st;
    next.push_back(std::move(s));
  }
  sets_ = std::move(next);
  return absl::OkStatus();
}

absl::Status Notifier::SetTargetGroups(
    size_t index, const std::vector<sd::TargetGroup>& groups) {
  absl::MutexLock l(&mu_);
  if (index >= sets_.size()) {
    return absl::NotFoundError(absl::StrCat("no alertmanager set ", index));
  }
  // Copy-on-write: a batch in flight keeps the old set.
  auto s = std::make_shared<Set>(*sets_[index]);
  s->discovered = groups;
  absl::Status st = RebuildTargets(s.get());
  if (!st.ok()) return st;
  sets_[index] = std::move(s);
  return absl::OkStatus();
}

void Notifier::Send(std::vector<Alert> alerts) {
  for (Alert& a : alerts) {
    if (!opts_.external_labels.empty()) {
      model::LabelsBuilder b(a.labels);
      for (const model::LabelView l : opts_.external_labels) {
        if (b.Get(l.name).empty()) b.Set(l.name, l.value);
      }
      a.labels = b.Build();
    }
  }
  alerts = Relabel(alerts, opts_.alert_relabel_configs);
  absl::MutexLock l(&mu_);
  size_t cap = opts_.queue_capacity;
  if (alerts.size() > cap) {
    size_t d = alerts.size() - cap;
    dropped_.fetch_add(d);
    alerts.erase(alerts.begin(), alerts.begin() + d);
  }
  if (queue_.size() + alerts.size() > cap) {
    size_t d = queue_.size() + alerts.size() - cap;
    dropped_.fetch_add(d);
    queue_.erase(queue_.begin(), queue_.begin() + d);
  }
  for (Alert& a : alerts) queue_.push_back(std::move(a));
}

void Notifier::Start() {
  absl::MutexLock l(&mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Notifier::Stop() {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void Notifier::Loop() {
  while (true) {
    std::vector<Alert> batch;
    {
      absl::MutexLock l(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !queue_.empty() || stopping_;
      };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;  // stopping and drained
      size_t n = std::min(queue_.size(), opts_.max_batch_size);
      batch.assign(std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.begin() + n));
      queue_.erase(queue_.begin(), queue_.begin() + n);
      in_flight_ = true;
    }
    SendBatch(batch);
    absl::MutexLock l(&mu_);
    in_flight_ = false;
  }
}

void Notifier::SendBatch(const std::vector<Alert>& batch) {
  std::vector<std::shared_ptr<Set>> sets;
  {
    absl::MutexLock l(&mu_);
    sets = sets_;
  }
  struct Job {
    std::string url;
    std::shared_ptr<AlertmanagerStats> stats;
    const AlertmanagerConfig* cfg;
    std::shared_ptr<std::string> body;
    size_t count;
    bool ok = false;
  };
  std::vector<Job> jobs;
  for (const auto& s : sets) {
    std::vector<Alert> alerts = Relabel(batch, s->cfg.alert_relabel_configs);
    if (alerts.empty()) continue;
    auto body = std::make_shared<std::string>(EncodeAlertsJson(alerts));
    for (const Target& t : s->targets) {
      jobs.push_back({t.url, t.stats, &s->cfg, body, alerts.size()});
    }
  }
  if (jobs.empty()) {
    dropped_.fetch_add(batch.size());
    return;
  }
  std::vector<std::thread> threads;
  threads.reserve(jobs.size());
  for (Job& j : jobs) {
    threads.emplace_back([&j, this] {
      absl::Time start = absl::Now();
      absl::StatusOr<long> r =
          PostJson(j.url, *j.body, j.cfg->http, j.cfg->timeout, opts_.user_agent);
      absl::Duration took = absl::Now() - start;
      absl::MutexLock l(&mu_);
      j.stats->requests++;
      j.stats->last_latency = took;
      if (r.ok()) {
        j.stats->sent += j.count;
        j.ok = true;
      } else {
        j.stats->errors += j.count;
        j.stats->last_error = std::string(r.status().message());
      }
    });
  }
  for (auto& t : threads) t.join();
  bool any = false;
  for (const Job& j : jobs) any = any || j.ok;
  if (!any) dropped_.fetch_add(batch.size());
}

bool Notifier::WaitIdle(absl::Duration timeout) {
  absl::MutexLock l(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return queue_.empty() && !in_flight_;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&idle), timeout);
}

std::vector<std::string> Notifier::AlertmanagerUrls() const {
  absl::MutexLock l(&mu_);
  std::vector<std::string> out;
  for (const auto& s : sets_) {
    for (const Target& t : s->targets) out.push_back(t.url);
  }
  return out;
}

std::vector<AlertmanagerStats> Notifier::Stats() const {
  absl::MutexLock l(&mu_);
  std::vector<AlertmanagerStats> out;
  for (const auto& [url, st] : stats_) out.push_back(*st);
  return out;
}

size_t Notifier::queue_length() const {
  absl::MutexLock l(&mu_);
  return queue_.size();
}

}  // namespace vigil::notifier
