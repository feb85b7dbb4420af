#include "librules/rule_file.h"

#include <glob.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "librules/template/template.h"
#include "model/duration.h"
#include "model/labels.h"
#include "yaml-cpp/yaml.h"

namespace vigil::rules {
namespace {

constexpr size_t kMaxRuleFileBytes = 64 << 20;

Position PosOf(const YAML::Node& n) {
  YAML::Mark m = n.Mark();
  if (m.line < 0) return {};
  return {m.line + 1, m.column + 1};
}

std::string Quote(absl::string_view s) { return model::QuoteString(s); }

std::string YamlTag(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Sequence: return "!!seq";
    case YAML::NodeType::Map: return "!!map";
    case YAML::NodeType::Null: return "!!null";
    default: break;
  }
  return "!!str";
}

// One key of a mapping, after merge keys (<<) are resolved.
struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

class Decoder {
 public:
  explicit Decoder(const RuleFileOptions& opts) : opts_(opts) {}

  std::vector<std::string> unmarshal_errors;
  std::vector<std::string> errors;  // other decode errors, positioned

  // The entries of mapping `n` in document order; `<<` merges entries of
  // the referenced mapping(s) that are not set explicitly. Duplicate
  // explicit keys are unmarshal errors, as in yaml.v3.
  std::vector<Entry> Entries(const YAML::Node& n, int depth = 0) {
    std::vector<Entry> out;
    std::vector<Entry> merged;
    std::map<std::string, int> seen_line;
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (!it->first.IsScalar()) {
        unmarshal_errors.push_back(absl::StrCat(
            "  line ", PosOf(it->first).line, ": invalid map key: ",
            YamlTag(it->first)));
        continue;
      }
      std::string key = it->first.Scalar();
      if (key == "<<" && it->first.Tag() != "tag:yaml.org,2002:str" &&
          depth < 8) {
        YAML::Node v = it->second;
        std::vector<YAML::Node> srcs;
        if (v.IsMap()) {
          srcs.push_back(v);
        } else if (v.IsSequence()) {
          for (auto s : v) srcs.push_back(s);
        }
        for (const auto& s : srcs) {
          if (!s.IsMap()) continue;
          for (Entry& e : Entries(s, depth + 1)) merged.push_back(std::move(e));
        }
        continue;
      }
      int line = PosOf(it->first).line;
      auto [pos, inserted] = seen_line.emplace(key, line);
      if (!inserted) {
        unmarshal_errors.push_back(absl::StrCat("  line ", line,
                                                ": mapping key ", Quote(key),
                                                " already defined at line ",
                                                pos->second));
        continue;
      }
      out.push_back({key, it->first, it->second});
    }
    for (Entry& e : merged) {
      if (seen_line.count(e.key)) continue;
      seen_line.emplace(e.key, 0);
      out.push_back(std::move(e));
    }
    return out;
  }

  void Unknown(const Entry& e, absl::string_view type) {
    if (opts_.ignore_unknown_fields) return;
    unmarshal_errors.push_back(absl::StrCat("  line ", PosOf(e.key_node).line,
                                            ": field ", e.key,
                                            " not found in type ", type));
  }

  bool String(const YAML::Node& n, std::string* out) {
    if (n.IsNull()) {
      out->clear();
      return true;
    }
    if (!n.IsScalar()) {
      unmarshal_errors.push_back(absl::StrCat("  line ", PosOf(n).line,
                                              ": cannot unmarshal ",
                                              YamlTag(n), " into string"));
      return false;
    }
    *out = n.Scalar();
    return true;
  }

  bool Int(const YAML::Node& n, int* out) {
    if (n.IsNull()) {
      *out = 0;
      return true;
    }
    std::string s = n.IsScalar() ? n.Scalar() : "";
    char* end = nullptr;
    long v = n.IsScalar() ? std::strtol(s.c_str(), &end, 0) : 0;
    if (!n.IsScalar() || s.empty() || *end != '\0' || v > INT32_MAX ||
        v < INT32_MIN) {
      unmarshal_errors.push_back(absl::StrCat(
          "  line ", PosOf(n).line, ": cannot unmarshal ", YamlTag(n), " `",
          s, "` into int"));
      return false;
    }
    *out = static_cast<int>(v);
    return true;
  }

  bool Duration(const YAML::Node& n, int64_t* out) {
    std::string s;
    if (!String(n, &s)) return false;
    if (n.IsNull()) {
      *out = 0;
      return true;
    }
    absl::StatusOr<int64_t> d = model::ParseDurationMs(s);
    if (!d.ok()) {
      Position p = PosOf(n);
      errors.push_back(
          absl::StrCat(p.line, ":", p.column, ": ", d.status().message()));
      return false;
    }
    *out = *d;
    return true;
  }

  bool StringMap(const YAML::Node& n,
                 std::vector<std::pair<std::string, std::string>>* out) {
    out->clear();
    if (n.IsNull()) return true;
    if (!n.IsMap()) {
      unmarshal_errors.push_back(absl::StrCat(
          "  line ", PosOf(n).line, ": cannot unmarshal ", YamlTag(n),
          " into map[string]string"));
      return false;
    }
    bool ok = true;
    for (const Entry& e : Entries(n)) {
      std::string v;
      if (!String(e.value, &v)) {
        ok = false;
        continue;
      }
      out->emplace_back(e.key, std::move(v));
    }
    std::sort(out->begin(), out->end());
    return ok;
  }

 private:
  const RuleFileOptions& opts_;
};

bool ValidLabelName(absl::string_view name, NameValidation v) {
  return v == NameValidation::kLegacy ? model::IsValidLegacyLabelName(name)
                                      : model::IsValidLabelName(name);
}

bool ValidMetricName(absl::string_view name, NameValidation v) {
  return v == NameValidation::kLegacy ? model::IsValidLegacyMetricName(name)
                                      : model::IsValidLabelName(name);
}

std::string At(const Position& p) { return absl::StrCat(p.line, ":", p.column, ": "); }

void ValidateRule(const RuleGroupNode& g, int index, const RuleNode& r,
                  const RuleFileOptions& opts,
                  std::vector<std::string>* errs) {
  std::string where = absl::StrCat("group ", Quote(g.name), ", rule ", index,
                                   ", ", Quote(r.name()));
  auto add = [&](const std::string& prefix, absl::string_view msg) {
    errs->push_back(absl::StrCat(prefix, where, ": ", msg));
  };
  if (!r.record.empty() && !r.alert.empty()) {
    add(At(r.record_pos) + At(r.alert_pos),
        "only one of 'record' and 'alert' must be set");
  }
  if (r.record.empty() && r.alert.empty()) {
    add(At(r.record_pos), "one of 'record' or 'alert' must be set");
  }
  if (r.expr.empty()) {
    add(At(r.expr_pos), "field 'expr' must be set in rule");
  } else if (opts.check_expr) {
    absl::Status s = opts.check_expr(r.expr);
    if (!s.ok()) {
      add(At(r.expr_pos),
          absl::StrCat("could not parse expression: ", s.message()));
    }
  }
  if (!r.record.empty()) {
    if (!r.annotations.empty()) {
      add(At(r.record_pos), "invalid field 'annotations' in recording rule");
    }
    if (r.for_ms != 0) add(At(r.record_pos), "invalid field 'for' in recording rule");
    if (r.keep_firing_for_ms != 0) {
      add(At(r.record_pos), "invalid field 'keep_firing_for' in recording rule");
    }
    if (!ValidMetricName(r.record, opts.name_validation)) {
      add(At(r.record_pos),
          absl::StrCat("invalid recording rule name: ", r.record));
    }
    if (absl::StrContains(r.record, "{") && absl::StrContains(r.record, "}")) {
      add(At(r.record_pos),
          absl::StrCat("braces present in the recording rule name; should it "
                       "be in expr?: ",
                       r.record));
    }
  }
  for (const auto& [k, v] : r.labels) {
    if (!ValidLabelName(k, opts.name_validation) || k == model::kMetricName) {
      add("", absl::StrCat("invalid label name: ", k));
    }
    if (!model::IsValidUtf8(v)) add("", absl::StrCat("invalid label value: ", v));
  }
  for (const auto& [k, v] : r.annotations) {
    if (!ValidLabelName(k, opts.name_validation)) {
      add("", absl::StrCat("invalid annotation name: ", k));
    }
  }
  if (opts.check_templates && !r.alert.empty()) {
    std::string name = absl::StrCat("__alert_", r.alert);
    for (const auto& [k, v] : r.labels) {
      absl::StatusOr<tmpl::AlertTemplate> t = tmpl::AlertTemplate::Parse(name, v);
      if (!t.ok()) {
        add("", absl::StrCat("label ", Quote(k), ": ", t.status().message()));
      }
    }
    for (const auto& [k, v] : r.annotations) {
      absl::StatusOr<tmpl::AlertTemplate> t = tmpl::AlertTemplate::Parse(name, v);
      if (!t.ok()) {
        add("", absl::StrCat("annotation ", Quote(k), ": ",
                             t.status().message()));
      }
    }
  }
}

absl::Status Wrap(absl::string_view path, const std::vector<std::string>& errs) {
  std::vector<std::string> lines;
  lines.reserve(errs.size());
  for (const auto& e : errs) lines.push_back(absl::StrCat(path, ": ", e));
  return absl::InvalidArgumentError(absl::StrJoin(lines, "\n"));
}

}  // namespace

absl::StatusOr<RuleFile> ParseRuleFile(absl::string_view content,
                                       absl::string_view path,
                                       const RuleFileOptions& options) {
  RuleFile file;
  file.path = std::string(path);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(content));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": yaml: line ", e.mark.line + 1, ": column ", e.mark.column + 1,
        ": ", e.msg));
  }
  Decoder dec(options);
  try {
    if (root.IsNull() || !root.IsDefined()) return file;
    if (!root.IsMap()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": yaml: unmarshal errors:\n  line ", PosOf(root).line,
          ": cannot unmarshal ", YamlTag(root), " into rulefmt.RuleGroups"));
    }
    for (const Entry& top : dec.Entries(root)) {
      if (top.key != "groups") {
        dec.Unknown(top, "rulefmt.RuleGroups");
        continue;
      }
      if (top.value.IsNull()) continue;
      if (!top.value.IsSequence()) {
        dec.unmarshal_errors.push_back(absl::StrCat(
            "  line ", PosOf(top.value).line, ": cannot unmarshal ",
            YamlTag(top.value), " into []rulefmt.RuleGroup"));
        continue;
      }
      for (const YAML::Node& gn : top.value) {
        RuleGroupNode g;
        g.pos = PosOf(gn);
        if (!gn.IsMap()) {
          dec.unmarshal_errors.push_back(absl::StrCat(
              "  line ", PosOf(gn).line, ": cannot unmarshal ", YamlTag(gn),
              " into rulefmt.RuleGroup"));
          continue;
        }
        for (const Entry& ge : dec.Entries(gn)) {
          if (ge.key == "name") {
            dec.String(ge.value, &g.name);
          } else if (ge.key == "interval") {
            int64_t d = 0;
            if (dec.Duration(ge.value, &d) && d != 0) g.interval_ms = d;
          } else if (ge.key == "query_offset") {
            int64_t d = 0;
            if (dec.Duration(ge.value, &d)) g.query_offset_ms = d;
          } else if (ge.key == "limit") {
            dec.Int(ge.value, &g.limit);
          } else if (ge.key == "labels") {
            dec.StringMap(ge.value, &g.labels);
          } else if (ge.key == "rules") {
            if (ge.value.IsNull()) continue;
            if (!ge.value.IsSequence()) {
              dec.unmarshal_errors.push_back(absl::StrCat(
                  "  line ", PosOf(ge.value).line, ": cannot unmarshal ",
                  YamlTag(ge.value), " into []rulefmt.RuleNode"));
              continue;
            }
            for (const YAML::Node& rn : ge.value) {
              RuleNode r;
              r.pos = PosOf(rn);
              if (!rn.IsMap()) {
                dec.unmarshal_errors.push_back(absl::StrCat(
                    "  line ", PosOf(rn).line, ": cannot unmarshal ",
                    YamlTag(rn), " into rulefmt.RuleNode"));
                continue;
              }
              for (const Entry& re : dec.Entries(rn)) {
                if (re.key == "record") {
                  dec.String(re.value, &r.record);
                  r.record_pos = PosOf(re.value);
                } else if (re.key == "alert") {
                  dec.String(re.value, &r.alert);
                  r.alert_pos = PosOf(re.value);
                } else if (re.key == "expr") {
                  dec.String(re.value, &r.expr);
                  r.expr_pos = PosOf(re.value);
                } else if (re.key == "for") {
                  dec.Duration(re.value, &r.for_ms);
                } else if (re.key == "keep_firing_for") {
                  dec.Duration(re.value, &r.keep_firing_for_ms);
                } else if (re.key == "labels") {
                  dec.StringMap(re.value, &r.labels);
                } else if (re.key == "annotations") {
                  dec.StringMap(re.value, &r.annotations);
                } else {
                  dec.Unknown(re, "rulefmt.RuleNode");
                }
              }
              g.rules.push_back(std::move(r));
            }
          } else {
            dec.Unknown(ge, "rulefmt.RuleGroup");
          }
        }
        file.groups.push_back(std::move(g));
      }
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": yaml: line ", e.mark.line + 1, ": ", e.msg));
  }
  if (!dec.unmarshal_errors.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": yaml: unmarshal errors:\n",
                     absl::StrJoin(dec.unmarshal_errors, "\n")));
  }
  if (!dec.errors.empty()) return Wrap(path, dec.errors);

  std::vector<std::string> errs;
  std::set<std::string> names;
  for (const RuleGroupNode& g : file.groups) {
    if (g.name.empty()) {
      errs.push_back(At(g.pos) + "Groupname must not be empty");
    } else if (!names.insert(g.name).second) {
      errs.push_back(absl::StrCat(At(g.pos), "groupname: ", Quote(g.name),
                                  " is repeated in the same file"));
    }
    for (const auto& [k, v] : g.labels) {
      if (!ValidLabelName(k, options.name_validation) ||
          k == model::kMetricName) {
        errs.push_back(absl::StrCat(At(g.pos), "group ", Quote(g.name),
                                    ": invalid label name: ", k));
      }
    }
    for (size_t i = 0; i < g.rules.size(); ++i) {
      ValidateRule(g, static_cast<int>(i) + 1, g.rules[i], options, &errs);
    }
  }
  if (!errs.empty()) return Wrap(path, errs);
  return file;
}

absl::StatusOr<RuleFile> LoadRuleFile(absl::string_view path,
                                      const RuleFileOptions& options) {
  std::string p(path);
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("open ", path, ": no such file or directory"));
  }
  std::string content;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    content.append(buf, in.gcount());
    if (content.size() > kMaxRuleFileBytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat(path, ": rule file larger than 64 MiB"));
    }
  }
  return ParseRuleFile(content, path, options);
}

absl::StatusOr<std::vector<RuleFile>> LoadRuleFiles(
    const std::vector<std::string>& patterns, const RuleFileOptions& options) {
  std::vector<RuleFile> out;
  std::vector<std::string> errs;
  std::set<std::string> seen;
  for (const std::string& pattern : patterns) {
    glob_t g{};
    int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
    std::vector<std::string> files;
    if (rc == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) files.push_back(g.gl_pathv[i]);
    }
    globfree(&g);
    if (rc != 0 && rc != GLOB_NOMATCH) {
      errs.push_back(absl::StrCat("error retrieving rule files for ", pattern));
      continue;
    }
    std::sort(files.begin(), files.end());
    for (const std::string& f : files) {
      if (!seen.insert(f).second) continue;
      absl::StatusOr<RuleFile> rf = LoadRuleFile(f, options);
      if (!rf.ok()) {
        errs.push_back(std::string(rf.status().message()));
        continue;
      }
      out.push_back(std::move(*rf));
    }
  }
  if (!errs.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(errs, "\n"));
  }
  return out;
}

std::vector<std::string> FindDuplicateRules(const RuleFile& file) {
  std::vector<std::string> keys;
  for (const auto& g : file.groups) {
    for (const auto& r : g.rules) {
      std::vector<std::string> ls;
      for (const auto& [k, v] : r.labels) {
        ls.push_back(absl::StrCat(k, "=", Quote(v)));
      }
      keys.push_back(absl::StrCat(r.name(), "{", absl::StrJoin(ls, ", "), "}"));
    }
  }
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> dups;
  for (size_t i = 1; i < keys.size(); ++i) {
    if (keys[i] == keys[i - 1] && (dups.empty() || dups.back() != keys[i])) {
      dups.push_back(keys[i]);
    }
  }
  return dups;
}

}  // namespace vigil::rules
