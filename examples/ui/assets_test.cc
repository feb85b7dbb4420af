#include "examples/ui/assets.h"

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace vigil::ui {
namespace {

// A source file from the runfiles tree, or "" with *found = false.
std::string ReadRunfile(const std::string& rel, bool* found) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  std::string path = std::string(srcdir ? srcdir : ".") + "/vigil/" + rel;
  std::ifstream in(path, std::ios::binary);
  *found = in.good();
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(AssetsTest, IndexHtmlIsTheAppDocumentWithRelativeUrls) {
  const Asset* index = FindAsset("/index.html");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index, &IndexHtml());
  EXPECT_EQ(std::string(index->content_type), "text/html; charset=utf-8");
  // Relative URLs so that the app works under any route prefix.
  EXPECT_NE(index->body().find("src=\"static/app.js\""), absl::string_view::npos);
  EXPECT_NE(index->body().find("src=\"static/uplot/uPlot.iife.min.js\""), absl::string_view::npos);
  EXPECT_EQ(index->body().find("src=\"/"), absl::string_view::npos);
}

TEST(AssetsTest, EmbeddedBytesEqualTheSourceFiles) {
  for (const char* name : {"app.js", "style.css", "index.html"}) {
    bool found = false;
    std::string src = ReadRunfile(std::string("examples/ui/web/") + name, &found);
    ASSERT_TRUE(found) << name;
    std::string url = std::string(name) == "index.html" ? "/index.html" : std::string("/static/") + name;
    const Asset* a = FindAsset(url);
    ASSERT_NE(a, nullptr) << url;
    EXPECT_EQ(a->body(), src) << url;
    EXPECT_EQ(a->data[a->size], '\0') << url;
  }
}

TEST(AssetsTest, ChartLibraryIsEmbeddedWhenInstalled) {
  bool found = false;
  std::string js = ReadRunfile("examples/ui/node_modules/uplot/dist/uPlot.iife.min.js", &found);
  const Asset* a = FindAsset("/static/uplot/uPlot.iife.min.js");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(ChartLibraryEmbedded(), found);
  if (found) {
    EXPECT_EQ(a->body(), js);
    EXPECT_NE(FindAsset("/static/uplot/uPlot.min.css"), nullptr);
    EXPECT_NE(FindAsset("/static/uplot/LICENSE"), nullptr);
  } else {
    EXPECT_NE(a->body().find("VIGIL_CHART_MISSING"), absl::string_view::npos);
  }
}

TEST(AssetsTest, ContentTypesByExtension) {
  EXPECT_EQ(std::string(FindAsset("/static/app.js")->content_type), "text/javascript; charset=utf-8");
  EXPECT_EQ(std::string(FindAsset("/static/style.css")->content_type), "text/css; charset=utf-8");
  EXPECT_EQ(std::string(FindAsset("/static/uplot/uPlot.min.css")->content_type),
            "text/css; charset=utf-8");
}

TEST(AssetsTest, LookupIsExact) {
  EXPECT_EQ(FindAsset(""), nullptr);
  EXPECT_EQ(FindAsset("/"), nullptr);
  EXPECT_EQ(FindAsset("index.html"), nullptr);
  EXPECT_EQ(FindAsset("/static/app.js?v=1"), nullptr);
  EXPECT_EQ(FindAsset("/static/app.j"), nullptr);
  EXPECT_EQ(FindAsset("/static/app.jsx"), nullptr);
  EXPECT_EQ(FindAsset("/static/../index.html"), nullptr);
  EXPECT_EQ(FindAsset("/STATIC/app.js"), nullptr);
  // Every listed asset is found under its own path.
  for (const Asset& a : AllAssets()) EXPECT_EQ(FindAsset(a.path), &a) << a.path;
}

TEST(AssetsTest, SortedUniquePathsAndContentAddressedEtags) {
  absl::Span<const Asset> all = AllAssets();
  ASSERT_GE(all.size(), 5u);
  std::set<std::string> etags;
  for (size_t i = 0; i < all.size(); ++i) {
    if (i > 0) {
      EXPECT_LT(absl::string_view(all[i - 1].path), absl::string_view(all[i].path));
    }
    std::string etag = all[i].etag;
    ASSERT_EQ(etag.size(), 22u) << etag;
    EXPECT_EQ(etag.front(), '"');
    EXPECT_EQ(etag.back(), '"');
    etags.insert(etag);
  }
  // Different bytes, different tags (the files here all differ).
  EXPECT_EQ(etags.size(), all.size());
}

TEST(AssetsTest, PageRoutesCoverEveryPage) {
  std::set<std::string> routes;
  for (const char* r : PageRoutes()) routes.insert(r);
  for (const char* want : {"/query", "/graph", "/alerts", "/rules", "/targets", "/service-discovery",
                           "/config", "/flags", "/tsdb-status"}) {
    EXPECT_EQ(routes.count(want), 1u) << want;
    // The app's router knows each page by its last path segment.
    EXPECT_NE(FindAsset("/static/app.js")->body().find(std::string("'") + (want + 1) + "'"),
              absl::string_view::npos)
        << want;
  }
}

TEST(AssetsTest, EtagMatchesIfNoneMatchLists) {
  EXPECT_TRUE(EtagMatches("\"abc\"", "\"abc\""));
  EXPECT_TRUE(EtagMatches("\"x\", \"abc\"", "\"abc\""));
  EXPECT_TRUE(EtagMatches("W/\"abc\"", "\"abc\""));
  EXPECT_TRUE(EtagMatches("*", "\"abc\""));
  EXPECT_FALSE(EtagMatches("\"abd\"", "\"abc\""));
  EXPECT_FALSE(EtagMatches("abc", "\"abc\""));
  EXPECT_FALSE(EtagMatches("", "\"abc\""));
  EXPECT_FALSE(EtagMatches(" , ", "\"abc\""));
}

}  // namespace
}  // namespace vigil::ui
