// Serves the embedded web UI (assets.h) through a libweb router.
//
//   RegisterUiRoutes(&server, prefix);   // prefix "" or "/vigil"
//
// GET prefix + "/" redirects to prefix + "/query"; every page route
// (PageRoutes(): /query, /graph, /alerts, /rules, /targets,
// /service-discovery, /config, /flags, /tsdb-status, /status) answers the
// single-page app's index.html, which loads prefix + "/static/...". The app
// uses relative URLs ("static/app.js", "api/v1/query"), so it works under
// any route prefix. Responses carry the asset's ETag and
// "Cache-Control: no-cache"; a matching If-None-Match gets 304 without a
// body. Unknown /static/ paths get 404.
//
// Thread safety: registration from the owning thread before the server
// listens; the handlers only read immutable data and may run concurrently.

#ifndef VIGIL_EXAMPLES_UI_ROUTES_H_
#define VIGIL_EXAMPLES_UI_ROUTES_H_

#include <string>

#include "libweb/http/router.h"

namespace vigil::ui {

// `page_title`, when not empty, replaces the pages' <title>
// (--web.page-title).
void RegisterUiRoutes(web::Router* server, const std::string& prefix,
                      const std::string& page_title = "");

}  // namespace vigil::ui

#endif  // VIGIL_EXAMPLES_UI_ROUTES_H_
