#include "examples/server/log.h"

#include <unistd.h>

#include <cstdio>
#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace vigil::server {
namespace {

// What Log writes to stderr while `fn` runs.
template <typename F>
std::string CaptureStderr(F fn) {
  std::fflush(stderr);
  int saved = dup(2);
  std::FILE* tmp = std::tmpfile();
  dup2(fileno(tmp), 2);
  fn();
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  std::rewind(tmp);
  std::string out;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof(buf), tmp)) out.append(buf, n);
  std::fclose(tmp);
  return out;
}

TEST(LogTest, LevelFiltersAndLogfmtEscapes) {
  ASSERT_TRUE(SetLogOptions("warn", "logfmt").ok());
  std::string out = CaptureStderr([] {
    Log("info", "dropped");
    Log("debug", "dropped too");
    Log("warn", "say \"hi\"\nnow");
    Log("error", "kept");
  });
  EXPECT_EQ(out.find("dropped"), std::string::npos) << out;
  EXPECT_NE(out.find(" level=warn msg=\"say \\\"hi\\\"\\nnow\"\n"), std::string::npos) << out;
  EXPECT_NE(out.find(" level=error msg=\"kept\"\n"), std::string::npos) << out;
  EXPECT_EQ(out.rfind("ts=", 0), 0u) << out;
}

TEST(LogTest, JsonLinesParse) {
  ASSERT_TRUE(SetLogOptions("debug", "json").ok());
  std::string out = CaptureStderr([] { Log("debug", "a \"quoted\" message"); });
  nlohmann::json j = nlohmann::json::parse(out);
  EXPECT_EQ(j["level"], "debug");
  EXPECT_EQ(j["msg"], "a \"quoted\" message");
  EXPECT_TRUE(j.contains("ts"));
  ASSERT_TRUE(SetLogOptions("info", "logfmt").ok());
}

TEST(LogTest, BadOptionsAreRefused) {
  EXPECT_FALSE(SetLogOptions("verbose", "logfmt").ok());
  EXPECT_FALSE(SetLogOptions("info", "xml").ok());
}

}  // namespace
}  // namespace vigil::server
