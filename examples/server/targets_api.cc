#include "examples/server/targets_api.h"

#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "examples/server/json_writer.h"
#include "examples/server/rules_api.h"
#include "libscrape/scrape_loop.h"
#include "model/duration.h"

namespace vigil::server {
namespace {

absl::string_view HealthName(scrape::TargetHealthState s) {
  switch (s) {
    case scrape::TargetHealthState::kUp:
      return "up";
    case scrape::TargetHealthState::kDown:
      return "down";
    default:
      return "unknown";
  }
}

// Splits "host:port" / "[v6]:port" / "host" into host (brackets removed)
// and port ("" when absent).
void SplitHostPortLoose(absl::string_view hp, std::string* host, std::string* port) {
  port->clear();
  if (absl::StartsWith(hp, "[")) {
    size_t close = hp.find(']');
    if (close != absl::string_view::npos) {
      *host = std::string(hp.substr(1, close - 1));
      if (close + 1 < hp.size() && hp[close + 1] == ':') *port = std::string(hp.substr(close + 2));
      return;
    }
  }
  size_t colon = hp.rfind(':');
  if (colon != absl::string_view::npos && hp.find(':') == colon) {
    *host = std::string(hp.substr(0, colon));
    *port = std::string(hp.substr(colon + 1));
  } else {
    *host = std::string(hp);
  }
}

}  // namespace

std::string DefaultExternalUrl(int listen_port) {
  char name[256] = {0};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') {
    return absl::StrCat("http://localhost:", listen_port);
  }
  return absl::StrCat("http://", name, ":", listen_port);
}

GlobalUrlOptions MakeGlobalUrlOptions(absl::string_view external_url, int listen_port) {
  GlobalUrlOptions o;
  o.listen_port = absl::StrCat(listen_port);
  std::string fallback;
  if (external_url.empty()) {
    fallback = DefaultExternalUrl(listen_port);
    external_url = fallback;
  }
  absl::string_view u = external_url;
  size_t sep = u.find("://");
  if (sep == absl::string_view::npos) return o;
  o.scheme = std::string(u.substr(0, sep));
  u.remove_prefix(sep + 3);
  o.host = std::string(u.substr(0, u.find('/')));
  return o;
}

std::string GlobalUrl(absl::string_view scrape_url, const GlobalUrlOptions& opts) {
  if (opts.host.empty()) return std::string(scrape_url);
  size_t sep = scrape_url.find("://");
  if (sep == absl::string_view::npos) return std::string(scrape_url);
  absl::string_view scheme = scrape_url.substr(0, sep);
  absl::string_view rest = scrape_url.substr(sep + 3);
  size_t slash = rest.find('/');
  absl::string_view hostport = rest.substr(0, slash);
  absl::string_view tail = slash == absl::string_view::npos ? "" : rest.substr(slash);
  std::string host, port;
  SplitHostPortLoose(hostport, &host, &port);
  // Prometheus needs an explicit port here (net.SplitHostPort).
  if (port.empty() || (host != "127.0.0.1" && host != "localhost" && host != "::1")) {
    return std::string(scrape_url);
  }
  if (port == opts.listen_port) {
    return absl::StrCat(opts.scheme, "://", opts.host, tail);
  }
  std::string ext_host, ext_port;
  SplitHostPortLoose(opts.host, &ext_host, &ext_port);
  if (ext_port.empty()) return std::string(scrape_url);  // as Prometheus: unparsable
  if (absl::StrContains(ext_host, ":")) ext_host = absl::StrCat("[", ext_host, "]");
  return absl::StrCat(scheme, "://", ext_host, ":", port, tail);
}

absl::StatusOr<std::string> TargetsJson(const scrape::Manager& manager,
                                        const web::Request& req,
                                        const GlobalUrlOptions& global) {
  std::string state = absl::AsciiStrToLower(req.Param("state"));
  if (!state.empty() && state != "active" && state != "dropped" && state != "any") {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid parameter \"state\": unknown state \"", state, "\""));
  }
  bool active = state.empty() || state == "any" || state == "active";
  bool dropped = state.empty() || state == "any" || state == "dropped";
  std::string pool = req.Param("scrapePool");
  JsonWriter w;
  w.BeginObject();
  w.Key("activeTargets");
  w.BeginArray();
  if (active) {
    for (const auto& [job, targets] : manager.ActiveTargets()) {
      if (!pool.empty() && job != pool) continue;
      for (const scrape::TargetStatus& t : targets) {
        w.BeginObject();
        w.Key("discoveredLabels");
        w.LabelsObject(t.discovered);
        w.Key("labels");
        w.LabelsObject(t.labels);
        w.Key("scrapePool");
        w.String(job);
        w.Key("scrapeUrl");
        w.String(t.url);
        w.Key("globalUrl");
        w.String(GlobalUrl(t.url, global));
        w.Key("lastError");
        w.String(!t.error.empty() ? t.error : t.health.last_error);
        w.Key("lastScrape");
        w.String(t.health.last_scrape_ms == 0 ? "0001-01-01T00:00:00Z"
                                              : FormatRfc3339Nano(t.health.last_scrape_ms));
        w.Key("lastScrapeDuration");
        w.Double(absl::ToDoubleSeconds(t.health.last_scrape_duration));
        w.Key("health");
        w.String(HealthName(t.health.state));
        w.Key("scrapeInterval");
        w.String(model::DurationString(t.interval));
        w.Key("scrapeTimeout");
        w.String(model::DurationString(t.timeout));
        w.EndObject();
      }
    }
  }
  w.EndArray();
  w.Key("droppedTargets");
  w.BeginArray();
  if (dropped) {
    for (const auto& [job, targets] : manager.DroppedTargets()) {
      if (!pool.empty() && job != pool) continue;
      for (const scrape::TargetStatus& t : targets) {
        w.BeginObject();
        w.Key("discoveredLabels");
        w.LabelsObject(t.discovered);
        w.EndObject();
      }
    }
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

}  // namespace vigil::server
