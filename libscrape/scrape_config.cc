#include "libscrape/scrape_config.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libsd/internal/yaml_util.h"
#include "model/status_macros.h"

namespace vigil::scrape {
namespace {

using sd::internal::ReadBool;
using sd::internal::ReadDouble;
using sd::internal::ReadDuration;
using sd::internal::ReadString;
using sd::internal::ReadStringList;
using sd::internal::YamlError;

// The limits are Go `uint` fields, as type-mismatch errors name them.
absl::StatusOr<uint64_t> ReadUint(const YAML::Node& node,
                                  absl::string_view source) {
  return sd::internal::ReadUint64(node, source, "uint");
}

absl::Status CheckKeys(const YAML::Node& node,
                       std::initializer_list<absl::string_view> keys,
                       absl::string_view type, absl::string_view source) {
  if (!node.IsDefined() || node.IsNull()) return absl::OkStatus();
  if (!node.IsMap()) {
    return YamlError(node, source,
                     absl::StrCat("cannot unmarshal into ", type));
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.Scalar();
    bool ok = false;
    for (absl::string_view k : keys) ok = ok || k == key;
    if (!ok) {
      return YamlError(it->first, source,
                       absl::StrCat("field ", key, " not found in type ", type));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<TlsConfig> ParseTls(const YAML::Node& n,
                                   absl::string_view source) {
  TlsConfig t;
  VIGIL_RETURN_IF_ERROR(CheckKeys(
      n,
      {"ca", "ca_file", "ca_ref", "cert", "cert_file", "cert_ref", "key",
       "key_file", "key_ref", "server_name", "insecure_skip_verify",
       "min_version", "max_version"},
      "config.TLSConfig", source));
  VIGIL_ASSIGN_OR_RETURN(t.ca, ReadString(n["ca"], source));
  VIGIL_ASSIGN_OR_RETURN(t.ca_file, ReadString(n["ca_file"], source));
  VIGIL_ASSIGN_OR_RETURN(t.cert, ReadString(n["cert"], source));
  VIGIL_ASSIGN_OR_RETURN(t.cert_file, ReadString(n["cert_file"], source));
  VIGIL_ASSIGN_OR_RETURN(t.key, ReadString(n["key"], source));
  VIGIL_ASSIGN_OR_RETURN(t.key_file, ReadString(n["key_file"], source));
  VIGIL_ASSIGN_OR_RETURN(t.server_name, ReadString(n["server_name"], source));
  VIGIL_ASSIGN_OR_RETURN(t.insecure_skip_verify,
                         ReadBool(n["insecure_skip_verify"], source));
  VIGIL_ASSIGN_OR_RETURN(t.min_version, ReadString(n["min_version"], source));
  VIGIL_ASSIGN_OR_RETURN(t.max_version, ReadString(n["max_version"], source));
  for (const std::string* v : {&t.min_version, &t.max_version}) {
    if (!v->empty() && *v != "TLS10" && *v != "TLS11" && *v != "TLS12" &&
        *v != "TLS13") {
      return YamlError(n, source, absl::StrCat("unknown TLS version: ", *v));
    }
  }
  if (!t.ca.empty() && !t.ca_file.empty()) {
    return YamlError(n, source,
                     "at most one of ca and ca_file must be configured");
  }
  if (!t.cert.empty() && !t.cert_file.empty()) {
    return YamlError(n, source,
                     "at most one of cert and cert_file must be configured");
  }
  if (!t.key.empty() && !t.key_file.empty()) {
    return YamlError(n, source,
                     "at most one of key and key_file must be configured");
  }
  const bool has_cert = !t.cert.empty() || !t.cert_file.empty();
  const bool has_key = !t.key.empty() || !t.key_file.empty();
  if (has_cert != has_key) {
    return YamlError(n, source,
                     has_cert ? "exactly one of key or key_file must be "
                                "configured when a client certificate is "
                                "configured"
                              : "exactly one of cert or cert_file must be "
                                "configured when a client key is configured");
  }
  return t;
}

absl::StatusOr<std::vector<textparse::ScrapeProtocol>> ParseProtocols(
    const YAML::Node& n, absl::string_view source) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<std::string> names,
                         ReadStringList(n, source));
  std::vector<textparse::ScrapeProtocol> out;
  std::set<std::string> seen;
  for (const std::string& name : names) {
    absl::StatusOr<textparse::ScrapeProtocol> p =
        textparse::ParseScrapeProtocol(name);
    if (!p.ok()) return YamlError(n, source, p.status().message());
    if (!seen.insert(name).second) {
      return YamlError(
          n, source,
          absl::StrCat("duplicated protocol in scrape_protocols, got [",
                       absl::StrJoin(names, " "), "]"));
    }
    out.push_back(*p);
  }
  return out;
}

absl::StatusOr<uint64_t> ReadSize(const YAML::Node& n,
                                  absl::string_view source) {
  VIGIL_ASSIGN_OR_RETURN(std::string s, ReadString(n, source));
  if (s.empty()) return uint64_t{0};
  absl::StatusOr<uint64_t> v = ParseSizeBytes(s);
  if (!v.ok()) return YamlError(n, source, v.status().message());
  return *v;
}

}  // namespace

absl::StatusOr<uint64_t> ParseSizeBytes(absl::string_view s) {
  if (s == "0") return uint64_t{0};
  size_t i = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  uint64_t n;
  if (i == 0 || !absl::SimpleAtoi(s.substr(0, i), &n)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid size \"", s, "\": expected <integer><unit>"));
  }
  std::string unit = absl::AsciiStrToUpper(s.substr(i));
  static const std::pair<const char*, int> kUnits[] = {
      {"B", 0},   {"KB", 1},  {"MB", 2},  {"GB", 3},  {"TB", 4},
      {"PB", 5},  {"EB", 6},  {"KIB", 1}, {"MIB", 2}, {"GIB", 3},
      {"TIB", 4}, {"PIB", 5}, {"EIB", 6}};
  for (const auto& [u, exp] : kUnits) {
    if (unit == u) {
      uint64_t v = n;
      for (int k = 0; k < exp; ++k) {
        if (v > (~uint64_t{0} >> 10)) {
          return absl::InvalidArgumentError(
              absl::StrCat("size \"", s, "\" overflows 64 bits"));
        }
        v <<= 10;
      }
      return v;
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid size \"", s, "\": unit must be one of B, KB, MB, GB, TB, PB, EB"));
}

absl::StatusOr<GlobalConfig> ParseGlobalScrapeDefaults(
    const YAML::Node& n, absl::string_view source) {
  GlobalConfig g;
  if (!n.IsDefined() || n.IsNull()) return g;
  if (!n.IsMap()) return YamlError(n, source, "global must be a YAML map");
  if (n["scrape_interval"]) {
    VIGIL_ASSIGN_OR_RETURN(g.scrape_interval,
                           ReadDuration(n["scrape_interval"], source));
  }
  if (n["scrape_timeout"]) {
    VIGIL_ASSIGN_OR_RETURN(g.scrape_timeout,
                           ReadDuration(n["scrape_timeout"], source));
  } else if (g.scrape_timeout > g.scrape_interval) {
    g.scrape_timeout = g.scrape_interval;
  }
  if (g.scrape_timeout > g.scrape_interval) {
    return YamlError(n, source,
                     "global scrape timeout greater than scrape interval");
  }
  if (n["scrape_protocols"]) {
    VIGIL_ASSIGN_OR_RETURN(g.scrape_protocols,
                           ParseProtocols(n["scrape_protocols"], source));
  }
  VIGIL_ASSIGN_OR_RETURN(g.body_size_limit, ReadSize(n["body_size_limit"], source));
  VIGIL_ASSIGN_OR_RETURN(g.sample_limit, ReadUint(n["sample_limit"], source));
  VIGIL_ASSIGN_OR_RETURN(g.label_limit, ReadUint(n["label_limit"], source));
  VIGIL_ASSIGN_OR_RETURN(g.label_name_length_limit,
                         ReadUint(n["label_name_length_limit"], source));
  VIGIL_ASSIGN_OR_RETURN(g.label_value_length_limit,
                         ReadUint(n["label_value_length_limit"], source));
  VIGIL_ASSIGN_OR_RETURN(g.target_limit, ReadUint(n["target_limit"], source));
  VIGIL_ASSIGN_OR_RETURN(g.keep_dropped_targets,
                         ReadUint(n["keep_dropped_targets"], source));
  return g;
}

absl::Status ScrapeConfig::Validate() const {
  if (job_name.empty()) return absl::InvalidArgumentError("job_name is empty");
  if (scrape_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "scrape interval must be positive for scrape config with job name \"",
        job_name, "\""));
  }
  if (scrape_timeout > scrape_interval) {
    return absl::InvalidArgumentError(absl::StrCat(
        "scrape timeout greater than scrape interval for scrape config with "
        "job name \"",
        job_name, "\""));
  }
  if (scheme != "http" && scheme != "https") {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported scheme \"", scheme,
                     "\" for scrape config with job name \"", job_name, "\""));
  }
  if (scrape_protocols.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "scrape_protocols cannot be empty for scrape config with job name \"",
        job_name, "\""));
  }
  if (metric_name_validation_scheme != "utf8" &&
      metric_name_validation_scheme != "legacy") {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown scrape config name validation method specified, must be "
        "either '', 'legacy' or 'utf8', got ",
        metric_name_validation_scheme));
  }
  return absl::OkStatus();
}

namespace {
absl::StatusOr<ScrapeConfig> ParseScrapeConfigImpl(const YAML::Node& n,
                                                   const GlobalConfig& global,
                                                   absl::string_view source) {
  if (!n.IsDefined() || !n.IsMap()) {
    return YamlError(n, source, "a scrape config must be a YAML map");
  }
  ScrapeConfig c;
  YAML::Node http_unused;
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string key = it->first.Scalar();
    const YAML::Node v = it->second;  // a copy: `it->` is a temporary
    if (key == "static_configs" || absl::EndsWith(key, "_sd_configs")) {
      c.sd_configs.emplace_back(key, v);
      continue;
    }
    static constexpr absl::string_view kKnown[] = {
        "job_name", "honor_labels", "honor_timestamps",
        "track_timestamps_staleness", "scrape_interval", "scrape_timeout",
        "scrape_protocols", "fallback_scrape_protocol", "metrics_path",
        "scheme", "params", "enable_compression", "body_size_limit",
        "sample_limit", "label_limit", "label_name_length_limit",
        "label_value_length_limit", "target_limit", "keep_dropped_targets",
        "scrape_failure_log_file", "metric_name_validation_scheme",
        "metric_name_escaping_scheme", "scrape_native_histograms",
        "scrape_classic_histograms", "always_scrape_classic_histograms",
        "convert_classic_histograms_to_nhcb", "extra_scrape_metrics",
        "native_histogram_bucket_limit", "native_histogram_min_bucket_factor",
        "relabel_configs", "metric_relabel_configs", "basic_auth",
        "authorization", "oauth2", "bearer_token", "bearer_token_file",
        "tls_config", "follow_redirects", "enable_http2", "proxy_url",
        "no_proxy", "proxy_from_environment", "proxy_connect_header",
        "http_headers"};
    bool known = false;
    for (absl::string_view k : kKnown) known = known || k == key;
    if (!known) {
      return YamlError(it->first, source,
                       absl::StrCat("field ", key,
                                    " not found in type config.ScrapeConfig"));
    }
  }
  VIGIL_ASSIGN_OR_RETURN(c.job_name, ReadString(n["job_name"], source));
  if (c.job_name.empty()) return YamlError(n, source, "job_name is empty");
  VIGIL_ASSIGN_OR_RETURN(c.honor_labels, ReadBool(n["honor_labels"], source));
  if (n["honor_timestamps"]) {
    VIGIL_ASSIGN_OR_RETURN(c.honor_timestamps,
                           ReadBool(n["honor_timestamps"], source));
  }
  VIGIL_ASSIGN_OR_RETURN(c.track_timestamps_staleness,
                         ReadBool(n["track_timestamps_staleness"], source));
  VIGIL_ASSIGN_OR_RETURN(c.scrape_interval,
                         ReadDuration(n["scrape_interval"], source));
  VIGIL_ASSIGN_OR_RETURN(c.scrape_timeout,
                         ReadDuration(n["scrape_timeout"], source));
  if (c.scrape_interval == absl::ZeroDuration()) {
    c.scrape_interval = global.scrape_interval;
  }
  if (c.scrape_timeout == absl::ZeroDuration()) {
    c.scrape_timeout = global.scrape_timeout > c.scrape_interval
                           ? c.scrape_interval
                           : global.scrape_timeout;
  }
  if (n["scrape_protocols"]) {
    VIGIL_ASSIGN_OR_RETURN(c.scrape_protocols,
                           ParseProtocols(n["scrape_protocols"], source));
  } else {
    c.scrape_protocols = global.scrape_protocols;
  }
  if (n["fallback_scrape_protocol"]) {
    VIGIL_ASSIGN_OR_RETURN(std::string fb,
                           ReadString(n["fallback_scrape_protocol"], source));
    if (!fb.empty()) {
      absl::StatusOr<textparse::ScrapeProtocol> p =
          textparse::ParseScrapeProtocol(fb);
      if (!p.ok()) {
        return YamlError(n["fallback_scrape_protocol"], source,
                         absl::StrCat("invalid fallback_scrape_protocol for "
                                      "scrape config with job name \"",
                                      c.job_name, "\": ",
                                      p.status().message()));
      }
      c.fallback_scrape_protocol = *p;
    }
  }
  if (n["metrics_path"]) {
    VIGIL_ASSIGN_OR_RETURN(c.metrics_path, ReadString(n["metrics_path"], source));
  }
  if (n["scheme"]) {
    VIGIL_ASSIGN_OR_RETURN(c.scheme, ReadString(n["scheme"], source));
    if (c.scheme.empty()) c.scheme = "http";
  }
  if (YAML::Node p = n["params"]; p && !p.IsNull()) {
    if (!p.IsMap()) {
      return YamlError(p, source, "cannot unmarshal into url.Values");
    }
    for (auto it = p.begin(); it != p.end(); ++it) {
      VIGIL_ASSIGN_OR_RETURN(c.params[it->first.Scalar()],
                             ReadStringList(it->second, source));
    }
  }
  if (n["enable_compression"]) {
    VIGIL_ASSIGN_OR_RETURN(c.enable_compression,
                           ReadBool(n["enable_compression"], source));
  }
  VIGIL_ASSIGN_OR_RETURN(c.body_size_limit, ReadSize(n["body_size_limit"], source));
  VIGIL_ASSIGN_OR_RETURN(c.sample_limit, ReadUint(n["sample_limit"], source));
  VIGIL_ASSIGN_OR_RETURN(c.label_limit, ReadUint(n["label_limit"], source));
  VIGIL_ASSIGN_OR_RETURN(c.label_name_length_limit,
                         ReadUint(n["label_name_length_limit"], source));
  VIGIL_ASSIGN_OR_RETURN(c.label_value_length_limit,
                         ReadUint(n["label_value_length_limit"], source));
  VIGIL_ASSIGN_OR_RETURN(c.target_limit, ReadUint(n["target_limit"], source));
  VIGIL_ASSIGN_OR_RETURN(c.keep_dropped_targets,
                         ReadUint(n["keep_dropped_targets"], source));
  if (c.body_size_limit == 0) c.body_size_limit = global.body_size_limit;
  if (c.sample_limit == 0) c.sample_limit = global.sample_limit;
  if (c.label_limit == 0) c.label_limit = global.label_limit;
  if (c.label_name_length_limit == 0) {
    c.label_name_length_limit = global.label_name_length_limit;
  }
  if (c.label_value_length_limit == 0) {
    c.label_value_length_limit = global.label_value_length_limit;
  }
  if (c.target_limit == 0) c.target_limit = global.target_limit;
  if (c.keep_dropped_targets == 0) {
    c.keep_dropped_targets = global.keep_dropped_targets;
  }
  VIGIL_ASSIGN_OR_RETURN(c.scrape_failure_log_file,
                         ReadString(n["scrape_failure_log_file"], source));
  if (n["metric_name_validation_scheme"]) {
    VIGIL_ASSIGN_OR_RETURN(
        c.metric_name_validation_scheme,
        ReadString(n["metric_name_validation_scheme"], source));
    if (c.metric_name_validation_scheme.empty()) {
      c.metric_name_validation_scheme = "utf8";
    }
  }
  VIGIL_ASSIGN_OR_RETURN(c.metric_name_escaping_scheme,
                         ReadString(n["metric_name_escaping_scheme"], source));
  VIGIL_ASSIGN_OR_RETURN(c.scrape_native_histograms,
                         ReadBool(n["scrape_native_histograms"], source));
  VIGIL_ASSIGN_OR_RETURN(c.always_scrape_classic_histograms,
                         ReadBool(n["always_scrape_classic_histograms"], source));
  if (n["scrape_classic_histograms"]) {  // the 2.x name
    VIGIL_ASSIGN_OR_RETURN(c.always_scrape_classic_histograms,
                           ReadBool(n["scrape_classic_histograms"], source));
  }
  VIGIL_ASSIGN_OR_RETURN(c.convert_classic_histograms_to_nhcb,
                         ReadBool(n["convert_classic_histograms_to_nhcb"], source));
  VIGIL_ASSIGN_OR_RETURN(c.extra_scrape_metrics,
                         ReadBool(n["extra_scrape_metrics"], source));
  VIGIL_ASSIGN_OR_RETURN(c.native_histogram_bucket_limit,
                         ReadUint(n["native_histogram_bucket_limit"], source));
  VIGIL_ASSIGN_OR_RETURN(
      c.native_histogram_min_bucket_factor,
      ReadDouble(n["native_histogram_min_bucket_factor"], source));

  // <http_config>
  HttpClientConfig& h = c.http;
  if (YAML::Node o = n["oauth2"]; o && !o.IsNull()) {
    VIGIL_ASSIGN_OR_RETURN(h.oauth2, sd::ParseOAuth2Config(o, source));
  }
  if (YAML::Node b = n["basic_auth"]; b && !b.IsNull()) {
    VIGIL_RETURN_IF_ERROR(CheckKeys(
        b, {"username", "username_file", "username_ref", "password",
            "password_file", "password_ref"},
        "config.BasicAuth", source));
    BasicAuth ba;
    VIGIL_ASSIGN_OR_RETURN(ba.username, ReadString(b["username"], source));
    VIGIL_ASSIGN_OR_RETURN(ba.username_file,
                           ReadString(b["username_file"], source));
    VIGIL_ASSIGN_OR_RETURN(ba.password, ReadString(b["password"], source));
    VIGIL_ASSIGN_OR_RETURN(ba.password_file,
                           ReadString(b["password_file"], source));
    if (!ba.username.empty() && !ba.username_file.empty()) {
      return YamlError(b, source,
                       "at most one of basic_auth username & username_file "
                       "must be configured");
    }
    if (!ba.password.empty() && !ba.password_file.empty()) {
      return YamlError(b, source,
                       "at most one of basic_auth password & password_file "
                       "must be configured");
    }
    h.basic_auth = ba;
  }
  if (YAML::Node a = n["authorization"]; a && !a.IsNull()) {
    VIGIL_RETURN_IF_ERROR(CheckKeys(
        a, {"type", "credentials", "credentials_file", "credentials_ref"},
        "config.Authorization", source));
    Authorization au;
    VIGIL_ASSIGN_OR_RETURN(std::string type, ReadString(a["type"], source));
    if (!type.empty()) au.type = type;
    if (absl::AsciiStrToLower(au.type) == "basic") {
      return YamlError(a, source,
                       "authorization type cannot be set to \"basic\", use "
                       "\"basic_auth\" instead");
    }
    VIGIL_ASSIGN_OR_RETURN(au.credentials, ReadString(a["credentials"], source));
    VIGIL_ASSIGN_OR_RETURN(au.credentials_file,
                           ReadString(a["credentials_file"], source));
    if (!au.credentials.empty() && !au.credentials_file.empty()) {
      return YamlError(a, source,
                       "at most one of authorization credentials & "
                       "credentials_file must be configured");
    }
    h.authorization = au;
  }
  VIGIL_ASSIGN_OR_RETURN(std::string bearer, ReadString(n["bearer_token"], source));
  VIGIL_ASSIGN_OR_RETURN(std::string bearer_file,
                         ReadString(n["bearer_token_file"], source));
  if (!bearer.empty() && !bearer_file.empty()) {
    return YamlError(n, source,
                     "at most one of bearer_token & bearer_token_file must be "
                     "configured");
  }
  if ((!bearer.empty() || !bearer_file.empty())) {
    if (h.basic_auth || h.oauth2) {
      return YamlError(n, source,
                       "at most one of basic_auth, oauth2, bearer_token & "
                       "bearer_token_file must be configured");
    }
    if (h.authorization) {
      return YamlError(n, source,
                       "authorization is not compatible with bearer_token & "
                       "bearer_token_file");
    }
    Authorization au;
    au.credentials = bearer;
    au.credentials_file = bearer_file;
    h.authorization = au;
  }
  if ((h.basic_auth || h.oauth2) && h.authorization) {
    return YamlError(n, source,
                     "at most one of basic_auth, oauth2 & authorization must "
                     "be configured");
  }
  if (h.basic_auth && h.oauth2) {
    return YamlError(n, source,
                     "at most one of basic_auth, oauth2 & authorization must "
                     "be configured");
  }
  if (n["tls_config"]) {
    VIGIL_ASSIGN_OR_RETURN(h.tls_config, ParseTls(n["tls_config"], source));
  }
  if (n["follow_redirects"]) {
    VIGIL_ASSIGN_OR_RETURN(h.follow_redirects,
                           ReadBool(n["follow_redirects"], source));
  }
  if (n["enable_http2"]) {
    VIGIL_ASSIGN_OR_RETURN(h.enable_http2, ReadBool(n["enable_http2"], source));
  }
  VIGIL_ASSIGN_OR_RETURN(h.proxy_url, ReadString(n["proxy_url"], source));
  VIGIL_ASSIGN_OR_RETURN(h.no_proxy, ReadString(n["no_proxy"], source));
  VIGIL_ASSIGN_OR_RETURN(h.proxy_from_environment,
                         ReadBool(n["proxy_from_environment"], source));
  if (YAML::Node hh = n["http_headers"]; hh && !hh.IsNull()) {
    if (!hh.IsMap()) return YamlError(hh, source, "http_headers must be a map");
    for (auto it = hh.begin(); it != hh.end(); ++it) {
      VIGIL_RETURN_IF_ERROR(CheckKeys(it->second,
                                      {"values", "secrets", "files"},
                                      "config.Header", source));
      std::vector<std::string>& vals = h.http_headers[it->first.Scalar()];
      VIGIL_ASSIGN_OR_RETURN(vals, ReadStringList(it->second["values"], source));
      VIGIL_ASSIGN_OR_RETURN(std::vector<std::string> secrets,
                             ReadStringList(it->second["secrets"], source));
      vals.insert(vals.end(), secrets.begin(), secrets.end());
    }
  }

  auto relabel = [&](const char* key, std::vector<sd::RelabelConfig>* out)
      -> absl::Status {
    absl::StatusOr<std::vector<sd::RelabelConfig>> r =
        sd::ParseRelabelConfigs(n[key], source);
    if (!r.ok()) return r.status();
    *out = std::move(*r);
    return absl::OkStatus();
  };
  VIGIL_RETURN_IF_ERROR(relabel("relabel_configs", &c.relabel_configs));
  VIGIL_RETURN_IF_ERROR(
      relabel("metric_relabel_configs", &c.metric_relabel_configs));

  absl::Status st = c.Validate();
  if (!st.ok()) return YamlError(n, source, st.message());
  return c;
}
}  // namespace

absl::StatusOr<ScrapeConfig> ParseScrapeConfig(const YAML::Node& node,
                                               const GlobalConfig& global,
                                               absl::string_view source) {
  try {
    return ParseScrapeConfigImpl(node, global, source);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, source.empty() ? "" : ":", e.mark.line + 1, ":",
        e.mark.column + 1, ": ", e.msg));
  }
}

}  // namespace vigil::scrape
