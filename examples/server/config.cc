#include "examples/server/config.h"

#include <cstdlib>

#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "model/duration.h"
#include "model/status_macros.h"

namespace vigil::server {
namespace {

using Fields = std::vector<absl::string_view>;

std::string Pos(const YAML::Node& node, absl::string_view path) {
  YAML::Mark m = node.Mark();
  if (m.line < 0) return std::string(path);
  std::string p = absl::StrCat(m.line + 1, ":", m.column + 1);
  return path.empty() ? p : absl::StrCat(path, ":", p);
}

absl::Status Error(const YAML::Node& node, absl::string_view path,
                   absl::string_view msg) {
  std::string pos = Pos(node, path);
  return absl::InvalidArgumentError(pos.empty() ? std::string(msg)
                                                : absl::StrCat(pos, ": ", msg));
}

absl::string_view KindName(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Sequence:
      return "!!seq";
    case YAML::NodeType::Map:
      return "!!map";
    default:
      return "!!str";
  }
}

// A map (null counts as empty) whose keys are all in `fields`.
absl::Status CheckMap(const YAML::Node& node, const Fields& fields,
                      absl::string_view type, absl::string_view path) {
  if (!node.IsDefined() || node.IsNull()) return absl::OkStatus();
  if (!node.IsMap()) {
    return Error(node, path,
                 absl::StrCat("cannot unmarshal ", KindName(node), " into ", type));
  }
  std::set<std::string> seen;
  for (const auto& kv : node) {
    std::string key = kv.first.Scalar();
    bool known = false;
    for (absl::string_view f : fields) known |= (f == key);
    if (!known) {
      return Error(kv.first, path,
                   absl::StrCat("field ", key, " not found in type ", type));
    }
    if (!seen.insert(key).second) {
      return Error(kv.first, path,
                   absl::StrCat("field ", key, " already set in type ", type));
    }
  }
  return absl::OkStatus();
}

YAML::Node Field(const YAML::Node& node, const char* key) {
  if (!node.IsDefined() || !node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& kv : node) {
    if (kv.first.Scalar() == key) return kv.second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

bool Present(const YAML::Node& n) { return n.IsDefined() && !n.IsNull(); }

absl::StatusOr<std::string> ReadString(const YAML::Node& n, absl::string_view path) {
  if (!Present(n)) return std::string();
  if (!n.IsScalar()) {
    return Error(n, path, absl::StrCat("cannot unmarshal ", KindName(n), " into string"));
  }
  return n.Scalar();
}

absl::Status ReadDuration(const YAML::Node& n, absl::string_view path,
                          absl::Duration* out) {
  if (!Present(n)) return absl::OkStatus();
  VIGIL_ASSIGN_OR_RETURN(std::string s, ReadString(n, path));
  absl::StatusOr<absl::Duration> d = model::ParseDuration(s);
  if (!d.ok()) return Error(n, path, d.status().message());
  *out = *d;
  return absl::OkStatus();
}

absl::Status ReadInt(const YAML::Node& n, absl::string_view path, int64_t* out) {
  if (!Present(n)) return absl::OkStatus();
  VIGIL_ASSIGN_OR_RETURN(std::string s, ReadString(n, path));
  if (!absl::SimpleAtoi(s, out)) {
    return Error(n, path, absl::StrCat("cannot unmarshal !!str `", s, "` into int"));
  }
  return absl::OkStatus();
}

// Prometheus's <size>: a number with a unit B, KB, MB, GB, TB, PB, EB
// (powers of two); "0" alone is zero.
absl::Status ReadSize(const YAML::Node& n, absl::string_view path, int64_t* out) {
  if (!Present(n)) return absl::OkStatus();
  VIGIL_ASSIGN_OR_RETURN(std::string s, ReadString(n, path));
  static const std::pair<const char*, int> kUnits[] = {
      {"EB", 60}, {"PB", 50}, {"TB", 40}, {"GB", 30}, {"MB", 20}, {"KB", 10}, {"B", 0}};
  if (s == "0") {
    *out = 0;
    return absl::OkStatus();
  }
  for (const auto& [unit, shift] : kUnits) {
    if (absl::EndsWith(s, unit)) {
      int64_t v;
      if (absl::SimpleAtoi(s.substr(0, s.size() - std::string(unit).size()), &v) &&
          v >= 0 && (shift == 0 || v < (int64_t{1} << (62 - shift)))) {
        *out = v << shift;
        return absl::OkStatus();
      }
      break;
    }
  }
  return Error(n, path, absl::StrCat("invalid size \"", s, "\""));
}

absl::StatusOr<std::vector<std::string>> ReadStringList(const YAML::Node& n,
                                                        absl::string_view path) {
  std::vector<std::string> out;
  if (!Present(n)) return out;
  if (!n.IsSequence()) {
    return Error(n, path, absl::StrCat("cannot unmarshal ", KindName(n), " into []string"));
  }
  for (const YAML::Node& item : n) {
    VIGIL_ASSIGN_OR_RETURN(std::string s, ReadString(item, path));
    out.push_back(std::move(s));
  }
  return out;
}

absl::StatusOr<std::map<std::string, std::string>> ReadStringMap(
    const YAML::Node& n, absl::string_view path) {
  std::map<std::string, std::string> out;
  if (!Present(n)) return out;
  if (!n.IsMap()) {
    return Error(n, path,
                 absl::StrCat("cannot unmarshal ", KindName(n), " into map[string]string"));
  }
  for (const auto& kv : n) {
    VIGIL_ASSIGN_OR_RETURN(std::string v, ReadString(kv.second, path));
    out[kv.first.Scalar()] = std::move(v);
  }
  return out;
}

bool IsShellSpecial(char c) {
  return c == '*' || c == '#' || c == '$' || c == '@' || c == '!' || c == '?' || c == '-' ||
         (c >= '0' && c <= '9');
}

bool IsNameChar(char c) {
  return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// The variable name after a '$' at the start of `s` and the bytes it
// spans, by Go's os.Expand rules: ${name}, a special character, or a run
// of [A-Za-z0-9_]. An empty name with width > 0 is bad syntax (eaten);
// with width 0, a lone '$' (kept).
std::pair<absl::string_view, size_t> ShellName(absl::string_view s) {
  if (s[0] == '{') {
    if (s.size() > 2 && IsShellSpecial(s[1]) && s[2] == '}') return {s.substr(1, 1), 3};
    for (size_t i = 1; i < s.size(); ++i) {
      if (s[i] == '}') return i == 1 ? std::make_pair(absl::string_view(), size_t{2})
                                     : std::make_pair(s.substr(1, i - 1), i + 1);
    }
    return {absl::string_view(), 1};
  }
  if (IsShellSpecial(s[0])) return {s.substr(0, 1), 1};
  size_t i = 0;
  while (i < s.size() && IsNameChar(s[i])) ++i;
  return {s.substr(0, i), i};
}

}  // namespace

std::string ExpandEnv(absl::string_view value) {
  std::string out;
  for (size_t j = 0; j < value.size(); ++j) {
    if (value[j] != '$' || j + 1 >= value.size()) {
      out.push_back(value[j]);
      continue;
    }
    auto [name, width] = ShellName(value.substr(j + 1));
    if (name.empty() && width == 0) {
      out.push_back('$');
    } else if (!name.empty()) {
      if (name == "$") {
        out.push_back('$');
      } else if (const char* env = std::getenv(std::string(name).c_str())) {
        out.append(env);
      }
    }
    j += width;
  }
  return out;
}

namespace {

absl::Status ParseGlobal(const YAML::Node& node, absl::string_view path,
                         GlobalConfig* g) {
  VIGIL_RETURN_IF_ERROR(CheckMap(
      node,
      {"scrape_interval", "scrape_timeout", "evaluation_interval",
       "rule_query_offset", "external_labels", "query_log_file",
       "scrape_failure_log_file", "scrape_protocols", "body_size_limit",
       "sample_limit", "label_limit", "label_name_length_limit",
       "label_value_length_limit", "target_limit", "keep_dropped_targets",
       "metric_name_validation_scheme", "metric_name_escaping_scheme",
       "scrape_native_histograms", "convert_classic_histograms_to_nhcb",
       "always_scrape_classic_histograms", "extra_scrape_metrics"},
      "config.GlobalConfig", path));
  bool timeout_set = Present(Field(node, "scrape_timeout"));
  VIGIL_RETURN_IF_ERROR(ReadDuration(Field(node, "scrape_interval"), path, &g->scrape_interval));
  VIGIL_RETURN_IF_ERROR(ReadDuration(Field(node, "scrape_timeout"), path, &g->scrape_timeout));
  VIGIL_RETURN_IF_ERROR(
      ReadDuration(Field(node, "evaluation_interval"), path, &g->evaluation_interval));
  VIGIL_RETURN_IF_ERROR(
      ReadDuration(Field(node, "rule_query_offset"), path, &g->rule_query_offset));
  if (g->scrape_interval <= absl::ZeroDuration()) {
    return Error(Field(node, "scrape_interval"), path, "scrape_interval must be positive");
  }
  if (g->scrape_timeout > g->scrape_interval) {
    if (timeout_set) {
      return Error(node, path, "global scrape timeout greater than scrape interval");
    }
    g->scrape_timeout = g->scrape_interval;
  }
  VIGIL_ASSIGN_OR_RETURN(g->query_log_file,
                         ReadString(Field(node, "query_log_file"), path));
  VIGIL_ASSIGN_OR_RETURN(g->scrape_protocols,
                         ReadStringList(Field(node, "scrape_protocols"), path));
  VIGIL_RETURN_IF_ERROR(ReadSize(Field(node, "body_size_limit"), path, &g->body_size_limit));
  VIGIL_RETURN_IF_ERROR(ReadInt(Field(node, "sample_limit"), path, &g->sample_limit));
  VIGIL_RETURN_IF_ERROR(ReadInt(Field(node, "label_limit"), path, &g->label_limit));
  VIGIL_RETURN_IF_ERROR(
      ReadInt(Field(node, "label_name_length_limit"), path, &g->label_name_length_limit));
  VIGIL_RETURN_IF_ERROR(
      ReadInt(Field(node, "label_value_length_limit"), path, &g->label_value_length_limit));
  VIGIL_RETURN_IF_ERROR(ReadInt(Field(node, "target_limit"), path, &g->target_limit));
  VIGIL_RETURN_IF_ERROR(
      ReadInt(Field(node, "keep_dropped_targets"), path, &g->keep_dropped_targets));

  YAML::Node ext = Field(node, "external_labels");
  VIGIL_ASSIGN_OR_RETURN(auto ext_map, ReadStringMap(ext, path));
  std::vector<std::pair<std::string, std::string>> pairs;
  for (auto& [k, v] : ext_map) {
    if (!model::IsValidLabelName(k) || k == model::kMetricName) {
      return Error(ext, path, absl::StrCat(model::QuoteString(k), " is not a valid label name"));
    }
    if (!model::IsValidUtf8(v)) {
      return Error(ext, path, absl::StrCat(model::QuoteString(v), " is not a valid label value"));
    }
    // ${VAR} / $VAR from the environment, as Prometheus 3 expands them
    // (prometheus-operator sets e.g. prometheus_replica from the pod name).
    std::string expanded = ExpandEnv(v);
    if (!expanded.empty()) pairs.emplace_back(k, std::move(expanded));
  }
  g->external_labels = model::Labels::FromPairs(pairs);
  return absl::OkStatus();
}

std::string DirName(absl::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == absl::string_view::npos) return "";
  return std::string(path.substr(0, slash + 1));
}

constexpr char kSecretMarker[] = "<secret>";

bool IsSecretKey(absl::string_view key, absl::string_view parent) {
  static const char* const kSecretKeys[] = {
      "password", "bearer_token", "credentials", "client_secret", "secret_key",
      "token", "application_credential_secret"};
  for (const char* k : kSecretKeys) {
    if (key == k) return true;
  }
  // An inline private key, not key_file.
  return key == "key" && parent == "tls_config";
}

// Replaces, in place, every non-empty secret scalar below `node`; returns
// how many were replaced.
int RedactNode(YAML::Node node, absl::string_view parent) {
  int n = 0;
  auto redact_scalar = [&n](YAML::Node v) {
    if (v.IsScalar() && !v.Scalar().empty()) {
      v = kSecretMarker;
      ++n;
    }
  };
  if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
      YAML::Node value = it->second;
      if (IsSecretKey(key, parent)) {
        redact_scalar(value);
      } else if (key == "secrets" && parent != "" && value.IsSequence()) {
        // http_headers: {Name: {values: [...], secrets: [...]}}
        for (YAML::Node v : value) redact_scalar(v);
      } else if (parent == "proxy_connect_header" && value.IsSequence()) {
        for (YAML::Node v : value) redact_scalar(v);
      } else {
        n += RedactNode(value, key);
      }
    }
  } else if (node.IsSequence()) {
    for (YAML::Node v : node) n += RedactNode(v, parent);
  }
  return n;
}

}  // namespace

std::string ShownConfigYaml(absl::string_view yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception&) {
    return std::string(yaml);
  }
  int changed = RedactNode(root, "");
  YAML::Node ext = Field(Field(root, "global"), "external_labels");
  if (ext.IsMap()) {
    for (auto it = ext.begin(); it != ext.end(); ++it) {
      if (!it->second.IsScalar()) continue;
      std::string expanded = ExpandEnv(it->second.Scalar());
      if (expanded != it->second.Scalar()) {
        it->second = expanded;
        ++changed;
      }
    }
  }
  if (changed == 0) return std::string(yaml);
  YAML::Emitter out;
  out << root;
  return std::string(out.c_str()) + "\n";
}

absl::StatusOr<Config> ParseConfig(absl::string_view text, absl::string_view path) {
  Config cfg;
  cfg.path = std::string(path);
  cfg.text = std::string(text);
  cfg.shown_text = ShownConfigYaml(text);
  YAML::Node root;
  try {
    root = YAML::Load(cfg.text);
  } catch (const YAML::Exception& e) {
    std::string pos = e.mark.is_null()
                          ? std::string(path)
                          : absl::StrCat(path, path.empty() ? "" : ":", e.mark.line + 1,
                                         ":", e.mark.column + 1);
    return absl::InvalidArgumentError(absl::StrCat(pos, ": ", e.msg));
  }
  // yaml-cpp throws only while loading; reading nodes below uses the
  // non-throwing accessors.
  if (!Present(root)) return cfg;  // empty file: all defaults
  VIGIL_RETURN_IF_ERROR(CheckMap(
      root,
      {"global", "runtime", "rule_files", "scrape_config_files", "scrape_configs",
       "alerting", "remote_write", "remote_read", "storage", "tracing", "otlp"},
      "config.plain", path));
  VIGIL_RETURN_IF_ERROR(ParseGlobal(Field(root, "global"), path, &cfg.global));

  YAML::Node rules = Field(root, "rule_files");
  VIGIL_ASSIGN_OR_RETURN(std::vector<std::string> globs, ReadStringList(rules, path));
  for (std::string& g : globs) {
    if (g.empty() || g.find('\0') != std::string::npos) {
      return Error(rules, path, absl::StrCat("invalid rule file path ", model::QuoteString(g)));
    }
    if (g[0] != '/') g = DirName(path) + g;
    cfg.rule_files.push_back(std::move(g));
  }

  if (Present(Field(root, "scrape_config_files"))) {
    return Error(Field(root, "scrape_config_files"), path,
                 "scrape_config_files is not supported by Vigil yet");
  }
  YAML::Node scrapes = Field(root, "scrape_configs");
  if (Present(scrapes)) {
    if (!scrapes.IsSequence()) {
      return Error(scrapes, path, "cannot unmarshal scrape_configs: expected a list");
    }
    VIGIL_ASSIGN_OR_RETURN(scrape::GlobalConfig sg,
                           scrape::ParseGlobalScrapeDefaults(Field(root, "global"), path));
    std::set<std::string> jobs;
    for (const YAML::Node& n : scrapes) {
      if (!n.IsMap()) return Error(n, path, "cannot unmarshal scrape config: expected a map");
      VIGIL_ASSIGN_OR_RETURN(scrape::ScrapeConfig job, scrape::ParseScrapeConfig(n, sg, path));
      if (!jobs.insert(job.job_name).second) {
        return Error(n, path, absl::StrCat("found multiple scrape configs with job name ",
                                           model::QuoteString(job.job_name)));
      }
      cfg.scrape_configs.push_back(std::move(job));
    }
  }
  YAML::Node alerting = Field(root, "alerting");
  if (Present(alerting)) {
    VIGIL_ASSIGN_OR_RETURN(cfg.alerting, notifier::ParseAlertingConfig(alerting, path));
  }
  VIGIL_ASSIGN_OR_RETURN(cfg.remote_write,
                         remote::ParseRemoteWriteConfigs(Field(root, "remote_write"), path));
  VIGIL_ASSIGN_OR_RETURN(cfg.remote_read,
                         remote::ParseRemoteReadConfigs(Field(root, "remote_read"), path));

  YAML::Node storage = Field(root, "storage");
  VIGIL_RETURN_IF_ERROR(CheckMap(storage, {"tsdb", "exemplars"}, "config.StorageConfig", path));
  VIGIL_RETURN_IF_ERROR(CheckMap(Field(storage, "tsdb"),
                                 {"out_of_order_time_window", "retention",
                                  "stale_series_compaction_threshold", "chunk_encoding"},
                                 "config.TSDBConfig", path));
  for (const char* ignored : {"runtime", "tracing", "otlp"}) {
    if (Present(Field(root, ignored))) cfg.ignored.push_back(ignored);
  }
  if (Present(Field(storage, "exemplars"))) cfg.ignored.push_back("storage.exemplars");
  // Out-of-order ingestion is not implemented: samples older than a
  // series' newest are rejected, whatever the window says.
  if (Present(Field(Field(storage, "tsdb"), "out_of_order_time_window"))) {
    cfg.ignored.push_back("storage.tsdb.out_of_order_time_window");
  }
  return cfg;
}

absl::StatusOr<Config> LoadConfigFile(absl::string_view path) {
  std::ifstream in{std::string(path), std::ios::binary};
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("error loading config from \"", path, "\": cannot open file"));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseConfig(ss.str(), path);
}

}  // namespace vigil::server
