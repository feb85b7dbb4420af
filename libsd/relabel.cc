#include "libsd/relabel.h"

#include <algorithm>
#include <array>
#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libsd/internal/md5.h"
#include "libsd/internal/unicode.h"
#include "libsd/internal/yaml_util.h"
#include "model/status_macros.h"
#include "yaml-cpp/yaml.h"

namespace vigil::sd {

using model::LabelView;

namespace {

constexpr struct {
  RelabelAction action;
  absl::string_view name;
} kActionNames[] = {
    {RelabelAction::kReplace, "replace"},
    {RelabelAction::kKeep, "keep"},
    {RelabelAction::kDrop, "drop"},
    {RelabelAction::kKeepEqual, "keepequal"},
    {RelabelAction::kDropEqual, "dropequal"},
    {RelabelAction::kHashMod, "hashmod"},
    {RelabelAction::kLabelMap, "labelmap"},
    {RelabelAction::kLabelDrop, "labeldrop"},
    {RelabelAction::kLabelKeep, "labelkeep"},
    {RelabelAction::kLowercase, "lowercase"},
    {RelabelAction::kUppercase, "uppercase"},
};

bool IsValidName(absl::string_view name, NameValidation v) {
  if (v == NameValidation::kLegacy) return model::IsValidLegacyLabelName(name);
  return !name.empty() && model::IsValidUtf8(name);
}

bool HasVar(absl::string_view s) {
  return s.find('$') != absl::string_view::npos;
}

// A chunked arena whose blocks survive Reset(), so a warmed-up scratch
// builder copies strings without allocating.
class Arena {
 public:
  absl::string_view Save(absl::string_view s) {
    if (s.empty()) return absl::string_view();
    while (cur_ < blocks_.size() && pos_ + s.size() > blocks_[cur_].size) {
      ++cur_;
      pos_ = 0;
    }
    if (cur_ == blocks_.size()) {
      size_t size = std::max<size_t>(kBlock, s.size());
      blocks_.push_back(Block{std::unique_ptr<char[]>(new char[size]), size});
      pos_ = 0;
    }
    char* p = blocks_[cur_].data.get() + pos_;
    std::copy(s.begin(), s.end(), p);
    pos_ += s.size();
    return absl::string_view(p, s.size());
  }
  void Reset() {
    cur_ = 0;
    pos_ = 0;
  }

 private:
  static constexpr size_t kBlock = 4096;
  struct Block {
    std::unique_ptr<char[]> data;
    size_t size;
  };
  std::vector<Block> blocks_;
  size_t cur_ = 0;
  size_t pos_ = 0;
};

// Sorted label views over a base Labels plus arena-held edits. Views it
// hands out stay valid until the next Reset().
class ScratchBuilder {
 public:
  static constexpr bool kStableViews = true;

  void Reset(const model::Labels& base) {
    items_.clear();
    arena_.Reset();
    changed_ = false;
    for (LabelView l : base) items_.push_back(l);
  }

  absl::string_view Get(absl::string_view name) const {
    auto it = Find(name);
    if (it != items_.end() && it->name == name) return it->value;
    return absl::string_view();
  }

  // `value` must stay valid (it is copied unless `stable`).
  void Set(absl::string_view name, absl::string_view value,
           bool stable = false) {
    if (value.empty()) {
      Del(name);
      return;
    }
    auto it = Find(name);
    if (it != items_.end() && it->name == name) {
      if (it->value == value) return;
      it->value = stable ? value : arena_.Save(value);
    } else {
      absl::string_view n = arena_.Save(name);
      absl::string_view v = stable ? value : arena_.Save(value);
      items_.insert(it, LabelView{n, v});
    }
    changed_ = true;
  }

  void Del(absl::string_view name) {
    auto it = Find(name);
    if (it != items_.end() && it->name == name) {
      items_.erase(it);
      changed_ = true;
    }
  }

  template <typename Pred>
  void EraseIf(Pred pred) {
    size_t before = items_.size();
    items_.erase(std::remove_if(items_.begin(), items_.end(),
                                [&](const LabelView& l) { return pred(l.name); }),
                 items_.end());
    if (items_.size() != before) changed_ = true;
  }

  // Calls fn(name, value) for a snapshot of the current labels; fn may
  // call Set().
  template <typename Fn>
  void ForEachSnapshot(Fn fn) {
    snapshot_.assign(items_.begin(), items_.end());
    for (const LabelView& l : snapshot_) fn(l.name, l.value);
  }

  bool changed() const { return changed_; }
  model::Labels Build() const { return model::Labels::FromSortedViews(items_); }

 private:
  std::vector<LabelView>::iterator Find(absl::string_view name) {
    return std::lower_bound(
        items_.begin(), items_.end(), name,
        [](const LabelView& l, absl::string_view n) { return l.name < n; });
  }
  std::vector<LabelView>::const_iterator Find(absl::string_view name) const {
    return std::lower_bound(
        items_.begin(), items_.end(), name,
        [](const LabelView& l, absl::string_view n) { return l.name < n; });
  }

  std::vector<LabelView> items_;
  std::vector<LabelView> snapshot_;
  Arena arena_;
  bool changed_ = false;
};

// model::LabelsBuilder behind the same interface.
class BuilderAdapter {
 public:
  static constexpr bool kStableViews = false;

  explicit BuilderAdapter(model::LabelsBuilder* b) : b_(b) {}
  absl::string_view Get(absl::string_view name) const { return b_->Get(name); }
  void Set(absl::string_view name, absl::string_view value,
           bool /*stable*/ = false) {
    b_->Set(name, value);
  }
  void Del(absl::string_view name) { b_->Del(name); }
  template <typename Pred>
  void EraseIf(Pred pred) {
    names_.clear();
    b_->ForEach([&](absl::string_view n, absl::string_view) {
      if (pred(n)) names_.emplace_back(n);
    });
    for (const std::string& n : names_) b_->Del(n);
  }
  template <typename Fn>
  void ForEachSnapshot(Fn fn) {
    snapshot_.clear();
    b_->ForEach([&](absl::string_view n, absl::string_view v) {
      snapshot_.emplace_back(std::string(n), std::string(v));
    });
    for (const auto& [n, v] : snapshot_) fn(n, v);
  }

 private:
  model::LabelsBuilder* b_;
  std::vector<std::string> names_;
  std::vector<std::pair<std::string, std::string>> snapshot_;
};

// Per-call buffers, reused across calls.
struct Scratch {
  std::string val;
  std::string target;
  std::string res;
  std::vector<absl::string_view> groups;
};

template <typename Store>
bool Apply(const RelabelConfig& cfg, Store& lb, Scratch& s) {
  absl::string_view val;
  if (Store::kStableViews && cfg.source_labels.size() == 1) {
    val = lb.Get(cfg.source_labels[0]);
  } else {
    s.val.clear();
    for (size_t i = 0; i < cfg.source_labels.size(); ++i) {
      if (i > 0) s.val.append(cfg.separator);
      absl::string_view v = lb.Get(cfg.source_labels[i]);
      s.val.append(v.data(), v.size());
    }
    val = s.val;
  }

  switch (cfg.action) {
    case RelabelAction::kDrop:
      return !cfg.regex.Match(val);
    case RelabelAction::kKeep:
      return cfg.regex.Match(val);
    case RelabelAction::kDropEqual:
      return lb.Get(cfg.target_label) != val;
    case RelabelAction::kKeepEqual:
      return lb.Get(cfg.target_label) == val;
    case RelabelAction::kReplace: {
      if (val.empty() && cfg.regex.IsDefault() && !HasVar(cfg.target_label) &&
          !HasVar(cfg.replacement)) {
        lb.Set(cfg.target_label, cfg.replacement, /*stable=*/true);
        return true;
      }
      s.groups.resize(cfg.regex.NumGroups() + 1);
      if (!cfg.regex.MatchGroups(val, absl::MakeSpan(s.groups))) return true;
      absl::string_view target = cfg.target_label;
      if (HasVar(target)) {
        s.target.clear();
        cfg.regex.Expand(target, s.groups, &s.target);
        target = s.target;
        if (!IsValidName(target, NameValidation::kUtf8)) return true;
      }
      s.res.clear();
      cfg.regex.Expand(cfg.replacement, s.groups, &s.res);
      if (s.res.empty()) {
        lb.Del(target);
      } else {
        lb.Set(target, s.res);
      }
      return true;
    }
    case RelabelAction::kLowercase:
    case RelabelAction::kUppercase:
      s.res.clear();
      if (cfg.action == RelabelAction::kLowercase) {
        internal::AppendLower(val, &s.res);
      } else {
        internal::AppendUpper(val, &s.res);
      }
      lb.Set(cfg.target_label, s.res);
      return true;
    case RelabelAction::kHashMod: {
      std::array<uint8_t, 16> sum = internal::Md5(val);
      uint64_t h = 0;
      for (int i = 8; i < 16; ++i) h = (h << 8) | sum[i];
      s.res = absl::StrCat(h % cfg.modulus);
      lb.Set(cfg.target_label, s.res);
      return true;
    }
    case RelabelAction::kLabelMap:
      s.groups.resize(cfg.regex.NumGroups() + 1);
      lb.ForEachSnapshot([&](absl::string_view name, absl::string_view value) {
        if (!cfg.regex.MatchGroups(name, absl::MakeSpan(s.groups))) return;
        s.res.clear();
        cfg.regex.Expand(cfg.replacement, s.groups, &s.res);
        // Prometheus would set a label with an empty name here, which no
        // valid series can hold; skip it instead.
        if (s.res.empty()) return;
        lb.Set(s.res, value, /*stable=*/Store::kStableViews);
      });
      return true;
    case RelabelAction::kLabelDrop:
      lb.EraseIf([&](absl::string_view name) { return cfg.regex.Match(name); });
      return true;
    case RelabelAction::kLabelKeep:
      lb.EraseIf([&](absl::string_view name) { return !cfg.regex.Match(name); });
      return true;
  }
  return true;
}

}  // namespace

absl::string_view RelabelActionName(RelabelAction action) {
  for (const auto& a : kActionNames) {
    if (a.action == action) return a.name;
  }
  return "unknown";
}

absl::StatusOr<RelabelAction> ParseRelabelAction(absl::string_view name) {
  std::string lower = absl::AsciiStrToLower(name);
  for (const auto& a : kActionNames) {
    if (a.name == lower) return a.action;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown relabel action ", model::QuoteString(name)));
}

absl::Status ValidateRelabelConfig(const RelabelConfig& c, NameValidation names) {
  using A = RelabelAction;
  const A a = c.action;
  const absl::string_view an = RelabelActionName(a);
  const RelabelConfig def;
  auto invalid_target = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat(model::QuoteString(c.target_label),
                     " is invalid 'target_label' for ", an, " action"));
  };
  if (a == A::kHashMod && c.modulus == 0) {
    return absl::InvalidArgumentError(
        "relabel configuration for hashmod requires non-zero modulus");
  }
  if ((a == A::kReplace || a == A::kHashMod || a == A::kLowercase ||
       a == A::kUppercase || a == A::kKeepEqual || a == A::kDropEqual) &&
      c.target_label.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("relabel configuration for ", an,
                     " action requires 'target_label' value"));
  }
  if (a == A::kReplace && !HasVar(c.target_label) &&
      !IsValidName(c.target_label, names)) {
    return invalid_target();
  }
  if (a == A::kReplace && HasVar(c.target_label) &&
      !IsValidName(c.target_label, NameValidation::kUtf8)) {
    return invalid_target();
  }
  bool eq_or_case = a == A::kLowercase || a == A::kUppercase ||
                    a == A::kKeepEqual || a == A::kDropEqual;
  if (eq_or_case && !IsValidName(c.target_label, names)) return invalid_target();
  if (eq_or_case && c.replacement != def.replacement) {
    return absl::InvalidArgumentError(
        absl::StrCat("'replacement' can not be set for ", an, " action"));
  }
  if (a == A::kLabelMap && !IsValidName(c.replacement, NameValidation::kUtf8)) {
    return absl::InvalidArgumentError(
        absl::StrCat(model::QuoteString(c.replacement),
                     " is invalid 'replacement' for ", an, " action"));
  }
  if (a == A::kHashMod && !IsValidName(c.target_label, names)) {
    return invalid_target();
  }
  if (a == A::kDropEqual || a == A::kKeepEqual) {
    if (c.regex != def.regex || c.modulus != def.modulus ||
        c.separator != def.separator || c.replacement != def.replacement) {
      return absl::InvalidArgumentError(absl::StrCat(
          an, " action requires only 'source_labels' and `target_label`, and "
              "no other fields"));
    }
  }
  if (a == A::kLabelDrop || a == A::kLabelKeep) {
    if (!c.source_labels.empty() || c.target_label != def.target_label ||
        c.modulus != def.modulus || c.separator != def.separator ||
        c.replacement != def.replacement) {
      return absl::InvalidArgumentError(absl::StrCat(
          an, " action requires only 'regex', and no other fields"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<RelabelConfig> ParseRelabelConfig(const YAML::Node& node,
                                                 absl::string_view source,
                                                 NameValidation names) {
  using internal::Field;
  using internal::YamlError;
  try {
    if (!node.IsDefined() || !node.IsMap()) {
      return YamlError(node, source,
                       "relabel config must be a map of relabel fields");
    }
    VIGIL_RETURN_IF_ERROR(internal::CheckMap(
        node,
        {"source_labels", "separator", "regex", "modulus", "target_label",
         "replacement", "action"},
        "relabel.plain", source));
    RelabelConfig c;
    YAML::Node n = Field(node, "source_labels");
    if (n.IsDefined()) {
      VIGIL_ASSIGN_OR_RETURN(c.source_labels,
                             internal::ReadStringList(n, source));
      for (const std::string& l : c.source_labels) {
        if (!IsValidName(l, names)) {
          return YamlError(n, source,
                           absl::StrCat(model::QuoteString(l),
                                        " is not a valid label name"));
        }
      }
    }
    if (n = Field(node, "separator"); n.IsDefined()) {
      VIGIL_ASSIGN_OR_RETURN(c.separator, internal::ReadString(n, source));
    }
    if (n = Field(node, "regex"); n.IsDefined()) {
      VIGIL_ASSIGN_OR_RETURN(std::string expr, internal::ReadString(n, source));
      auto re = RelabelRegex::Compile(expr);
      if (!re.ok()) return YamlError(n, source, re.status().message());
      c.regex = *std::move(re);
    }
    if (n = Field(node, "modulus"); n.IsDefined()) {
      VIGIL_ASSIGN_OR_RETURN(c.modulus, internal::ReadUint64(n, source));
    }
    if (n = Field(node, "target_label"); n.IsDefined()) {
      VIGIL_ASSIGN_OR_RETURN(c.target_label, internal::ReadString(n, source));
    }
    if (n = Field(node, "replacement"); n.IsDefined()) {
      VIGIL_ASSIGN_OR_RETURN(c.replacement, internal::ReadString(n, source));
    }
    if (n = Field(node, "action"); n.IsDefined()) {
      VIGIL_ASSIGN_OR_RETURN(std::string an, internal::ReadString(n, source));
      auto a = ParseRelabelAction(an);
      if (!a.ok()) return YamlError(n, source, a.status().message());
      c.action = *a;
    }
    absl::Status st = ValidateRelabelConfig(c, names);
    if (!st.ok()) return YamlError(node, source, st.message());
    return c;
  } catch (const YAML::Exception& e) {
    return internal::FromYamlException(e, source);
  }
}

absl::StatusOr<std::vector<RelabelConfig>> ParseRelabelConfigs(
    const YAML::Node& node, absl::string_view source, NameValidation names) {
  std::vector<RelabelConfig> out;
  try {
    if (!node.IsDefined() || node.IsNull()) return out;
    if (!node.IsSequence()) {
      return internal::YamlError(node, source,
                                 "relabel configs must be a list");
    }
    for (const YAML::Node& item : node) {
      VIGIL_ASSIGN_OR_RETURN(RelabelConfig c,
                             ParseRelabelConfig(item, source, names));
      out.push_back(std::move(c));
    }
  } catch (const YAML::Exception& e) {
    return internal::FromYamlException(e, source);
  }
  return out;
}

std::optional<model::Labels> Process(const model::Labels& labels,
                                     absl::Span<const RelabelConfig> cfgs) {
  if (cfgs.empty()) return labels;
  thread_local ScratchBuilder builder;
  thread_local Scratch scratch;
  builder.Reset(labels);
  for (const RelabelConfig& cfg : cfgs) {
    if (!Apply(cfg, builder, scratch)) return std::nullopt;
  }
  if (!builder.changed()) return labels;
  return builder.Build();
}

bool ProcessBuilder(model::LabelsBuilder* builder,
                    absl::Span<const RelabelConfig> cfgs) {
  BuilderAdapter adapter(builder);
  Scratch scratch;
  for (const RelabelConfig& cfg : cfgs) {
    if (!Apply(cfg, adapter, scratch)) return false;
  }
  return true;
}

std::vector<RelabelStep> ProcessSteps(const model::Labels& labels,
                                      absl::Span<const RelabelConfig> cfgs) {
  std::vector<RelabelStep> steps(cfgs.size());
  model::LabelsBuilder builder(labels);
  bool keep = true;
  for (size_t i = 0; i < cfgs.size(); ++i) {
    if (keep) keep = ProcessBuilder(&builder, cfgs.subspan(i, 1));
    steps[i].keep = keep;
    if (keep) steps[i].output = builder.Build();
  }
  return steps;
}

}  // namespace vigil::sd
