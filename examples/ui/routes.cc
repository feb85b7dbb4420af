#include "examples/ui/routes.h"

#include "examples/ui/assets.h"
#include "re2/re2.h"

namespace vigil::ui {
namespace {

void ServeAsset(const Asset& asset, const web::Request& req, web::Response* res) {
  res->SetHeader("ETag", asset.etag);
  res->SetHeader("Cache-Control", "no-cache");
  res->SetHeader("X-Content-Type-Options", "nosniff");
  if (req.HasHeader("If-None-Match") &&
      EtagMatches(req.Header("If-None-Match"), asset.etag)) {
    res->status = 304;
    return;
  }
  res->SetContent(std::string(asset.data, asset.size), asset.content_type);
}

}  // namespace

void RegisterUiRoutes(web::Router* server, const std::string& prefix) {
  server->Get(prefix + "/", [prefix](const web::Request&, web::Response* res) {
    res->SetRedirect(prefix + "/query");
  });
  for (const char* route : PageRoutes()) {
    server->Get(prefix + route, [](const web::Request& req, web::Response* res) {
      ServeAsset(IndexHtml(), req, res);
    });
  }
  server->HandlePattern("GET", RE2::QuoteMeta(prefix) + R"(/static/(.+))", [](const web::Request& req, web::Response* res) {
    const Asset* asset = FindAsset("/static/" + req.path_groups[0]);
    if (asset == nullptr) {
      res->status = 404;
      res->SetContent("404 page not found\n", "text/plain; charset=utf-8");
      return;
    }
    ServeAsset(*asset, req, res);
  });
}

}  // namespace vigil::ui
