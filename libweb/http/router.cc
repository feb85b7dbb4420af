#include "libweb/http/router.h"

#include <set>

#include "absl/strings/str_join.h"
#include "re2/re2.h"

namespace vigil::web {

Router::Router() = default;
Router::~Router() = default;

void Router::Handle(absl::string_view method, absl::string_view path, Handler h) {
  exact_[std::string(path)][std::string(method)] = std::move(h);
}

void Router::HandlePattern(absl::string_view method, absl::string_view pattern,
                           Handler h) {
  PatternRoute r;
  r.method = std::string(method);
  // Bytes, not UTF-8: a decoded path may hold any byte (%FF), and a
  // handler, not the router, decides whether that is valid.
  re2::RE2::Options o;
  o.set_encoding(re2::RE2::Options::EncodingLatin1);
  r.re = std::make_unique<re2::RE2>(std::string(pattern), o);
  r.handler = std::move(h);
  patterns_.push_back(std::move(r));
}

void Router::Dispatch(const Request& req, Response* res) const {
  const std::string& method = req.method == "HEAD" ? std::string("GET") : req.method;
  std::set<std::string> allowed;
  auto it = exact_.find(req.path);
  if (it != exact_.end()) {
    auto m = it->second.find(method);
    if (m != it->second.end()) {
      m->second(req, res);
      return;
    }
    for (const auto& [k, v] : it->second) allowed.insert(k);
  }
  for (const PatternRoute& r : patterns_) {
    int n = r.re->NumberOfCapturingGroups();
    std::vector<std::string> groups(n);
    std::vector<re2::RE2::Arg> args(n);
    std::vector<const re2::RE2::Arg*> arg_ptrs(n);
    for (int i = 0; i < n; ++i) {
      args[i] = &groups[i];
      arg_ptrs[i] = &args[i];
    }
    if (!re2::RE2::FullMatchN(req.path, *r.re, arg_ptrs.data(), n)) continue;
    if (r.method != method) {
      allowed.insert(r.method);
      continue;
    }
    Request with_groups = req;
    with_groups.path_groups = std::move(groups);
    r.handler(with_groups, res);
    return;
  }
  if (!allowed.empty()) {
    if (allowed.count("GET")) allowed.insert("HEAD");
    res->status = 405;
    res->SetHeader("Allow", absl::StrJoin(allowed, ", "));
    res->SetContent("Method Not Allowed\n", "text/plain; charset=utf-8");
    return;
  }
  res->status = 404;
  res->SetContent("404 page not found\n", "text/plain; charset=utf-8");
}

}  // namespace vigil::web
