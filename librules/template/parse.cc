// Parser for the text/template subset (see template.h).

#include <cctype>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "librules/template/internal/ast.h"
#include "librules/template/internal/functions_table.h"
#include "librules/template/template.h"

#define VIGIL_TMPL_RETURN(expr)          \
  do {                                   \
    absl::Status s_ = (expr);            \
    if (!s_.ok()) return s_;             \
  } while (0)

namespace vigil::rules::tmpl {
namespace internal {
namespace {

enum class Tok {
  kIdent,
  kField,
  kDot,
  kVar,
  kLiteral,
  kPipe,
  kLParen,
  kRParen,
  kDeclare,
  kAssign,
  kComma,
  kEnd,
};

struct Token {
  Tok type;
  std::string text;
  Value literal;
  size_t offset = 0;      // in the template text
  bool adjacent = false;  // no space before it
};

bool IsAlnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

class Parser {
 public:
  Parser(absl::string_view name, absl::string_view text,
         absl::Span<const std::string> vars)
      : name_(name), text_(text) {
    vars_.push_back("$");
    for (const auto& v : vars) vars_.push_back(v);
  }

  absl::Status Parse(NodeList* root) {
    std::string term;
    VIGIL_TMPL_RETURN(ParseList(root, &term));
    if (!term.empty()) {
      return Error(term_offset_, absl::StrCat("unexpected {{", term, "}}"));
    }
    return absl::OkStatus();
  }

 private:

  int LineOf(size_t offset) const {
    int line = 1;
    for (size_t i = 0; i < offset && i < text_.size(); ++i) {
      if (text_[i] == '\n') ++line;
    }
    return line;
  }
  int ColOf(size_t offset) const {
    size_t start = text_.rfind('\n', offset == 0 ? 0 : offset - 1);
    if (offset == 0 || start == absl::string_view::npos) {
      return static_cast<int>(offset) + 1;
    }
    return static_cast<int>(offset - start);
  }

  absl::Status Error(size_t offset, absl::string_view msg) const {
    return absl::InvalidArgumentError(
        absl::StrCat("template: ", name_, ":", LineOf(offset), ": ", msg));
  }

  // Parses nodes until EOF or a {{end}}/{{else...}} action; `term` gets
  // "end", "else" or "" (EOF). For "else", else_rest_ holds the tokens
  // after the keyword.
  absl::Status ParseList(NodeList* out, std::string* term) {
    term->clear();
    while (pos_ <= text_.size()) {
      size_t open = text_.find("{{", pos_);
      absl::string_view chunk = text_.substr(
          pos_, open == absl::string_view::npos ? absl::string_view::npos
                                                : open - pos_);
      size_t body = 0;
      if (open != absl::string_view::npos) {
        body = open + 2;
        if (body + 1 < text_.size() && text_[body] == '-' &&
            std::isspace(static_cast<unsigned char>(text_[body + 1]))) {
          chunk = absl::StripTrailingAsciiWhitespace(chunk);
          body += 2;
        }
      }
      if (trim_next_) {
        chunk = absl::StripLeadingAsciiWhitespace(chunk);
        trim_next_ = false;
      }
      if (!chunk.empty()) {
        auto n = std::make_unique<Node>();
        n->kind = Node::Kind::kText;
        n->text = std::string(chunk);
        out->push_back(std::move(n));
      }
      if (open == absl::string_view::npos) {
        pos_ = text_.size() + 1;
        return absl::OkStatus();
      }
      // Comment.
      size_t b = body;
      while (b < text_.size() && text_[b] == ' ') ++b;
      if (text_.substr(body).substr(0, 2) == "/*") {
        size_t close = text_.find("*/", body + 2);
        if (close == absl::string_view::npos) {
          return Error(open, "unclosed comment");
        }
        size_t after = close + 2;
        if (text_.substr(after, 4) == " -}}") {
          trim_next_ = true;
          after += 4;
        } else if (text_.substr(after, 2) == "}}") {
          after += 2;
        } else {
          return Error(open, "comment ends before closing delimiter");
        }
        pos_ = after;
        continue;
      }
      std::vector<Token> toks;
      VIGIL_TMPL_RETURN(Lex(open, body, &toks));
      if (toks.empty() || toks[0].type == Tok::kEnd) {
        return Error(open, "missing value for command");
      }
      const Token& first = toks[0];
      if (first.type == Tok::kIdent) {
        const std::string& kw = first.text;
        if (kw == "end" || kw == "else") {
          if (kw == "end" && toks.size() > 1 && toks[1].type != Tok::kEnd) {
            return Error(first.offset,
                         absl::StrCat("unexpected ", toks[1].text,
                                      " in end"));
          }
          *term = kw;
          term_offset_ = first.offset;
          else_rest_.assign(toks.begin() + 1, toks.end());
          return absl::OkStatus();
        }
        if (kw == "if" || kw == "with" || kw == "range") {
          std::unique_ptr<Node> n;
          VIGIL_TMPL_RETURN(ParseControl(kw, toks, 1, &n));
          out->push_back(std::move(n));
          continue;
        }
        if (kw == "break" || kw == "continue") {
          if (range_depth_ == 0) {
            return Error(first.offset,
                         absl::StrCat("{{", kw, "}} outside {{range}}"));
          }
          auto n = std::make_unique<Node>();
          n->kind = kw == "break" ? Node::Kind::kBreak : Node::Kind::kContinue;
          out->push_back(std::move(n));
          continue;
        }
        if (kw == "define" || kw == "template" || kw == "block") {
          return Error(first.offset,
                       absl::StrCat("{{", kw,
                                    "}} is not supported in Vigil templates"));
        }
      }
      auto n = std::make_unique<Node>();
      n->kind = Node::Kind::kAction;
      n->line = LineOf(first.offset);
      n->col = ColOf(first.offset);
      size_t idx = 0;
      VIGIL_TMPL_RETURN(ParsePipe(toks, &idx, "command", false, &n->pipe));
      if (toks[idx].type != Tok::kEnd) {
        return Error(toks[idx].offset,
                     absl::StrCat("unexpected \"", toks[idx].text,
                                  "\" in command"));
      }
      out->push_back(std::move(n));
    }
    return absl::OkStatus();
  }

  absl::Status ParseControl(const std::string& kw,
                            const std::vector<Token>& toks, size_t start,
                            std::unique_ptr<Node>* out) {
    size_t mark = vars_.size();
    auto n = std::make_unique<Node>();
    n->kind = kw == "if"     ? Node::Kind::kIf
              : kw == "with" ? Node::Kind::kWith
                             : Node::Kind::kRange;
    n->line = LineOf(toks[0].offset);
    n->col = ColOf(toks[0].offset);
    size_t idx = start;
    VIGIL_TMPL_RETURN(
        ParsePipe(toks, &idx, kw, n->kind == Node::Kind::kRange, &n->pipe));
    if (toks[idx].type != Tok::kEnd) {
      return Error(toks[idx].offset,
                   absl::StrCat("unexpected \"", toks[idx].text, "\" in ",
                                kw));
    }
    if (n->kind == Node::Kind::kRange) ++range_depth_;
    std::string term;
    VIGIL_TMPL_RETURN(ParseList(&n->list, &term));
    if (n->kind == Node::Kind::kRange) --range_depth_;
    if (term.empty()) return Error(text_.size(), "unexpected EOF");
    if (term == "else") {
      std::vector<Token> rest = else_rest_;
      if (!rest.empty() && rest[0].type == Tok::kIdent &&
          (rest[0].text == "if" || rest[0].text == "with") &&
          n->kind != Node::Kind::kRange) {
        // else if / else with: a nested control ending at the same {{end}}.
        std::unique_ptr<Node> nested;
        VIGIL_TMPL_RETURN(ParseControl(rest[0].text, rest, 1, &nested));
        n->else_list.push_back(std::move(nested));
      } else {
        if (!rest.empty() && rest[0].type != Tok::kEnd) {
          return Error(rest[0].offset,
                       absl::StrCat("unexpected \"", rest[0].text,
                                    "\" in else"));
        }
        VIGIL_TMPL_RETURN(ParseList(&n->else_list, &term));
        if (term != "end") {
          if (term.empty()) return Error(text_.size(), "unexpected EOF");
          return Error(term_offset_, "expected end; found {{else}}");
        }
      }
    }
    vars_.resize(mark);
    *out = std::move(n);
    return absl::OkStatus();
  }

  absl::Status ParsePipe(const std::vector<Token>& toks, size_t* idx,
                         absl::string_view context, bool is_range,
                         std::shared_ptr<Pipe>* out) {
    auto pipe = std::make_shared<Pipe>();
    size_t i = *idx;
    // Declarations.
    if (toks[i].type == Tok::kVar) {
      size_t j = i + 1;
      std::vector<std::string> names = {toks[i].text};
      if (is_range && toks[j].type == Tok::kComma &&
          toks[j + 1].type == Tok::kVar) {
        names.push_back(toks[j + 1].text);
        j += 2;
      }
      if (toks[j].type == Tok::kDeclare ||
          (toks[j].type == Tok::kAssign && names.size() == 1)) {
        pipe->is_assign = toks[j].type == Tok::kAssign;
        if (pipe->is_assign && !IsVar(names[0])) {
          return Error(toks[i].offset,
                       absl::StrCat("undefined variable \"", names[0], "\""));
        }
        pipe->decl = names;
        i = j + 1;
      }
    }
    bool want_command = true;
    while (true) {
      Tok t = toks[i].type;
      if (t == Tok::kEnd || t == Tok::kRParen) break;
      if (t == Tok::kPipe) {
        if (want_command) {
          return Error(toks[i].offset, "missing value for command");
        }
        want_command = true;
        ++i;
        continue;
      }
      Command cmd;
      size_t start_off = toks[i].offset;
      cmd.line = LineOf(start_off);
      cmd.col = ColOf(start_off);
      while (toks[i].type != Tok::kEnd && toks[i].type != Tok::kRParen &&
             toks[i].type != Tok::kPipe) {
        Operand op;
        VIGIL_TMPL_RETURN(ParseOperand(toks, &i, &op));
        cmd.args.push_back(std::move(op));
      }
      size_t end_off = toks[i].offset;
      cmd.text = std::string(absl::StripAsciiWhitespace(
          text_.substr(start_off, end_off - start_off)));
      if (cmd.args.size() > 1 &&
          cmd.args[0].kind != Operand::Kind::kFunction) {
        return Error(start_off, absl::StrCat("can't give argument to "
                                             "non-function ",
                                             cmd.text));
      }
      pipe->cmds.push_back(std::move(cmd));
      want_command = false;
    }
    if (pipe->cmds.empty()) {
      return Error(toks[i].offset,
                   absl::StrCat("missing value for ", context));
    }
    if (want_command) return Error(toks[i].offset, "missing value for command");
    for (const auto& d : pipe->decl) {
      if (!pipe->is_assign) vars_.push_back(d);
    }
    *idx = i;
    *out = std::move(pipe);
    return absl::OkStatus();
  }

  bool IsVar(const std::string& name) const {
    for (const auto& v : vars_) {
      if (v == name) return true;
    }
    return false;
  }

  static void SplitFields(absl::string_view field_text,
                          std::vector<std::string>* out) {
    // ".A.B" -> A, B
    size_t i = 0;
    while (i < field_text.size()) {
      size_t next = field_text.find('.', i + 1);
      out->push_back(std::string(field_text.substr(
          i + 1, next == absl::string_view::npos ? absl::string_view::npos
                                                 : next - i - 1)));
      if (next == absl::string_view::npos) break;
      i = next;
    }
  }

  absl::Status ParseOperand(const std::vector<Token>& toks, size_t* idx,
                            Operand* op) {
    const Token& t = toks[*idx];
    switch (t.type) {
      case Tok::kDot:
        op->kind = Operand::Kind::kDot;
        ++*idx;
        break;
      case Tok::kField:
        op->kind = Operand::Kind::kField;
        SplitFields(t.text, &op->fields);
        ++*idx;
        break;
      case Tok::kVar:
        if (!IsVar(t.text)) {
          return Error(t.offset,
                       absl::StrCat("undefined variable \"", t.text, "\""));
        }
        op->kind = Operand::Kind::kVariable;
        op->name = t.text;
        ++*idx;
        break;
      case Tok::kIdent:
        if (t.text == "true" || t.text == "false") {
          op->kind = Operand::Kind::kLiteral;
          op->literal = Value::Bool(t.text == "true");
        } else if (t.text == "nil") {
          op->kind = Operand::Kind::kLiteral;
        } else if (LookupFunction(t.text) == nullptr) {
          if (t.text == "if" || t.text == "range" || t.text == "with" ||
              t.text == "else" || t.text == "end") {
            return Error(t.offset,
                         absl::StrCat("unexpected <", t.text, "> in command"));
          }
          return Error(t.offset,
                       absl::StrCat("function \"", t.text, "\" not defined"));
        } else {
          op->kind = Operand::Kind::kFunction;
          op->name = t.text;
        }
        ++*idx;
        break;
      case Tok::kLiteral:
        op->kind = Operand::Kind::kLiteral;
        op->literal = t.literal;
        ++*idx;
        break;
      case Tok::kLParen: {
        ++*idx;
        op->kind = Operand::Kind::kPipe;
        VIGIL_TMPL_RETURN(ParsePipe(toks, idx, "parenthesized pipeline",
                                    false, &op->pipe));
        if (toks[*idx].type != Tok::kRParen) {
          return Error(toks[*idx].offset, "unclosed left paren");
        }
        ++*idx;
        break;
      }
      default:
        return Error(t.offset, absl::StrCat("unexpected \"", t.text,
                                            "\" in operand"));
    }
    // Field chain directly after a variable, pipe or field.
    while (toks[*idx].type == Tok::kField && toks[*idx].adjacent &&
           (op->kind == Operand::Kind::kVariable ||
            op->kind == Operand::Kind::kPipe ||
            op->kind == Operand::Kind::kField)) {
      SplitFields(toks[*idx].text, &op->fields);
      ++*idx;
    }
    return absl::OkStatus();
  }

  // Lexes one action starting at `body` (after "{{" and a trim marker).
  absl::Status Lex(size_t open, size_t body, std::vector<Token>* out) {
    size_t i = body;
    bool space_before = true;
    while (true) {
      if (i >= text_.size()) return Error(open, "unclosed action");
      char c = text_[i];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        // " -}}" trims the following text.
        if (text_.substr(i, 4) == " -}}") {
          Token t{Tok::kEnd, "}}", Value(), i, false};
          out->push_back(t);
          pos_ = i + 4;
          trim_next_ = true;
          return absl::OkStatus();
        }
        ++i;
        space_before = true;
        continue;
      }
      Token t;
      t.offset = i;
      t.adjacent = !space_before;
      space_before = false;
      if (text_.substr(i, 2) == "}}") {
        t.type = Tok::kEnd;
        t.text = "}}";
        out->push_back(t);
        pos_ = i + 2;
        return absl::OkStatus();
      }
      if (c == '|') {
        t.type = Tok::kPipe;
        t.text = "|";
        ++i;
      } else if (c == '(') {
        t.type = Tok::kLParen;
        t.text = "(";
        ++i;
      } else if (c == ')') {
        t.type = Tok::kRParen;
        t.text = ")";
        ++i;
      } else if (c == ',') {
        t.type = Tok::kComma;
        t.text = ",";
        ++i;
      } else if (c == ':' && i + 1 < text_.size() && text_[i + 1] == '=') {
        t.type = Tok::kDeclare;
        t.text = ":=";
        i += 2;
      } else if (c == '=') {
        t.type = Tok::kAssign;
        t.text = "=";
        ++i;
      } else if (c == '$') {
        size_t j = i + 1;
        while (j < text_.size() && IsAlnum(text_[j])) ++j;
        t.type = Tok::kVar;
        t.text = std::string(text_.substr(i, j - i));
        i = j;
      } else if (c == '.' && !(i + 1 < text_.size() &&
                               std::isdigit(static_cast<unsigned char>(
                                   text_[i + 1])))) {
        size_t j = i + 1;
        while (j < text_.size() && IsAlnum(text_[j])) ++j;
        // A chain .A.B lexes as one field token.
        while (j < text_.size() && text_[j] == '.' && j + 1 < text_.size() &&
               IsAlnum(text_[j + 1])) {
          ++j;
          while (j < text_.size() && IsAlnum(text_[j])) ++j;
        }
        t.text = std::string(text_.substr(i, j - i));
        t.type = t.text == "." ? Tok::kDot : Tok::kField;
        i = j;
      } else if (c == '"') {
        std::string s;
        size_t j = i + 1;
        bool closed = false;
        while (j < text_.size()) {
          char d = text_[j];
          if (d == '\n') break;
          if (d == '"') {
            closed = true;
            break;
          }
          if (d == '\\' && j + 1 < text_.size()) {
            char e = text_[j + 1];
            switch (e) {
              case 'n': s += '\n'; break;
              case 't': s += '\t'; break;
              case 'r': s += '\r'; break;
              case '\\': s += '\\'; break;
              case '"': s += '"'; break;
              case '\'': s += '\''; break;
              case 'a': s += '\a'; break;
              case 'b': s += '\b'; break;
              case 'f': s += '\f'; break;
              case 'v': s += '\v'; break;
              case 'x': {
                if (j + 3 < text_.size()) {
                  s += static_cast<char>(std::strtol(
                      std::string(text_.substr(j + 2, 2)).c_str(), nullptr,
                      16));
                  j += 2;
                }
                break;
              }
              default:
                return Error(j, "invalid syntax");
            }
            j += 2;
            continue;
          }
          s += d;
          ++j;
        }
        if (!closed) return Error(i, "unterminated quoted string");
        t.type = Tok::kLiteral;
        t.literal = Value::String(std::move(s));
        t.text = std::string(text_.substr(i, j + 1 - i));
        i = j + 1;
      } else if (c == '`') {
        size_t j = text_.find('`', i + 1);
        if (j == absl::string_view::npos) {
          return Error(i, "unterminated raw quoted string");
        }
        t.type = Tok::kLiteral;
        t.literal = Value::String(std::string(text_.substr(i + 1, j - i - 1)));
        t.text = std::string(text_.substr(i, j + 1 - i));
        i = j + 1;
      } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '.' ||
                 ((c == '-' || c == '+') && i + 1 < text_.size() &&
                  (std::isdigit(static_cast<unsigned char>(text_[i + 1])) ||
                   text_[i + 1] == '.'))) {
        size_t j = i + 1;
        while (j < text_.size() &&
               (IsAlnum(text_[j]) || text_[j] == '.' ||
                ((text_[j] == '-' || text_[j] == '+') &&
                 (text_[j - 1] == 'e' || text_[j - 1] == 'E')))) {
          ++j;
        }
        std::string num(text_.substr(i, j - i));
        t.type = Tok::kLiteral;
        t.text = num;
        std::string clean;
        for (char d : num) {
          if (d != '_') clean += d;
        }
        bool is_hex = clean.find("0x") != std::string::npos ||
                      clean.find("0X") != std::string::npos;
        bool is_float = !is_hex && (clean.find_first_of(".eE") !=
                                    std::string::npos);
        if (is_float) {
          double d;
          if (!absl::SimpleAtod(clean, &d)) {
            return Error(i, absl::StrCat("bad number syntax: \"", num, "\""));
          }
          t.literal = Value::Float(d);
        } else {
          char* end = nullptr;
          long long v = std::strtoll(clean.c_str(), &end, 0);
          if (end == nullptr || *end != '\0') {
            return Error(i, absl::StrCat("bad number syntax: \"", num, "\""));
          }
          t.literal = Value::Int(v);
        }
        i = j;
      } else if (IsAlnum(c)) {
        size_t j = i;
        while (j < text_.size() && IsAlnum(text_[j])) ++j;
        t.type = Tok::kIdent;
        t.text = std::string(text_.substr(i, j - i));
        i = j;
      } else {
        return Error(i, absl::StrCat("unexpected \"", std::string(1, c),
                                     "\" in command"));
      }
      out->push_back(std::move(t));
      if (out->size() > 100000) return Error(i, "action too long");
    }
  }

  std::string name_;
  absl::string_view text_;
  size_t pos_ = 0;
  bool trim_next_ = false;
  int range_depth_ = 0;
  size_t term_offset_ = 0;
  std::vector<Token> else_rest_;
  std::vector<std::string> vars_;
#undef VIGIL_TMPL_RETURN
};

}  // namespace

absl::Status ParseTree(absl::string_view name, absl::string_view text,
                       absl::Span<const std::string> vars, Tree* tree) {
  tree->name = std::string(name);
  Parser p(name, text, vars);
  return p.Parse(&tree->root);
}

}  // namespace internal
}  // namespace vigil::rules::tmpl
