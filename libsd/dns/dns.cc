#include "libsd/dns/dns.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <netdb.h>
#include <resolv.h>

#include <cstring>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "libsd/internal/yaml_util.h"
#include "model/status_macros.h"
#include "yaml-cpp/yaml.h"

namespace vigil::sd {
namespace {

std::string HostPort(absl::string_view host, int port) {
  if (host.find(':') != absl::string_view::npos) {
    return absl::StrCat("[", host, "]:", port);
  }
  return absl::StrCat(host, ":", port);
}

// Per-thread resolver state (res_state is not thread-safe).
struct Resolver {
  struct __res_state st;
  bool ok = false;
  explicit Resolver(const DnsSDConfig& cfg) {
    std::memset(&st, 0, sizeof st);
    if (res_ninit(&st) != 0) return;
    ok = true;
    int secs = std::max<int>(1, absl::ToInt64Seconds(cfg.query_timeout));
    st.retrans = secs;
    st.retry = 2;
    if (!cfg.nameserver.empty()) {
      absl::string_view hp = cfg.nameserver;
      size_t colon = hp.rfind(':');
      int port = 53;
      std::string host(hp);
      if (colon != absl::string_view::npos) {
        host = std::string(hp.substr(0, colon));
        if (!absl::SimpleAtoi(hp.substr(colon + 1), &port)) port = 53;
      }
      struct sockaddr_in sa;
      std::memset(&sa, 0, sizeof sa);
      sa.sin_family = AF_INET;
      sa.sin_port = htons(static_cast<uint16_t>(port));
      if (inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1) {
        ok = false;
        return;
      }
      st.nsaddr_list[0] = sa;
      st.nscount = 1;
    }
  }
  ~Resolver() {
    if (ok) res_nclose(&st);
  }
};

int QueryType(const std::string& t) {
  if (t == "A") return ns_t_a;
  if (t == "AAAA") return ns_t_aaaa;
  if (t == "MX") return ns_t_mx;
  if (t == "NS") return ns_t_ns;
  return ns_t_srv;
}

class DnsDiscoverer : public Discoverer {
 public:
  explicit DnsDiscoverer(DnsSDConfig cfg) : cfg_(std::move(cfg)) {}

  void Run(const absl::Notification& stop, const SendFn& send) override {
    do {
      std::vector<TargetGroup> groups;
      for (const std::string& name : cfg_.names) {
        if (stop.HasBeenNotified()) return;
        ++metrics_.refreshes;
        auto g = ResolveDnsGroup(cfg_, name);
        if (!g.ok()) {
          ++metrics_.failures;
          LogDiscoveryError("dns", absl::StrCat("Error refreshing DNS targets: ",
                                                g.status().message()));
          continue;  // keep this name's previous targets
        }
        groups.push_back(*std::move(g));
      }
      if (!groups.empty()) send(std::move(groups));
    } while (!stop.WaitForNotificationWithTimeout(cfg_.refresh_interval));
  }

  const RefreshMetrics* metrics() const override { return &metrics_; }

 private:
  const DnsSDConfig cfg_;
  RefreshMetrics metrics_;
};

}  // namespace

absl::StatusOr<TargetGroup> ResolveDnsGroup(const DnsSDConfig& cfg,
                                            const std::string& name) {
  Resolver r(cfg);
  if (!r.ok) {
    return absl::UnavailableError(
        absl::StrCat("could not initialise the DNS resolver for ", name));
  }
  unsigned char answer[65536];
  int qtype = QueryType(cfg.type);
  int len = res_nsearch(&r.st, name.c_str(), ns_c_in, qtype, answer,
                        sizeof answer);
  TargetGroup tg;
  tg.source = name;
  if (len < 0) {
    // NXDOMAIN / no data: an empty group, as Prometheus sends for a name
    // without records; other errors fail the refresh.
    if (r.st.res_h_errno == HOST_NOT_FOUND || r.st.res_h_errno == NO_DATA) {
      return tg;
    }
    return absl::UnavailableError(
        absl::StrCat("could not resolve \"", name, "\": ",
                     hstrerror(r.st.res_h_errno)));
  }
  ns_msg msg;
  if (ns_initparse(answer, len, &msg) != 0) {
    return absl::DataLossError(absl::StrCat("malformed DNS answer for ", name));
  }
  int n = ns_msg_count(msg, ns_s_an);
  for (int i = 0; i < n; ++i) {
    ns_rr rr;
    if (ns_parserr(&msg, ns_s_an, i, &rr) != 0) continue;
    const unsigned char* rd = ns_rr_rdata(rr);
    int rdlen = ns_rr_rdlen(rr);
    char host[NS_MAXDNAME];
    std::map<std::string, std::string> t;
    t["__meta_dns_name"] = name;
    switch (ns_rr_type(rr)) {
      case ns_t_srv: {
        if (rdlen < 7) continue;
        int port = (rd[4] << 8) | rd[5];
        if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), rd + 6, host,
                      sizeof host) < 0) {
          continue;
        }
        std::string target = absl::StrCat(host, ".");
        if (std::strcmp(host, ".") == 0 || host[0] == '\0') target = ".";
        t["__meta_dns_srv_record_target"] = target;
        t["__meta_dns_srv_record_port"] = absl::StrCat(port);
        t["__address__"] = HostPort(absl::StripSuffix(target, "."), port);
        break;
      }
      case ns_t_mx: {
        if (rdlen < 3 || dn_expand(ns_msg_base(msg), ns_msg_end(msg), rd + 2,
                                   host, sizeof host) < 0) {
          continue;
        }
        std::string target = absl::StrCat(host, ".");
        t["__meta_dns_mx_record_target"] = target;
        t["__address__"] = HostPort(absl::StripSuffix(target, "."), cfg.port);
        break;
      }
      case ns_t_ns: {
        if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), rd, host, sizeof host) < 0) {
          continue;
        }
        std::string target = absl::StrCat(host, ".");
        t["__meta_dns_ns_record_target"] = target;
        t["__address__"] = HostPort(absl::StripSuffix(target, "."), cfg.port);
        break;
      }
      case ns_t_a: {
        if (rdlen != 4) continue;
        char buf[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, rd, buf, sizeof buf);
        t["__address__"] = HostPort(buf, cfg.port);
        break;
      }
      case ns_t_aaaa: {
        if (rdlen != 16) continue;
        char buf[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, rd, buf, sizeof buf);
        t["__address__"] = HostPort(buf, cfg.port);
        break;
      }
      default:
        continue;  // CNAMEs in A answers and the like
    }
    std::vector<std::pair<std::string, std::string>> pairs(t.begin(), t.end());
    tg.targets.push_back(model::Labels::FromPairs(pairs));
  }
  return tg;
}

std::string DnsSDConfig::Fingerprint() const {
  return absl::StrCat(absl::StrJoin(names, ","), "|", type, "|", port, "|",
                      absl::FormatDuration(refresh_interval), "|", nameserver);
}

absl::StatusOr<std::unique_ptr<Discoverer>> DnsSDConfig::NewDiscoverer() const {
  return std::unique_ptr<Discoverer>(new DnsDiscoverer(*this));
}

absl::StatusOr<std::shared_ptr<DnsSDConfig>> ParseDnsSDConfig(
    const YAML::Node& node, absl::string_view source) {
  using internal::Field;
  try {
    VIGIL_RETURN_IF_ERROR(internal::CheckMap(
        node, {"names", "type", "port", "refresh_interval"}, "dns.plain",
        source));
    auto cfg = std::make_shared<DnsSDConfig>();
    VIGIL_ASSIGN_OR_RETURN(cfg->names,
                           internal::ReadStringList(Field(node, "names"), source));
    if (cfg->names.empty()) {
      return internal::YamlError(
          node, source, "DNS-SD config must contain at least one SRV record name");
    }
    YAML::Node tn = Field(node, "type");
    if (tn.IsDefined() && !tn.IsNull()) {
      VIGIL_ASSIGN_OR_RETURN(std::string t, internal::ReadString(tn, source));
      cfg->type = absl::AsciiStrToUpper(t);
    }
    VIGIL_ASSIGN_OR_RETURN(int64_t port,
                           internal::ReadInt64(Field(node, "port"), source));
    if (port < 0 || port > 65535) {
      return internal::YamlError(Field(node, "port"), source,
                                 absl::StrCat("invalid port ", port));
    }
    cfg->port = static_cast<int>(port);
    if (cfg->type == "A" || cfg->type == "AAAA" || cfg->type == "MX" ||
        cfg->type == "NS") {
      if (cfg->port == 0) {
        return internal::YamlError(node, source,
                                   "a port is required in DNS-SD configs for "
                                   "all record types except SRV");
      }
    } else if (cfg->type != "SRV") {
      return internal::YamlError(
          tn, source, absl::StrCat("invalid DNS-SD records type ", cfg->type));
    }
    YAML::Node ri = Field(node, "refresh_interval");
    if (ri.IsDefined() && !ri.IsNull()) {
      VIGIL_ASSIGN_OR_RETURN(cfg->refresh_interval,
                             internal::ReadDuration(ri, source));
      if (cfg->refresh_interval <= absl::ZeroDuration()) {
        return internal::YamlError(ri, source, "refresh_interval must be positive");
      }
    }
    return cfg;
  } catch (const YAML::Exception& e) {
    return internal::FromYamlException(e, source);
  }
}

}  // namespace vigil::sd
