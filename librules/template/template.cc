#include "librules/template/template.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "librules/template/internal/ast.h"
#include "librules/template/internal/functions_table.h"

namespace vigil::rules::tmpl {
namespace internal {
namespace {

enum class Flow { kNormal, kBreak, kContinue };

class Exec {
 public:
  Exec(const Tree& tree, const ExecOptions& opts) : tree_(tree), opts_(opts) {}

  std::vector<std::pair<std::string, Value>> vars;
  std::string out;

  absl::Status Walk(const Value& dot, const NodeList& list, Flow* flow) {
    for (const auto& n : list) {
      if (*flow != Flow::kNormal) return absl::OkStatus();
      switch (n->kind) {
        case Node::Kind::kText:
          out += n->text;
          break;
        case Node::Kind::kAction: {
          absl::StatusOr<Value> v = EvalPipe(dot, *n->pipe, true);
          if (!v.ok()) return v.status();
          if (n->pipe->decl.empty()) out += v->ToString();
          break;
        }
        case Node::Kind::kIf:
        case Node::Kind::kWith: {
          size_t mark = vars.size();
          absl::StatusOr<Value> v = EvalPipe(dot, *n->pipe, true);
          if (!v.ok()) return v.status();
          absl::Status s;
          if (v->Truth()) {
            s = Walk(n->kind == Node::Kind::kWith ? *v : dot, n->list, flow);
          } else {
            s = Walk(dot, n->else_list, flow);
          }
          vars.resize(mark);
          if (!s.ok()) return s;
          break;
        }
        case Node::Kind::kRange: {
          absl::Status s = WalkRange(dot, *n, flow);
          if (!s.ok()) return s;
          break;
        }
        case Node::Kind::kBreak:
          *flow = Flow::kBreak;
          return absl::OkStatus();
        case Node::Kind::kContinue:
          *flow = Flow::kContinue;
          return absl::OkStatus();
      }
      if (out.size() > opts_.max_output_bytes) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "template: ", tree_.name, ": output exceeds ",
            opts_.max_output_bytes, " bytes"));
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::Status WalkRange(const Value& dot, const Node& n, Flow* flow) {
    size_t mark = vars.size();
    absl::StatusOr<Value> v = EvalPipe(dot, *n.pipe, false);
    if (!v.ok()) return v.status();
    std::vector<std::pair<Value, Value>> items;
    switch (v->kind()) {
      case Value::Kind::kList: {
        int64_t i = 0;
        for (const Value& e : v->list_value()) items.emplace_back(Value::Int(i++), e);
        break;
      }
      case Value::Kind::kMap:
      case Value::Kind::kLabels:
        for (auto& [k, e] : v->MapEntries()) {
          items.emplace_back(Value::String(k), std::move(e));
        }
        break;
      case Value::Kind::kInt:
        for (int64_t i = 0; i < v->int_value() && i < 1000000; ++i) {
          items.emplace_back(Value::Int(i), Value::Int(i));
        }
        break;
      case Value::Kind::kNil:
        break;
      default:
        return absl::InvalidArgumentError(
            absl::StrCat("template: ", tree_.name, ":", n.line, ":", n.col,
                         ": range can't iterate over ", v->ToString()));
    }
    const auto& decl = n.pipe->decl;
    for (const auto& [key, elem] : items) {
      size_t m = vars.size();
      if (decl.size() == 1) {
        vars.emplace_back(decl[0], elem);
      } else if (decl.size() == 2) {
        vars.emplace_back(decl[0], key);
        vars.emplace_back(decl[1], elem);
      }
      Flow f = Flow::kNormal;
      absl::Status s = Walk(elem, n.list, &f);
      vars.resize(m);
      if (!s.ok()) return s;
      if (f == Flow::kBreak) break;
    }
    absl::Status s;
    if (items.empty()) s = Walk(dot, n.else_list, flow);
    vars.resize(mark);
    return s;
  }

  absl::Status CmdError(const Command& cmd, absl::string_view msg) {
    return absl::InvalidArgumentError(absl::StrCat(
        "template: ", tree_.name, ":", cmd.line, ":", cmd.col,
        ": executing \"", tree_.name, "\" at <", cmd.text, ">: ", msg));
  }

  absl::StatusOr<Value> EvalPipe(const Value& dot, const Pipe& pipe,
                                 bool declare) {
    Value v;
    for (size_t i = 0; i < pipe.cmds.size(); ++i) {
      absl::StatusOr<Value> r =
          EvalCommand(dot, pipe.cmds[i], i > 0 ? &v : nullptr);
      if (!r.ok()) return r.status();
      v = std::move(*r);
    }
    if (declare && !pipe.decl.empty()) {
      if (pipe.is_assign) {
        for (auto it = vars.rbegin(); it != vars.rend(); ++it) {
          if (it->first == pipe.decl[0]) {
            it->second = v;
            break;
          }
        }
      } else {
        vars.emplace_back(pipe.decl[0], v);
      }
    }
    return v;
  }

  absl::StatusOr<Value> EvalCommand(const Value& dot, const Command& cmd,
                                    const Value* final) {
    const Operand& first = cmd.args[0];
    if (first.kind == Operand::Kind::kFunction) {
      return Call(dot, cmd, first.name, 1, final);
    }
    if (final != nullptr) {
      return CmdError(cmd, absl::StrCat("can't give argument to non-function ",
                                        cmd.text));
    }
    return EvalOperand(dot, cmd, first);
  }

  absl::StatusOr<Value> Call(const Value& dot, const Command& cmd,
                             const std::string& name, size_t first_arg,
                             const Value* final) {
    const FunctionInfo* fn = LookupFunction(name);
    if (fn == nullptr) {
      return CmdError(cmd, absl::StrCat("function \"", name, "\" not defined"));
    }
    int nargs = static_cast<int>(cmd.args.size() - first_arg) +
                (final != nullptr ? 1 : 0);
    if (nargs < fn->min_args || (fn->max_args >= 0 && nargs > fn->max_args)) {
      std::string want = fn->max_args < 0
                             ? absl::StrCat("at least ", fn->min_args)
                             : absl::StrCat(fn->min_args);
      return CmdError(cmd, absl::StrCat("wrong number of args for ", name,
                                        ": want ", want, " got ", nargs));
    }
    if (fn->body == nullptr) {  // and / or, short-circuit
      bool is_and = name == "and";
      Value v;
      for (int i = 0; i < nargs; ++i) {
        if (first_arg + i < cmd.args.size()) {
          absl::StatusOr<Value> a =
              EvalOperand(dot, cmd, cmd.args[first_arg + i]);
          if (!a.ok()) return a.status();
          v = std::move(*a);
        } else {
          v = *final;
        }
        if (v.Truth() != is_and) return v;
      }
      return v;
    }
    std::vector<Value> args;
    args.reserve(nargs);
    for (size_t i = first_arg; i < cmd.args.size(); ++i) {
      absl::StatusOr<Value> a = EvalOperand(dot, cmd, cmd.args[i]);
      if (!a.ok()) return a.status();
      args.push_back(std::move(*a));
    }
    if (final != nullptr) args.push_back(*final);
    absl::StatusOr<Value> r = fn->body(args, opts_);
    if (!r.ok()) {
      if (absl::StartsWith(r.status().message(), "template: ")) return r;
      return CmdError(cmd, absl::StrCat("error calling ", name, ": ",
                                        r.status().message()));
    }
    return r;
  }

  absl::StatusOr<Value> EvalOperand(const Value& dot, const Command& cmd,
                                    const Operand& op) {
    Value base;
    switch (op.kind) {
      case Operand::Kind::kDot:
        return dot;
      case Operand::Kind::kField:
        base = dot;
        break;
      case Operand::Kind::kVariable: {
        bool found = false;
        for (auto it = vars.rbegin(); it != vars.rend(); ++it) {
          if (it->first == op.name) {
            base = it->second;
            found = true;
            break;
          }
        }
        if (!found) {
          return CmdError(cmd, absl::StrCat("undefined variable: ", op.name));
        }
        break;
      }
      case Operand::Kind::kFunction: {
        Command call = cmd;
        call.args = {op};
        return Call(dot, call, op.name, 1, nullptr);
      }
      case Operand::Kind::kLiteral:
        return op.literal;
      case Operand::Kind::kPipe: {
        size_t mark = vars.size();
        absl::StatusOr<Value> v = EvalPipe(dot, *op.pipe, true);
        vars.resize(mark);
        if (!v.ok()) return v.status();
        base = std::move(*v);
        break;
      }
    }
    for (const std::string& f : op.fields) {
      switch (base.kind()) {
        case Value::Kind::kStruct: {
          const Value* v = base.struct_value().Field(f);
          if (v == nullptr) {
            return CmdError(cmd, absl::StrCat("can't evaluate field ", f,
                                              " in type ", base.TypeName()));
          }
          base = *v;
          break;
        }
        case Value::Kind::kMap:
        case Value::Kind::kLabels: {
          std::optional<Value> v = base.MapGet(f);
          base = v ? std::move(*v) : Value::String("");
          break;
        }
        case Value::Kind::kNil:
          return CmdError(cmd, absl::StrCat("nil pointer evaluating "
                                            "interface {}.",
                                            f));
        default:
          return CmdError(cmd, absl::StrCat("can't evaluate field ", f,
                                            " in type ", base.TypeName()));
      }
    }
    return base;
  }

  const Tree& tree_;
  const ExecOptions& opts_;
};

}  // namespace
}  // namespace internal

absl::StatusOr<Template> Template::Parse(absl::string_view name,
                                         absl::string_view text,
                                         absl::Span<const std::string> vars) {
  auto tree = std::make_shared<internal::Tree>();
  absl::Status s = internal::ParseTree(name, text, vars, tree.get());
  if (!s.ok()) return s;
  Template t;
  t.plain_ = text.find("{{") == absl::string_view::npos;
  t.tree_ = std::move(tree);
  t.variables_.assign(vars.begin(), vars.end());
  return t;
}

const std::string& Template::name() const {
  static const std::string kEmpty;
  return tree_ ? tree_->name : kEmpty;
}

absl::StatusOr<std::string> Template::Execute(
    const Value& dot, absl::Span<const Value> variables,
    const ExecOptions& options) const {
  if (!tree_) return std::string();
  if (plain_) {
    return tree_->root.empty() ? std::string() : tree_->root[0]->text;
  }
  internal::Exec ex(*tree_, options);
  ex.vars.emplace_back("$", dot);
  for (size_t i = 0; i < variables_.size(); ++i) {
    ex.vars.emplace_back(variables_[i],
                         i < variables.size() ? variables[i] : Value());
  }
  internal::Flow flow = internal::Flow::kNormal;
  absl::Status s = ex.Walk(dot, tree_->root, &flow);
  if (!s.ok()) return s;
  return std::move(ex.out);
}

namespace {
const std::vector<std::string>& AlertVariables() {
  static const auto* kVars = new std::vector<std::string>{
      "$labels", "$externalLabels", "$externalURL", "$value"};
  return *kVars;
}
}  // namespace

absl::StatusOr<AlertTemplate> AlertTemplate::Parse(absl::string_view name,
                                                   absl::string_view text) {
  absl::StatusOr<Template> t = Template::Parse(name, text, AlertVariables());
  if (!t.ok()) return t.status();
  AlertTemplate a;
  a.tmpl_ = std::move(*t);
  return a;
}

absl::StatusOr<std::string> AlertTemplate::Expand(
    const model::Labels& labels, const model::Labels& external_labels,
    double value, const ExecOptions& options) const {
  if (tmpl_.is_plain_text()) return tmpl_.Execute(Value(), {}, options);
  Value lv = Value::FromLabels(labels);
  Value ev = Value::FromLabels(external_labels);
  Value uv = Value::String(options.external_url);
  Value vv = Value::Float(value);
  Struct data;
  data.type_name = "template.AlertTemplateData";
  data.fields = {{"Labels", lv},
                 {"ExternalLabels", ev},
                 {"ExternalURL", uv},
                 {"Value", vv}};
  Value vars[] = {lv, ev, uv, vv};
  return tmpl_.Execute(Value::MakeStruct(std::move(data)), vars, options);
}

}  // namespace vigil::rules::tmpl
