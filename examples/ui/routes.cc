#include "examples/ui/routes.h"

#include "examples/ui/assets.h"

namespace vigil::ui {
namespace {

void ServeAsset(const Asset& asset, const httplib::Request& req, httplib::Response& res) {
  res.set_header("ETag", asset.etag);
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Content-Type-Options", "nosniff");
  if (req.has_header("If-None-Match") &&
      EtagMatches(req.get_header_value("If-None-Match"), asset.etag)) {
    res.status = 304;
    return;
  }
  res.set_content(asset.data, asset.size, asset.content_type);
}

}  // namespace

void RegisterUiRoutes(httplib::Server* server, const std::string& prefix) {
  server->Get(prefix + "/", [prefix](const httplib::Request&, httplib::Response& res) {
    res.set_redirect(prefix + "/query");
  });
  for (const char* route : PageRoutes()) {
    server->Get(prefix + route, [](const httplib::Request& req, httplib::Response& res) {
      ServeAsset(IndexHtml(), req, res);
    });
  }
  server->Get(prefix + R"(/static/(.+))", [](const httplib::Request& req, httplib::Response& res) {
    const Asset* asset = FindAsset("/static/" + req.matches[1].str());
    if (asset == nullptr) {
      res.status = 404;
      res.set_content("404 page not found\n", "text/plain; charset=utf-8");
      return;
    }
    ServeAsset(*asset, req, res);
  });
}

}  // namespace vigil::ui
