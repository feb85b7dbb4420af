// The UI built without node_modules: the server still gets a working app and
// the graph view explains what to install.
#include "examples/ui/assets.h"

#include "gtest/gtest.h"

namespace vigil::ui {
namespace {

TEST(AssetsNoChartTest, PlaceholderExplainsWhatIsMissing) {
  EXPECT_FALSE(ChartLibraryEmbedded());
  const Asset* js = FindAsset("/static/uplot/uPlot.iife.min.js");
  ASSERT_NE(js, nullptr);
  EXPECT_NE(js->body().find("window.VIGIL_CHART_MISSING"), absl::string_view::npos);
  EXPECT_NE(js->body().find("tools/install_deps.sh"), absl::string_view::npos);
  EXPECT_NE(FindAsset("/static/uplot/uPlot.min.css"), nullptr);
  EXPECT_EQ(FindAsset("/static/uplot/LICENSE"), nullptr);
  // The app handles the placeholder.
  const Asset* app = FindAsset("/static/app.js");
  ASSERT_NE(app, nullptr);
  EXPECT_NE(app->body().find("VIGIL_CHART_MISSING"), absl::string_view::npos);
  EXPECT_NE(FindAsset("/index.html"), nullptr);
}

}  // namespace
}  // namespace vigil::ui
