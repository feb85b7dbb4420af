// Router maps (method, path) to a handler.
//
// Routes are exact paths or RE2 patterns that must match the whole decoded
// path; a pattern's capture groups reach the handler in
// Request::path_groups. Exact routes are found first, then patterns in the
// order they were added. A path that no route matches answers 404
// "404 page not found"; a path that matches only under other methods
// answers 405 with an Allow header, as Go's servers do. A HEAD request is
// served by the GET route (the server sends no body).
//
// Thread safety: add every route before the first Dispatch; Dispatch may
// then run concurrently.

#ifndef VIGIL_LIBWEB_HTTP_ROUTER_H_
#define VIGIL_LIBWEB_HTTP_ROUTER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "libweb/http/message.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace vigil::web {

using Handler = std::function<void(const Request&, Response*)>;

class Router {
 public:
  Router();
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Routes `path` for `method` ("GET", "POST", ...). A later route for the
  // same method and path replaces the earlier one.
  void Handle(absl::string_view method, absl::string_view path, Handler h);
  // Routes every path that `pattern` (RE2) matches in full.
  void HandlePattern(absl::string_view method, absl::string_view pattern, Handler h);

  // Shorthands.
  void Get(absl::string_view path, Handler h) { Handle("GET", path, std::move(h)); }
  void Post(absl::string_view path, Handler h) { Handle("POST", path, std::move(h)); }
  void Put(absl::string_view path, Handler h) { Handle("PUT", path, std::move(h)); }

  // Runs the route for `req`; a pattern route's handler sees a copy with
  // path_groups filled.
  void Dispatch(const Request& req, Response* res) const;

 private:
  struct PatternRoute {
    std::string method;
    std::unique_ptr<re2::RE2> re;
    Handler handler;
  };
  // path -> method -> handler.
  std::map<std::string, std::map<std::string, Handler>, std::less<>> exact_;
  std::vector<PatternRoute> patterns_;
};

}  // namespace vigil::web

#endif  // VIGIL_LIBWEB_HTTP_ROUTER_H_
