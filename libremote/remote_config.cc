#include "libremote/remote_config.h"

#include <cstdio>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "libsd/internal/yaml_util.h"
#include "model/labels.h"
#include "model/status_macros.h"

namespace vigil::remote {
namespace {

using sd::internal::CheckMap;
using sd::internal::Field;
using sd::internal::YamlError;

bool Present(const YAML::Node& n) { return n.IsDefined() && !n.IsNull(); }

std::vector<absl::string_view> WithHttpFields(
    std::initializer_list<absl::string_view> own) {
  std::vector<absl::string_view> out(own);
  const auto& http = sd::HTTPClientConfigFields();
  out.insert(out.end(), http.begin(), http.end());
  return out;
}

absl::Status ReadDurationInto(const YAML::Node& n, absl::string_view source,
                              absl::Duration* out) {
  if (!Present(n)) return absl::OkStatus();
  VIGIL_ASSIGN_OR_RETURN(*out, sd::internal::ReadDuration(n, source));
  return absl::OkStatus();
}

absl::Status ReadBoolInto(const YAML::Node& n, absl::string_view source,
                          bool* out) {
  if (!Present(n)) return absl::OkStatus();
  VIGIL_ASSIGN_OR_RETURN(*out, sd::internal::ReadBool(n, source));
  return absl::OkStatus();
}

absl::Status ReadIntInto(const YAML::Node& n, absl::string_view source,
                         int64_t* out) {
  if (!Present(n)) return absl::OkStatus();
  VIGIL_ASSIGN_OR_RETURN(*out, sd::internal::ReadInt64(n, source));
  return absl::OkStatus();
}

absl::Status CheckUrl(const YAML::Node& entry, const std::string& url,
                      absl::string_view what, absl::string_view source) {
  if (url.empty()) {
    return YamlError(entry, source, absl::StrCat("url for ", what, " is empty"));
  }
  if (!absl::StartsWith(url, "http://") && !absl::StartsWith(url, "https://")) {
    return YamlError(Field(entry, "url"), source,
                     absl::StrCat("invalid url ", model::QuoteString(url),
                                  " for ", what,
                                  ": scheme must be http or https"));
  }
  return absl::OkStatus();
}

// Keys Prometheus knows that Vigil cannot honour: refusing them beats
// sending data without the authentication they ask for.
absl::Status RejectUnsupported(const YAML::Node& entry,
                               std::initializer_list<const char*> keys,
                               absl::string_view source) {
  for (const char* k : keys) {
    YAML::Node f = Field(entry, k);
    if (Present(f)) {
      return absl::UnimplementedError(absl::StrCat(
          source, source.empty() ? "" : ":", f.Mark().line + 1, ":",
          f.Mark().column + 1, ": ", k, " is not supported by Vigil"));
    }
  }
  return absl::OkStatus();
}

absl::Status ReadHeaders(const YAML::Node& entry, absl::string_view source,
                         std::map<std::string, std::string>* out) {
  YAML::Node h = Field(entry, "headers");
  VIGIL_ASSIGN_OR_RETURN(*out, sd::internal::ReadStringMap(h, source));
  for (const auto& kv : *out) {
    std::string lower = absl::AsciiStrToLower(kv.first);
    if (lower == "content-encoding" || lower == "content-type" ||
        lower == "user-agent" || lower == "x-prometheus-remote-write-version" ||
        lower == "x-prometheus-remote-read-version" || lower == "host" ||
        lower == "authorization" || lower == "retry-attempt") {
      return YamlError(h, source,
                       absl::StrCat(kv.first,
                                    " is a reserved header. It must not be "
                                    "changed"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<sd::HTTPClientConfig> ReadHttp(const YAML::Node& entry,
                                              absl::string_view source) {
  bool http2_set = Present(Field(entry, "enable_http2"));
  VIGIL_ASSIGN_OR_RETURN(sd::HTTPClientConfig http,
                         sd::ParseHTTPClientConfig(entry, source));
  // Prometheus 3.x defaults remote clients to HTTP/1.1.
  if (!http2_set) http.enable_http2 = false;
  return http;
}

std::string NodeText(const YAML::Node& node) {
  YAML::Emitter e;
  e << node;
  return e.c_str();
}

std::string ShortHash(absl::string_view s) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
  return std::string(buf, 6);
}

// What "remote_write" and "remote_read" entries share: the entry's text,
// url, a name unique in the section, remote_timeout, headers and the HTTP
// client settings.
template <typename Config>
absl::Status ReadEndpoint(const YAML::Node& n, absl::string_view section,
                          absl::string_view source,
                          std::set<std::string>* names, Config* c) {
  c->yaml = NodeText(n);
  VIGIL_ASSIGN_OR_RETURN(c->url, sd::internal::ReadString(Field(n, "url"), source));
  VIGIL_RETURN_IF_ERROR(CheckUrl(n, c->url, section, source));
  VIGIL_ASSIGN_OR_RETURN(c->name, sd::internal::ReadString(Field(n, "name"), source));
  if (!c->name.empty() && !names->insert(c->name).second) {
    return YamlError(n, source,
                     absl::StrCat("found multiple ",
                                  absl::StrReplaceAll(section, {{"_", " "}}),
                                  " configs with job name ",
                                  model::QuoteString(c->name)));
  }
  VIGIL_RETURN_IF_ERROR(
      ReadDurationInto(Field(n, "remote_timeout"), source, &c->remote_timeout));
  VIGIL_RETURN_IF_ERROR(ReadHeaders(n, source, &c->headers));
  VIGIL_ASSIGN_OR_RETURN(c->http, ReadHttp(n, source));
  return absl::OkStatus();
}

// Two entries of a section may not send the same requests.
template <typename Config>
absl::Status CheckUniqueEndpoint(const YAML::Node& n, absl::string_view section,
                                 absl::string_view source,
                                 std::set<std::string>* fingerprints,
                                 const Config& c) {
  if (fingerprints->insert(c.Fingerprint()).second) return absl::OkStatus();
  return YamlError(n, source,
                   absl::StrCat("duplicate ",
                                absl::StrReplaceAll(section, {{"_", " "}}),
                                " configs are not allowed, found duplicate "
                                "for URL: ",
                                c.url));
}

}  // namespace

std::string RemoteWriteConfig::Fingerprint() const {
  return absl::StrCat(url, "\n", name, "\n", yaml);
}
std::string RemoteWriteConfig::DisplayName() const {
  return name.empty() ? ShortHash(Fingerprint()) : name;
}
std::string RemoteReadConfig::Fingerprint() const {
  return absl::StrCat(url, "\n", name, "\n", yaml);
}
std::string RemoteReadConfig::DisplayName() const {
  return name.empty() ? ShortHash(Fingerprint()) : name;
}

absl::StatusOr<std::vector<RemoteWriteConfig>> ParseRemoteWriteConfigs(
    const YAML::Node& node, absl::string_view source) {
  std::vector<RemoteWriteConfig> out;
  if (!Present(node)) return out;
  if (!node.IsSequence()) {
    return YamlError(node, source,
                     "cannot unmarshal remote_write: expected a list");
  }
  static const auto* kFields = new std::vector<absl::string_view>(WithHttpFields(
      {"url", "name", "remote_timeout", "headers", "write_relabel_configs",
       "send_exemplars", "send_native_histograms", "protobuf_message",
       "round_robin_dns", "sigv4", "azuread", "google_iam", "queue_config",
       "metadata_config"}));
  std::set<std::string> names, fingerprints;
  try {
    for (const YAML::Node& n : node) {
      VIGIL_RETURN_IF_ERROR(
          CheckMap(n, *kFields, "config.RemoteWriteConfig", source));
      RemoteWriteConfig c;
      VIGIL_RETURN_IF_ERROR(
          ReadEndpoint(n, "remote_write", source, &names, &c));
      VIGIL_RETURN_IF_ERROR(
          RejectUnsupported(n, {"sigv4", "azuread", "google_iam"}, source));
      std::string proto;
      VIGIL_ASSIGN_OR_RETURN(
          proto, sd::internal::ReadString(Field(n, "protobuf_message"), source));
      if (!proto.empty() && proto != "prometheus.WriteRequest") {
        return absl::UnimplementedError(absl::StrCat(
            source, ": protobuf_message ", proto,
            " is not supported by Vigil (only prometheus.WriteRequest, "
            "remote write 1.0)"));
      }
      VIGIL_ASSIGN_OR_RETURN(c.write_relabel_configs,
                             sd::ParseRelabelConfigs(
                                 Field(n, "write_relabel_configs"), source));
      VIGIL_RETURN_IF_ERROR(
          ReadBoolInto(Field(n, "send_exemplars"), source, &c.send_exemplars));
      VIGIL_RETURN_IF_ERROR(ReadBoolInto(Field(n, "send_native_histograms"),
                                         source, &c.send_native_histograms));
      YAML::Node q = Field(n, "queue_config");
      VIGIL_RETURN_IF_ERROR(CheckMap(
          q,
          {"capacity", "max_shards", "min_shards", "max_samples_per_send",
           "batch_send_deadline", "min_backoff", "max_backoff",
           "retry_on_http_429", "sample_age_limit"},
          "config.QueueConfig", source));
      QueueConfig& qc = c.queue_config;
      VIGIL_RETURN_IF_ERROR(ReadIntInto(Field(q, "capacity"), source, &qc.capacity));
      VIGIL_RETURN_IF_ERROR(ReadIntInto(Field(q, "max_shards"), source, &qc.max_shards));
      VIGIL_RETURN_IF_ERROR(ReadIntInto(Field(q, "min_shards"), source, &qc.min_shards));
      VIGIL_RETURN_IF_ERROR(ReadIntInto(Field(q, "max_samples_per_send"), source,
                                        &qc.max_samples_per_send));
      VIGIL_RETURN_IF_ERROR(ReadDurationInto(Field(q, "batch_send_deadline"),
                                             source, &qc.batch_send_deadline));
      VIGIL_RETURN_IF_ERROR(
          ReadDurationInto(Field(q, "min_backoff"), source, &qc.min_backoff));
      VIGIL_RETURN_IF_ERROR(
          ReadDurationInto(Field(q, "max_backoff"), source, &qc.max_backoff));
      VIGIL_RETURN_IF_ERROR(ReadBoolInto(Field(q, "retry_on_http_429"), source,
                                         &qc.retry_on_http_429));
      VIGIL_RETURN_IF_ERROR(ReadDurationInto(Field(q, "sample_age_limit"),
                                             source, &qc.sample_age_limit));
      if (qc.max_samples_per_send <= 0 || qc.capacity <= 0 ||
          qc.max_shards <= 0 || qc.min_shards <= 0) {
        return YamlError(q, source, "queue_config values must be positive");
      }
      if (qc.min_shards > qc.max_shards) {
        return YamlError(q, source,
                         "queue_config min_shards must not exceed max_shards");
      }
      if (qc.batch_send_deadline <= absl::ZeroDuration()) {
        return YamlError(q, source, "batch_send_deadline must be positive");
      }
      if (qc.max_backoff < qc.min_backoff) {
        return YamlError(q, source,
                         "queue_config max_backoff must not be below "
                         "min_backoff");
      }
      YAML::Node m = Field(n, "metadata_config");
      VIGIL_RETURN_IF_ERROR(CheckMap(
          m, {"send", "send_interval", "max_samples_per_send"},
          "config.MetadataConfig", source));
      VIGIL_RETURN_IF_ERROR(ReadBoolInto(Field(m, "send"), source, &c.send_metadata));
      VIGIL_RETURN_IF_ERROR(ReadDurationInto(Field(m, "send_interval"), source,
                                             &c.metadata_send_interval));
      VIGIL_RETURN_IF_ERROR(
          CheckUniqueEndpoint(n, "remote_write", source, &fingerprints, c));
      out.push_back(std::move(c));
    }
  } catch (const YAML::Exception& e) {
    return sd::internal::FromYamlException(e, source);
  }
  return out;
}

absl::StatusOr<std::vector<RemoteReadConfig>> ParseRemoteReadConfigs(
    const YAML::Node& node, absl::string_view source) {
  std::vector<RemoteReadConfig> out;
  if (!Present(node)) return out;
  if (!node.IsSequence()) {
    return YamlError(node, source,
                     "cannot unmarshal remote_read: expected a list");
  }
  static const auto* kFields = new std::vector<absl::string_view>(
      WithHttpFields({"url", "name", "remote_timeout", "headers", "read_recent",
                      "required_matchers", "filter_external_labels"}));
  std::set<std::string> names, fingerprints;
  try {
    for (const YAML::Node& n : node) {
      VIGIL_RETURN_IF_ERROR(
          CheckMap(n, *kFields, "config.RemoteReadConfig", source));
      RemoteReadConfig c;
      VIGIL_RETURN_IF_ERROR(ReadEndpoint(n, "remote_read", source, &names, &c));
      YAML::Node rm = Field(n, "required_matchers");
      VIGIL_ASSIGN_OR_RETURN(c.required_matchers,
                             sd::internal::ReadStringMap(rm, source));
      for (const auto& kv : c.required_matchers) {
        if (!model::IsValidLabelName(kv.first)) {
          return YamlError(rm, source,
                           absl::StrCat(model::QuoteString(kv.first),
                                        " is not a valid label name"));
        }
      }
      VIGIL_RETURN_IF_ERROR(
          ReadBoolInto(Field(n, "read_recent"), source, &c.read_recent));
      VIGIL_RETURN_IF_ERROR(ReadBoolInto(Field(n, "filter_external_labels"),
                                         source, &c.filter_external_labels));
      VIGIL_RETURN_IF_ERROR(
          CheckUniqueEndpoint(n, "remote_read", source, &fingerprints, c));
      out.push_back(std::move(c));
    }
  } catch (const YAML::Exception& e) {
    return sd::internal::FromYamlException(e, source);
  }
  return out;
}

}  // namespace vigil::remote
