#include "librules/notifier/alertmanager_config.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "model/duration.h"
#include "yaml-cpp/yaml.h"

namespace vigil::notifier {
namespace {

std::string At(absl::string_view source, const YAML::Node& n) {
  YAML::Mark m = n.Mark();
  if (m.line < 0) return std::string(source);
  return absl::StrCat(source, ":", m.line + 1, ":", m.column + 1);
}

absl::Status Err(absl::string_view source, const YAML::Node& n,
                 absl::string_view msg) {
  return absl::InvalidArgumentError(absl::StrCat(At(source, n), ": ", msg));
}

absl::StatusOr<AlertmanagerConfig> ParseOne(const YAML::Node& n,
                                            absl::string_view source) {
  AlertmanagerConfig c;
  if (!n.IsMap()) return Err(source, n, "alertmanager config must be a map");
  const auto& http_fields = sd::HTTPClientConfigFields();
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string key = it->first.Scalar();
    const YAML::Node v = it->second;
    if (key == "scheme") {
      c.scheme = v.Scalar();
      if (c.scheme != "http" && c.scheme != "https") {
        return Err(source, v, absl::StrCat("unknown scheme: ", c.scheme));
      }
    } else if (key == "path_prefix") {
      c.path_prefix = v.Scalar();
    } else if (key == "api_version") {
      c.api_version = v.Scalar();
      if (c.api_version == "v1") {
        return Err(source, v,
                   "alertmanager api_version v1 is no longer supported");
      }
      if (c.api_version != "v2") {
        return Err(source, v, absl::StrCat("expected Alertmanager api version "
                                           "to be one of [v2] but got ",
                                           c.api_version));
      }
    } else if (key == "timeout") {
      absl::StatusOr<int64_t> d = model::ParseDurationMs(v.Scalar());
      if (!d.ok()) return Err(source, v, d.status().message());
      c.timeout = absl::Milliseconds(*d);
    } else if (key == "static_configs") {
      absl::StatusOr<std::vector<sd::TargetGroup>> tg =
          sd::ParseTargetGroups(v, source);
      if (!tg.ok()) return tg.status();
      c.static_configs = std::move(*tg);
    } else if (key == "relabel_configs") {
      auto r = sd::ParseRelabelConfigs(v, source);
      if (!r.ok()) return r.status();
      c.relabel_configs = std::move(*r);
    } else if (key == "alert_relabel_configs") {
      auto r = sd::ParseRelabelConfigs(v, source);
      if (!r.ok()) return r.status();
      c.alert_relabel_configs = std::move(*r);
    } else if (absl::EndsWith(key, "_sd_configs")) {
      c.sd_configs.emplace_back(key, v);
    } else if (std::find(http_fields.begin(), http_fields.end(), key) ==
               http_fields.end()) {
      return Err(source, it->first,
                 absl::StrCat("field ", key,
                              " not found in type config.AlertmanagerConfig"));
    }
  }
  auto http = sd::ParseHTTPClientConfig(n, source);
  if (!http.ok()) return http.status();
  c.http = std::move(*http);
  return c;
}

}  // namespace

std::string AlertsPath(absl::string_view path_prefix) {
  std::string p(path_prefix);
  while (!p.empty() && p.back() == '/') p.pop_back();
  if (!p.empty() && p.front() != '/') p = "/" + p;
  return p + "/api/v2/alerts";
}

std::string AlertmanagerSetName(size_t index) {
  return absl::StrCat("config-", index);
}

absl::StatusOr<AlertingConfig> ParseAlertingConfig(const YAML::Node& node,
                                                   absl::string_view source) {
  AlertingConfig out;
  if (!node.IsDefined() || node.IsNull()) return out;
  try {
    if (!node.IsMap()) return Err(source, node, "alerting must be a map");
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string key = it->first.Scalar();
      if (key == "alert_relabel_configs") {
        auto r = sd::ParseRelabelConfigs(it->second, source);
        if (!r.ok()) return r.status();
        out.alert_relabel_configs = std::move(*r);
      } else if (key == "alertmanagers") {
        // A copy: `it->second` lives in a temporary proxy.
        const YAML::Node list = it->second;
        if (list.IsNull()) continue;
        if (!list.IsSequence()) {
          return Err(source, list, "alertmanagers must be a list");
        }
        for (const YAML::Node& am : list) {
          auto c = ParseOne(am, source);
          if (!c.ok()) return c.status();
          out.alertmanagers.push_back(std::move(*c));
        }
      } else {
        return Err(source, it->first,
                   absl::StrCat("field ", key,
                                " not found in type config.AlertingConfig"));
      }
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ":", e.mark.line + 1, ":", e.mark.column + 1, ": ", e.msg));
  }
  return out;
}

}  // namespace vigil::notifier
