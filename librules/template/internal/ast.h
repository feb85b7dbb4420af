// The parse tree of a template (Go text/template's parse.Tree, reduced to
// what Vigil executes). Logically private to //librules/template.

#ifndef VIGIL_LIBRULES_TEMPLATE_INTERNAL_AST_H_
#define VIGIL_LIBRULES_TEMPLATE_INTERNAL_AST_H_

#include <memory>
#include <string>
#include <vector>

#include "librules/template/value.h"

namespace vigil::rules::tmpl::internal {

struct Pipe;
struct Node;

// One operand of a command.
struct Operand {
  enum class Kind {
    kDot,       // .
    kField,     // .A.B        (fields = {A, B})
    kVariable,  // $x.A.B      (name = "$x", fields = {A, B})
    kFunction,  // humanize
    kLiteral,   // "s", 1, 1.5, true, nil
    kPipe,      // ( pipeline ).A
  };
  Kind kind = Kind::kDot;
  std::string name;
  std::vector<std::string> fields;
  Value literal;
  std::shared_ptr<Pipe> pipe;
};

struct Command {
  std::vector<Operand> args;
  std::string text;  // source text, for error messages
  int line = 1;
  int col = 1;
};

struct Pipe {
  std::vector<std::string> decl;  // $x (:= or =) ...
  bool is_assign = false;         // `=` rather than `:=`
  std::vector<Command> cmds;
};

using NodeList = std::vector<std::unique_ptr<Node>>;

struct Node {
  enum class Kind { kText, kAction, kIf, kWith, kRange, kBreak, kContinue };
  Kind kind = Kind::kText;
  std::string text;        // kText
  std::shared_ptr<Pipe> pipe;  // action / control
  NodeList list;           // if / with / range body
  NodeList else_list;      // else branch
  int line = 1;
  int col = 1;
};

struct Tree {
  std::string name;
  NodeList root;
};

}  // namespace vigil::rules::tmpl::internal

#endif  // VIGIL_LIBRULES_TEMPLATE_INTERNAL_AST_H_
