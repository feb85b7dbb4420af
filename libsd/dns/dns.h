// dns_sd_configs: targets from DNS records, re-resolved every
// `refresh_interval` (default 30s). SRV records give <target>:<port>;
// A/AAAA give <ip>:<port>, MX and NS give <host>:<port> with the
// configured `port`. Each queried name is one group (source = the name)
// with __meta_dns_name and, per record type, __meta_dns_srv_record_target,
// __meta_dns_srv_record_port, __meta_dns_mx_record_target or
// __meta_dns_ns_record_target. Lookups use the system resolver
// (resolv.conf search path and servers; libresolv); a failed lookup is
// logged and counted and that name keeps its previous targets.
//
// Thread safety: DnsSDConfig is immutable once parsed; its discoverer
// follows the Discoverer contract.

#ifndef VIGIL_LIBSD_DNS_DNS_H_
#define VIGIL_LIBSD_DNS_DNS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libsd/discoverer.h"
#include "libsd/target_group.h"

namespace YAML {
class Node;
}

namespace vigil::sd {

class DnsSDConfig : public DiscovererConfig {
 public:
  std::vector<std::string> names;
  std::string type = "SRV";  // SRV, A, AAAA, MX, NS
  int port = 0;
  absl::Duration refresh_interval = absl::Seconds(30);
  // Not from YAML: "ip:port" of a single nameserver to use instead of
  // resolv.conf's (tests point it at a local fake server).
  std::string nameserver;
  absl::Duration query_timeout = absl::Seconds(5);

  std::string Name() const override { return "dns"; }
  std::string Fingerprint() const override;
  absl::StatusOr<std::unique_ptr<Discoverer>> NewDiscoverer() const override;
};

// Parses one dns_sd_configs entry. InvalidArgument with Prometheus's
// words: "DNS-SD config must contain at least one SRV record name", "a
// port is required in DNS-SD configs for all record types except SRV",
// "invalid DNS-SD records type X".
absl::StatusOr<std::shared_ptr<DnsSDConfig>> ParseDnsSDConfig(
    const YAML::Node& node, absl::string_view source = "");

// Resolves one name as the discoverer does: the group for `name`, or
// Unavailable/NotFound with the resolver's reason.
absl::StatusOr<TargetGroup> ResolveDnsGroup(const DnsSDConfig& cfg,
                                            const std::string& name);

}  // namespace vigil::sd

#endif  // VIGIL_LIBSD_DNS_DNS_H_
