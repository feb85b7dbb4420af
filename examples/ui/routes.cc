#include "examples/ui/routes.h"

#include <functional>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
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

// The index page with its <title> set to `title` (HTML-escaped), as an
// asset of its own with its own ETag; it lives as long as the routes.
struct TitledIndex {
  std::string body;
  std::string etag;
  Asset asset;
};

std::shared_ptr<TitledIndex> IndexWithTitle(const std::string& title) {
  auto t = std::make_shared<TitledIndex>();
  std::string escaped = absl::StrReplaceAll(
      title, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}, {"'", "&#39;"}});
  t->body = std::string(IndexHtml().body());
  RE2::Replace(&t->body, "<title>[^<]*</title>", absl::StrCat("<title>", escaped, "</title>"));
  t->etag = absl::StrCat("\"", absl::Hex(std::hash<std::string>()(t->body)), "\"");
  t->asset = IndexHtml();
  t->asset.data = t->body.data();
  t->asset.size = t->body.size();
  t->asset.etag = t->etag.c_str();
  return t;
}

}  // namespace

void RegisterUiRoutes(web::Router* server, const std::string& prefix,
                      const std::string& page_title) {
  server->Get(prefix + "/", [prefix](const web::Request&, web::Response* res) {
    res->SetRedirect(prefix + "/query");
  });
  std::shared_ptr<TitledIndex> titled = page_title.empty() ? nullptr : IndexWithTitle(page_title);
  for (const char* route : PageRoutes()) {
    server->Get(prefix + route, [titled](const web::Request& req, web::Response* res) {
      ServeAsset(titled != nullptr ? titled->asset : IndexHtml(), req, res);
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
