#include "libsd/kubernetes/kubernetes.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "libsd/internal/yaml_util.h"
#include "libsd/kubernetes/internal/builders.h"
#include "libsd/kubernetes/internal/informer.h"
#include "libsd/kubernetes/internal/meta.h"
#include "model/status_macros.h"
#include "yaml-cpp/yaml.h"

namespace vigil::sd {

namespace ki = kubernetes_internal;
using json = nlohmann::json;

absl::string_view KubernetesRoleName(KubernetesRole role) {
  switch (role) {
    case KubernetesRole::kNode: return "node";
    case KubernetesRole::kPod: return "pod";
    case KubernetesRole::kService: return "service";
    case KubernetesRole::kEndpoints: return "endpoints";
    case KubernetesRole::kEndpointSlice: return "endpointslice";
    case KubernetesRole::kIngress: return "ingress";
  }
  return "";
}

namespace {

// The resource kinds a discoverer may watch, indexed like `kKinds`.
enum Kind {
  kNodes,
  kPods,
  kServices,
  kEndpoints,
  kEndpointSlices,
  kIngresses,
  kNamespaces,
  kNumKinds
};

struct KindInfo {
  const char* role;    // selector role name
  const char* prefix;  // API group path
  const char* resource;
  bool namespaced;
};
constexpr KindInfo kKinds[kNumKinds] = {
    {"node", "/api/v1", "nodes", false},
    {"pod", "/api/v1", "pods", true},
    {"service", "/api/v1", "services", true},
    {"endpoints", "/api/v1", "endpoints", true},
    {"endpointslice", "/apis/discovery.k8s.io/v1", "endpointslices", true},
    {"ingress", "/apis/networking.k8s.io/v1", "ingresses", true},
    // attach_metadata.namespace: every namespace, whatever `namespaces`
    // says (as Prometheus); no selector role.
    {"", "/api/v1", "namespaces", false},
};

Kind PrimaryKind(KubernetesRole r) {
  switch (r) {
    case KubernetesRole::kNode: return kNodes;
    case KubernetesRole::kPod: return kPods;
    case KubernetesRole::kService: return kServices;
    case KubernetesRole::kEndpoints: return kEndpoints;
    case KubernetesRole::kEndpointSlice: return kEndpointSlices;
    case KubernetesRole::kIngress: return kIngresses;
  }
  return kPods;
}

std::string SourcePrefix(KubernetesRole r) {
  switch (r) {
    case KubernetesRole::kNode: return "node/";
    case KubernetesRole::kPod: return "pod/";
    case KubernetesRole::kService: return "svc/";
    case KubernetesRole::kEndpoints: return "endpoints/";
    case KubernetesRole::kEndpointSlice: return "endpointslice/";
    case KubernetesRole::kIngress: return "ingress/";
  }
  return "";
}

absl::StatusOr<std::string> ReadFileTrimmed(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("open ", path, ": no such file or directory"));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(ss.str()));
}

class KubernetesDiscoverer : public Discoverer {
 public:
  KubernetesDiscoverer(KubernetesSDConfig cfg, std::string base_url,
                       HTTPClientConfig http, std::vector<std::string> nss)
      : cfg_(std::move(cfg)),
        base_url_(std::move(base_url)),
        http_(std::move(http)),
        namespaces_(std::move(nss)),
        primary_(PrimaryKind(cfg_.role)) {}

  const RefreshMetrics* metrics() const override { return &metrics_; }

  void Run(const absl::Notification& stop, const SendFn& send) override {
    {
      absl::MutexLock l(&mu_);
      send_ = &send;
    }
    std::vector<Kind> kinds = {primary_};
    if (cfg_.role == KubernetesRole::kEndpoints ||
        cfg_.role == KubernetesRole::kEndpointSlice) {
      kinds.push_back(kServices);
      kinds.push_back(kPods);
    }
    if (cfg_.attach_node &&
        (cfg_.role == KubernetesRole::kPod || cfg_.role == KubernetesRole::kEndpoints ||
         cfg_.role == KubernetesRole::kEndpointSlice)) {
      kinds.push_back(kNodes);
    }
    if (AttachesNamespace()) kinds.push_back(kNamespaces);
    std::vector<std::unique_ptr<ki::Informer>> informers;
    for (Kind k : kinds) {
      std::vector<std::string> nss = {""};
      if (kKinds[k].namespaced && !namespaces_.empty()) nss = namespaces_;
      for (const std::string& ns : nss) {
        ki::InformerOptions o;
        o.base_url = base_url_;
        o.path = ns.empty()
                     ? absl::StrCat(kKinds[k].prefix, "/", kKinds[k].resource)
                     : absl::StrCat(kKinds[k].prefix, "/namespaces/", ns, "/",
                                    kKinds[k].resource);
        for (const KubernetesSelector& s : cfg_.selectors) {
          if (s.role == kKinds[k].role) {
            o.label_selector = s.label;
            o.field_selector = s.field;
          }
        }
        o.watch_timeout = cfg_.watch_timeout;
        o.min_backoff = cfg_.min_backoff;
        size_t index = informers.size();
        informers.push_back(std::make_unique<ki::Informer>(
            o, http_,
            [this, k, ns, index](std::vector<json> items) {
              OnList(index, k, ns, std::move(items));
            },
            [this, k](ki::EventType t, const json& obj) { OnEvent(k, t, obj); },
            &metrics_));
      }
    }
    {
      absl::MutexLock l(&mu_);
      synced_.assign(informers.size(), false);
    }
    std::vector<std::thread> threads;
    for (auto& inf : informers) {
      ki::Informer* raw = inf.get();
      threads.emplace_back([raw, &stop] { raw->Run(stop); });
    }
    stop.WaitForNotification();
    for (auto& t : threads) t.join();
    absl::MutexLock l(&mu_);
    send_ = nullptr;
  }

 private:
  using Store = std::map<std::string, json>;

  ki::Lookups MakeLookups() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ki::Lookups l;
    l.pod = [this](const std::string& key) ABSL_NO_THREAD_SAFETY_ANALYSIS {
      auto it = stores_[kPods].find(key);
      return it == stores_[kPods].end() ? nullptr : &it->second;
    };
    l.service = [this](const std::string& key) ABSL_NO_THREAD_SAFETY_ANALYSIS {
      auto it = stores_[kServices].find(key);
      return it == stores_[kServices].end() ? nullptr : &it->second;
    };
    if (cfg_.attach_node) {
      l.node = [this](const std::string& key) ABSL_NO_THREAD_SAFETY_ANALYSIS {
        auto it = stores_[kNodes].find(key);
        return it == stores_[kNodes].end() ? nullptr : &it->second;
      };
    }
    return l;
  }

  // attach_metadata.namespace applies to every role but node.
  bool AttachesNamespace() const {
    return cfg_.attach_namespace && cfg_.role != KubernetesRole::kNode;
  }

  TargetGroup BuildGroup(const json& obj) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ki::Lookups l = MakeLookups();
    switch (cfg_.role) {
      case KubernetesRole::kNode: return ki::BuildNode(obj);
      case KubernetesRole::kPod: return ki::BuildPod(obj, l);
      case KubernetesRole::kService: return ki::BuildService(obj);
      case KubernetesRole::kEndpoints: return ki::BuildEndpoints(obj, l);
      case KubernetesRole::kEndpointSlice: return ki::BuildEndpointSlice(obj, l);
      case KubernetesRole::kIngress: return ki::BuildIngress(obj);
    }
    return TargetGroup();
  }

  TargetGroup Build(const json& obj) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    TargetGroup tg = BuildGroup(obj);
    if (!AttachesNamespace()) return tg;
    auto ns = stores_[kNamespaces].find(ki::Str(obj, {"metadata", "namespace"}));
    if (ns == stores_[kNamespaces].end()) return tg;
    // The group labels merged with the namespace's labels and annotations
    // (addNamespaceLabels): __meta_kubernetes_namespace_label_<name>, ...
    ki::LabelMap labels;
    for (model::LabelView v : tg.labels) {
      labels[std::string(v.name)] = std::string(v.value);
    }
    ki::AddNamespaceMetadata(ns->second, &labels);
    tg.labels = ki::ToLabels(labels);
    return tg;
  }

  // Builds and sends the groups of the given primary keys (removed keys
  // get empty groups).
  void SendKeys(const std::set<std::string>& keys)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    // Like informers' WaitForCacheSync: nothing goes out before every
    // watched collection was listed once, so joins (service, pod) are
    // complete in the first groups.
    if (keys.empty() || send_ == nullptr || !all_synced_) return;
    std::vector<TargetGroup> groups;
    const Store& primary = stores_[primary_];
    for (const std::string& key : keys) {
      auto it = primary.find(key);
      if (it == primary.end()) {
        TargetGroup gone;
        gone.source = SourcePrefix(cfg_.role) + key;
        groups.push_back(std::move(gone));
      } else {
        groups.push_back(Build(it->second));
      }
    }
    (*send_)(std::move(groups));
  }

  std::set<std::string> AllPrimaryKeys() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::set<std::string> keys;
    for (const auto& [k, v] : stores_[primary_]) keys.insert(k);
    return keys;
  }

  void OnList(size_t index, Kind kind, const std::string& ns,
              std::vector<json> items) {
    absl::MutexLock l(&mu_);
    bool first_sync = false;
    if (!all_synced_ && index < synced_.size()) {
      synced_[index] = true;
      all_synced_ = std::all_of(synced_.begin(), synced_.end(),
                                [](bool b) { return b; });
      first_sync = all_synced_;
    }
    Store& store = stores_[kind];
    std::set<std::string> affected;
    std::string prefix = ns.empty() ? "" : ns + "/";
    for (auto it = store.begin(); it != store.end();) {
      if (absl::StartsWith(it->first, prefix)) {
        affected.insert(it->first);
        it = store.erase(it);
      } else {
        ++it;
      }
    }
    for (json& obj : items) {
      std::string key = ki::ObjectKey(obj);
      affected.insert(key);
      store[key] = std::move(obj);
    }
    if (kind != primary_ || first_sync) affected = AllPrimaryKeys();
    SendKeys(affected);
  }

  // Primary objects whose targets depend on the pod `key`.
  void PodDependents(const std::string& pod_ns, const std::string& pod_name,
                     std::set<std::string>* out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto refers = [&](const json& ref) {
      return ref.is_object() && ki::Str(ref, {"kind"}) == "Pod" &&
             ki::Str(ref, {"name"}) == pod_name;
    };
    for (const auto& [key, obj] : stores_[primary_]) {
      if (ki::Str(obj, {"metadata", "namespace"}) != pod_ns) continue;
      bool hit = false;
      if (primary_ == kEndpoints) {
        const json& subsets = ki::At(obj, {"subsets"});
        if (!subsets.is_array()) continue;
        for (const json& ss : subsets) {
          for (const char* f : {"addresses", "notReadyAddresses"}) {
            const json& addrs = ki::At(ss, {f});
            if (!addrs.is_array()) continue;
            for (const json& a : addrs) hit = hit || refers(ki::At(a, {"targetRef"}));
          }
        }
      } else if (primary_ == kEndpointSlices) {
        const json& eps = ki::At(obj, {"endpoints"});
        if (!eps.is_array()) continue;
        for (const json& e : eps) hit = hit || refers(ki::At(e, {"targetRef"}));
      }
      if (hit) out->insert(key);
    }
  }

  void OnEvent(Kind kind, ki::EventType type, const json& obj) {
    absl::MutexLock l(&mu_);
    std::string key = ki::ObjectKey(obj);
    if (type == ki::EventType::kDeleted) {
      stores_[kind].erase(key);
    } else {
      stores_[kind][key] = obj;
    }
    std::set<std::string> affected;
    std::string ns = ki::Str(obj, {"metadata", "namespace"});
    std::string name = ki::Str(obj, {"metadata", "name"});
    if (kind == primary_) {
      affected.insert(key);
    } else if (kind == kServices && primary_ == kEndpoints) {
      if (stores_[kEndpoints].count(key)) affected.insert(key);
    } else if (kind == kServices && primary_ == kEndpointSlices) {
      for (const auto& [k, eps] : stores_[kEndpointSlices]) {
        if (ki::Str(eps, {"metadata", "namespace"}) == ns &&
            ki::Str(eps, {"metadata", "labels", "kubernetes.io/service-name"}) ==
                name) {
          affected.insert(k);
        }
      }
    } else if (kind == kPods) {
      PodDependents(ns, name, &affected);
    } else if (kind == kNodes) {
      affected = AllPrimaryKeys();
    } else if (kind == kNamespaces) {
      for (const auto& [k, o] : stores_[primary_]) {
        if (ki::Str(o, {"metadata", "namespace"}) == name) affected.insert(k);
      }
    }
    SendKeys(affected);
  }

  const KubernetesSDConfig cfg_;
  const std::string base_url_;
  const HTTPClientConfig http_;
  const std::vector<std::string> namespaces_;
  const Kind primary_;
  RefreshMetrics metrics_;

  absl::Mutex mu_;
  Store stores_[kNumKinds] ABSL_GUARDED_BY(mu_);
  const SendFn* send_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::vector<bool> synced_ ABSL_GUARDED_BY(mu_);
  bool all_synced_ ABSL_GUARDED_BY(mu_) = false;
};

// The current context of a kubeconfig file as base URL + HTTP config +
// namespace.
absl::Status LoadKubeconfig(const std::string& path, std::string* base_url,
                            HTTPClientConfig* http) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return absl::FailedPreconditionError(
        absl::StrCat("unable to load kubeconfig ", path, ": ", e.what()));
  }
  try {
    auto find = [&](const char* list, const std::string& name,
                    const char* inner) -> YAML::Node {
      for (const YAML::Node& item : root[list]) {
        if (item["name"] && item["name"].as<std::string>() == name) return item[inner];
      }
      return YAML::Node(YAML::NodeType::Undefined);
    };
    std::string ctx_name =
        root["current-context"] ? root["current-context"].as<std::string>() : "";
    YAML::Node ctx = find("contexts", ctx_name, "context");
    if (!ctx) {
      return absl::FailedPreconditionError(absl::StrCat(
          "kubeconfig ", path, ": context \"", ctx_name, "\" not found"));
    }
    std::string cluster_name = ctx["cluster"] ? ctx["cluster"].as<std::string>() : "";
    std::string user_name = ctx["user"] ? ctx["user"].as<std::string>() : "";
    YAML::Node cluster = find("clusters", cluster_name, "cluster");
    if (!cluster || !cluster["server"]) {
      return absl::FailedPreconditionError(absl::StrCat(
          "kubeconfig ", path, ": cluster \"", cluster_name, "\" has no server"));
    }
    *base_url = cluster["server"].as<std::string>();
    auto b64 = [&](const YAML::Node& n, std::string* out) -> absl::Status {
      if (!n) return absl::OkStatus();
      if (!absl::Base64Unescape(n.as<std::string>(), out)) {
        return absl::FailedPreconditionError(
            absl::StrCat("kubeconfig ", path, ": invalid base64 data"));
      }
      return absl::OkStatus();
    };
    if (cluster["certificate-authority"]) {
      http->tls.ca_file = cluster["certificate-authority"].as<std::string>();
    }
    VIGIL_RETURN_IF_ERROR(b64(cluster["certificate-authority-data"], &http->tls.ca));
    if (cluster["insecure-skip-tls-verify"]) {
      http->tls.insecure_skip_verify = cluster["insecure-skip-tls-verify"].as<bool>();
    }
    YAML::Node user = find("users", user_name, "user");
    if (user) {
      if (user["token"]) {
        http->auth_type = "Bearer";
        http->credentials = user["token"].as<std::string>();
      } else if (user["tokenFile"]) {
        http->auth_type = "Bearer";
        http->credentials_file = user["tokenFile"].as<std::string>();
      }
      if (user["client-certificate"]) {
        http->tls.cert_file = user["client-certificate"].as<std::string>();
      }
      if (user["client-key"]) http->tls.key_file = user["client-key"].as<std::string>();
      VIGIL_RETURN_IF_ERROR(b64(user["client-certificate-data"], &http->tls.cert));
      VIGIL_RETURN_IF_ERROR(b64(user["client-key-data"], &http->tls.key));
      if (user["username"]) {
        http->has_basic_auth = true;
        http->username = user["username"].as<std::string>();
        if (user["password"]) http->password = user["password"].as<std::string>();
      }
    }
  } catch (const YAML::Exception& e) {
    return absl::FailedPreconditionError(
        absl::StrCat("invalid kubeconfig ", path, ": ", e.what()));
  }
  return absl::OkStatus();
}

// `api_server` as Prometheus ends up using it. The value is a Go url.URL
// handed to client-go as rest.Config.Host; client-go puts "http://" in
// front of a value without scheme and host ("example.com",
// "localhost:6443", "example.com/prefix"), since Prometheus passes its TLS
// settings inside the transport rather than as rest.Config TLS fields. Go's
// url.Parse already refuses "10.0.0.1:6443" (a colon in the first path
// segment), so the config does not load in Prometheus either.
absl::StatusOr<std::string> NormalizeApiServer(const std::string& s) {
  auto invalid = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid api_server URL ", model::QuoteString(s), ": ", why));
  };
  if (absl::StrContains(s, "://")) {
    if (!absl::StartsWith(s, "http://") && !absl::StartsWith(s, "https://")) {
      return invalid("scheme must be http or https");
    }
    return s;
  }
  // Go's getScheme: letters first, then letters, digits, '+', '-', '.'
  // up to a ':'.
  bool has_scheme = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (absl::ascii_isalpha(c)) continue;
    if (absl::ascii_isdigit(c) || c == '+' || c == '-' || c == '.') {
      if (i == 0) break;
      continue;
    }
    if (c == ':') {
      if (i == 0) return invalid("missing protocol scheme");
      has_scheme = true;
    }
    break;
  }
  size_t slash = s.find('/');
  size_t colon = s.find(':');
  if (!has_scheme && colon != std::string::npos &&
      (slash == std::string::npos || colon < slash)) {
    return invalid("first path segment in URL cannot contain colon");
  }
  return absl::StrCat("http://", s);
}

}  // namespace

std::string KubernetesSDConfig::Fingerprint() const {
  std::string sel;
  for (const auto& s : selectors) absl::StrAppend(&sel, s.role, "/", s.label, "/", s.field, ";");
  return absl::StrCat(
      KubernetesRoleName(role), "|", api_server, "|", kubeconfig_file, "|",
      own_namespace, absl::StrJoin(namespaces, ","), "|", sel, "|", attach_node,
      attach_namespace, "|", http.Fingerprint(), "|", service_account_dir, "|",
      absl::FormatDuration(watch_timeout));
}

absl::StatusOr<std::unique_ptr<Discoverer>> KubernetesSDConfig::NewDiscoverer()
    const {
  std::string base_url;
  HTTPClientConfig client = http;
  if (!api_server.empty()) {
    base_url = api_server;
  } else if (!kubeconfig_file.empty()) {
    client = HTTPClientConfig();
    VIGIL_RETURN_IF_ERROR(LoadKubeconfig(kubeconfig_file, &base_url, &client));
  } else {
    const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
    const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
    if (host == nullptr || port == nullptr || !*host || !*port) {
      return absl::FailedPreconditionError(
          "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST "
          "and KUBERNETES_SERVICE_PORT must be defined");
    }
    std::string token_file = service_account_dir + "/token";
    VIGIL_RETURN_IF_ERROR(ReadFileTrimmed(token_file).status());
    base_url = absl::StrCat("https://", ki::JoinHostPort(host, port));
    client = HTTPClientConfig();
    client.auth_type = "Bearer";
    client.credentials_file = token_file;
    client.tls.ca_file = service_account_dir + "/ca.crt";
  }
  while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
  std::vector<std::string> nss = namespaces;
  if (own_namespace) {
    VIGIL_ASSIGN_OR_RETURN(std::string own,
                           ReadFileTrimmed(service_account_dir + "/namespace"));
    nss.push_back(own);
  }
  return std::unique_ptr<Discoverer>(
      new KubernetesDiscoverer(*this, base_url, client, nss));
}

absl::StatusOr<std::shared_ptr<KubernetesSDConfig>> ParseKubernetesSDConfig(
    const YAML::Node& node, absl::string_view source) {
  using internal::Field;
  using internal::YamlError;
  try {
    std::vector<absl::string_view> fields = HTTPClientConfigFields();
    for (absl::string_view f : {"role", "api_server", "kubeconfig_file",
                                "namespaces", "selectors", "attach_metadata"}) {
      fields.push_back(f);
    }
    VIGIL_RETURN_IF_ERROR(
        internal::CheckMap(node, fields, "kubernetes.plain", source));
    auto cfg = std::make_shared<KubernetesSDConfig>();
    VIGIL_ASSIGN_OR_RETURN(std::string role,
                           internal::ReadString(Field(node, "role"), source));
    if (role.empty()) {
      return YamlError(node, source,
                       "role missing (one of: pod, service, endpoints, "
                       "endpointslice, node, ingress)");
    }
    bool found = false;
    for (KubernetesRole r :
         {KubernetesRole::kNode, KubernetesRole::kPod, KubernetesRole::kService,
          KubernetesRole::kEndpoints, KubernetesRole::kEndpointSlice,
          KubernetesRole::kIngress}) {
      if (KubernetesRoleName(r) == role) {
        cfg->role = r;
        found = true;
      }
    }
    if (!found) {
      return YamlError(Field(node, "role"), source,
                       absl::StrCat("unknown Kubernetes SD role ",
                                    model::QuoteString(role)));
    }
    VIGIL_ASSIGN_OR_RETURN(cfg->api_server,
                           internal::ReadString(Field(node, "api_server"), source));
    VIGIL_ASSIGN_OR_RETURN(
        cfg->kubeconfig_file,
        internal::ReadString(Field(node, "kubeconfig_file"), source));
    VIGIL_ASSIGN_OR_RETURN(cfg->http, ParseHTTPClientConfig(node, source));
    YAML::Node ns = Field(node, "namespaces");
    VIGIL_RETURN_IF_ERROR(internal::CheckMap(ns, {"own_namespace", "names"},
                                             "kubernetes.NamespaceDiscovery", source));
    VIGIL_ASSIGN_OR_RETURN(cfg->own_namespace,
                           internal::ReadBool(Field(ns, "own_namespace"), source));
    VIGIL_ASSIGN_OR_RETURN(cfg->namespaces,
                           internal::ReadStringList(Field(ns, "names"), source));
    YAML::Node am = Field(node, "attach_metadata");
    VIGIL_RETURN_IF_ERROR(internal::CheckMap(
        am, {"node", "namespace", "deployment", "job", "cronjob"},
        "kubernetes.AttachMetadataConfig", source));
    VIGIL_ASSIGN_OR_RETURN(cfg->attach_node,
                           internal::ReadBool(Field(am, "node"), source));
    VIGIL_ASSIGN_OR_RETURN(cfg->attach_namespace,
                           internal::ReadBool(Field(am, "namespace"), source));
    for (const char* unsupported : {"deployment", "job", "cronjob"}) {
      VIGIL_ASSIGN_OR_RETURN(bool on,
                             internal::ReadBool(Field(am, unsupported), source));
      if (on) {
        return absl::UnimplementedError(absl::StrCat(
            source, ": attach_metadata.", unsupported,
            " is not supported by Vigil yet"));
      }
    }

    bool custom_http = false;
    for (absl::string_view f : HTTPClientConfigFields()) {
      if (f == "follow_redirects" || f == "enable_http2") continue;
      if (Field(node, f).IsDefined()) custom_http = true;
    }
    if (!cfg->api_server.empty() && !cfg->kubeconfig_file.empty()) {
      return YamlError(node, source,
                       "cannot use 'kubeconfig_file' and 'api_server' "
                       "simultaneously");
    }
    if (!cfg->kubeconfig_file.empty() && custom_http) {
      return YamlError(node, source,
                       "cannot use a custom HTTP client configuration together "
                       "with 'kubeconfig_file'");
    }
    if (cfg->api_server.empty() && cfg->kubeconfig_file.empty() && custom_http) {
      return YamlError(node, source,
                       "to use custom HTTP client configuration please provide "
                       "the 'api_server' URL explicitly");
    }
    if (!cfg->api_server.empty() && cfg->own_namespace) {
      return YamlError(node, source,
                       "cannot use 'api_server' and 'namespaces.own_namespace' "
                       "simultaneously");
    }
    if (!cfg->kubeconfig_file.empty() && cfg->own_namespace) {
      return YamlError(node, source,
                       "cannot use 'kubeconfig_file' and "
                       "'namespaces.own_namespace' simultaneously");
    }
    if (!cfg->api_server.empty()) {
      absl::StatusOr<std::string> u = NormalizeApiServer(cfg->api_server);
      if (!u.ok()) {
        return YamlError(Field(node, "api_server"), source, u.status().message());
      }
      cfg->api_server = *u;
    }

    static const std::map<std::string, std::vector<std::string>> kAllowed = {
        {"pod", {"pod", "node"}},
        {"service", {"service"}},
        {"endpointslice", {"pod", "service", "endpointslice"}},
        {"endpoints", {"pod", "service", "endpoints"}},
        {"node", {"node"}},
        {"ingress", {"ingress"}},
    };
    YAML::Node sels = Field(node, "selectors");
    if (sels.IsDefined() && !sels.IsNull()) {
      if (!sels.IsSequence()) {
        return YamlError(sels, source, "selectors must be a list");
      }
      std::set<std::string> seen;
      for (const YAML::Node& s : sels) {
        VIGIL_RETURN_IF_ERROR(internal::CheckMap(
            s, {"role", "label", "field"}, "kubernetes.SelectorConfig", source));
        KubernetesSelector sel;
        VIGIL_ASSIGN_OR_RETURN(sel.role, internal::ReadString(Field(s, "role"), source));
        VIGIL_ASSIGN_OR_RETURN(sel.label, internal::ReadString(Field(s, "label"), source));
        VIGIL_ASSIGN_OR_RETURN(sel.field, internal::ReadString(Field(s, "field"), source));
        if (!seen.insert(sel.role).second) {
          return YamlError(s, source,
                           absl::StrCat("duplicated selector role: ", sel.role));
        }
        const auto& allowed = kAllowed.at(role);
        bool ok = false;
        for (const auto& a : allowed) ok = ok || a == sel.role;
        if (!ok) {
          return YamlError(s, source,
                           absl::StrCat(role, " role supports only ",
                                        absl::StrJoin(allowed, ", "),
                                        " selectors"));
        }
        cfg->selectors.push_back(std::move(sel));
      }
    }
    return cfg;
  } catch (const YAML::Exception& e) {
    return internal::FromYamlException(e, source);
  }
}

}  // namespace vigil::sd
