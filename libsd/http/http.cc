#include "libsd/http/http.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libsd/internal/yaml_util.h"
#include "libsd/target_group.h"
#include "model/status_macros.h"
#include "re2/re2.h"
#include "yaml-cpp/yaml.h"

namespace vigil::sd {
namespace {

constexpr size_t kMaxBody = 64 << 20;

absl::string_view ReasonPhrase(long code) {
  switch (code) {
    case 200: return "OK";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

class HttpDiscoverer : public Discoverer {
 public:
  explicit HttpDiscoverer(HttpSDConfig cfg)
      : cfg_(std::move(cfg)), client_(cfg_.http) {}

  void Run(const absl::Notification& stop, const SendFn& send) override {
    do {
      auto groups = Refresh(stop);
      if (groups.ok()) {
        send(*std::move(groups));
      } else if (!stop.HasBeenNotified()) {
        ++metrics_.failures;
        LogDiscoveryError("http", absl::StrCat("Unable to refresh target groups: ",
                                               groups.status().message()));
      }
    } while (!stop.WaitForNotificationWithTimeout(cfg_.refresh_interval));
  }

  const RefreshMetrics* metrics() const override { return &metrics_; }

 private:
  absl::StatusOr<std::vector<TargetGroup>> Refresh(
      const absl::Notification& stop) {
    ++metrics_.refreshes;
    static const RE2* const kJson =
        new RE2(R"re(^(?i:application\/json(;\s*charset=("utf-8"|utf-8))?)$)re");
    std::vector<std::string> headers = {
        "Accept: application/json", "User-Agent: Vigil",
        absl::StrCat("X-Prometheus-Refresh-Interval-Seconds: ",
                     absl::ToDoubleSeconds(cfg_.refresh_interval))};
    VIGIL_ASSIGN_OR_RETURN(
        HttpResponse resp,
        client_.Get(cfg_.url, headers, cfg_.refresh_interval, kMaxBody, &stop));
    if (resp.status != 200) {
      absl::string_view reason = ReasonPhrase(resp.status);
      return absl::UnavailableError(absl::StrCat(
          "server returned HTTP status ", resp.status,
          reason.empty() ? "" : " ", reason));
    }
    if (!RE2::FullMatch(resp.content_type, *kJson)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unsupported content type ", model::QuoteString(resp.content_type)));
    }
    VIGIL_ASSIGN_OR_RETURN(std::vector<TargetGroup> groups,
                           ParseTargetGroupsJson(resp.body, ""));
    size_t n = groups.size();
    for (size_t i = 0; i < n; ++i) {
      groups[i].source = absl::StrCat(cfg_.url, ":", i);
      model::LabelsBuilder b(groups[i].labels);
      b.Set(kUrlLabel, cfg_.url);
      groups[i].labels = b.Build();
    }
    for (size_t i = n; i < last_len_; ++i) {
      TargetGroup gone;
      gone.source = absl::StrCat(cfg_.url, ":", i);
      groups.push_back(std::move(gone));
    }
    last_len_ = n;
    return groups;
  }

  const HttpSDConfig cfg_;
  HttpClient client_;
  size_t last_len_ = 0;
  RefreshMetrics metrics_;
};

}  // namespace

std::string HttpSDConfig::Fingerprint() const {
  return absl::StrCat(url, "|", absl::FormatDuration(refresh_interval), "|",
                      http.Fingerprint());
}

absl::StatusOr<std::unique_ptr<Discoverer>> HttpSDConfig::NewDiscoverer()
    const {
  return std::unique_ptr<Discoverer>(new HttpDiscoverer(*this));
}

absl::StatusOr<std::shared_ptr<HttpSDConfig>> ParseHttpSDConfig(
    const YAML::Node& node, absl::string_view source) {
  try {
    std::vector<absl::string_view> fields = HTTPClientConfigFields();
    fields.push_back("url");
    fields.push_back("refresh_interval");
    VIGIL_RETURN_IF_ERROR(
        internal::CheckMap(node, fields, "http.SDConfig", source));
    auto cfg = std::make_shared<HttpSDConfig>();
    VIGIL_ASSIGN_OR_RETURN(cfg->url, internal::ReadString(
                                         internal::Field(node, "url"), source));
    if (cfg->url.empty()) return internal::YamlError(node, source, "URL is missing");
    size_t sep = cfg->url.find("://");
    std::string scheme = sep == std::string::npos ? "" : cfg->url.substr(0, sep);
    if (scheme != "http" && scheme != "https") {
      return internal::YamlError(internal::Field(node, "url"), source,
                                 "URL scheme must be 'http' or 'https'");
    }
    absl::string_view rest = absl::string_view(cfg->url).substr(sep + 3);
    if (rest.empty() || rest[0] == '/' || rest[0] == '?' || rest[0] == '#') {
      return internal::YamlError(internal::Field(node, "url"), source,
                                 "host is missing in URL");
    }
    YAML::Node ri = internal::Field(node, "refresh_interval");
    if (ri.IsDefined() && !ri.IsNull()) {
      VIGIL_ASSIGN_OR_RETURN(cfg->refresh_interval,
                             internal::ReadDuration(ri, source));
      if (cfg->refresh_interval <= absl::ZeroDuration()) {
        return internal::YamlError(ri, source,
                                   "refresh_interval must be positive");
      }
    }
    VIGIL_ASSIGN_OR_RETURN(cfg->http, ParseHTTPClientConfig(node, source));
    return cfg;
  } catch (const YAML::Exception& e) {
    return internal::FromYamlException(e, source);
  }
}

}  // namespace vigil::sd
