#include "libsd/file/file.h"

#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "libsd/testing/collector.h"
#include "yaml-cpp/yaml.h"

namespace vigil::sd {
namespace {

using testing::Collector;

class FileSDTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = absl::StrCat(tmp ? tmp : "/tmp", "/filesd_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    ::mkdir(dir_.c_str(), 0755);
    SetDiscoveryErrorLogger([this](absl::string_view, absl::string_view msg) {
      absl::MutexLock l(&mu_);
      errors_.emplace_back(msg);
    });
  }
  void TearDown() override { SetDiscoveryErrorLogger(nullptr); }

  // Writes `content` and moves the mtime forward so the change is seen
  // even within one timestamp tick.
  void Write(const std::string& name, const std::string& content) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::trunc) << content;
    struct timeval tv[2];
    ::gettimeofday(&tv[0], nullptr);
    tv[0].tv_sec += ++bump_;
    tv[1] = tv[0];
    ::utimes(path.c_str(), tv);
  }

  std::shared_ptr<FileSDConfig> Config(const std::string& yaml) {
    auto cfg = ParseFileSDConfig(YAML::Load(yaml), "p.yml", dir_);
    EXPECT_TRUE(cfg.ok()) << cfg.status();
    if (!cfg.ok()) return nullptr;
    (*cfg)->watch_interval = absl::Milliseconds(10);
    return *cfg;
  }

  std::vector<std::string> errors() {
    absl::MutexLock l(&mu_);
    return errors_;
  }

  std::string dir_;
  int bump_ = 0;
  absl::Mutex mu_;
  std::vector<std::string> errors_;
};

size_t CountTargets(const Collector::State& s) {
  size_t n = 0;
  for (const auto& [src, g] : s) n += g.targets.size();
  return n;
}

TEST_F(FileSDTest, JsonAndYamlViaGlob) {
  Write("a.json", R"([{"targets": ["a:1", "a:2"], "labels": {"env": "prod"}}])");
  Write("b.yml", "- targets: ['b:1']\n  labels: {env: dev}\n- targets: ['b:2']\n");
  Write("ignored.txt", "junk");
  auto cfg = Config("files: ['*.json', 'b.yml']");
  auto d = cfg->NewDiscoverer();
  ASSERT_TRUE(d.ok());
  Collector c(*std::move(d));
  ASSERT_TRUE(c.WaitFor([](const auto& s) { return CountTargets(s) == 4; }));
  Collector::State s = c.state();
  std::string a = dir_ + "/a.json";
  std::string b = dir_ + "/b.yml";
  ASSERT_EQ(s.count(a + ":0"), 1u);
  ASSERT_EQ(s.count(b + ":0"), 1u);
  ASSERT_EQ(s.count(b + ":1"), 1u);
  EXPECT_EQ(s[a + ":0"].labels.Get("__meta_filepath"), a);
  EXPECT_EQ(s[a + ":0"].labels.Get("env"), "prod");
  EXPECT_EQ(s[b + ":1"].labels.Get("__meta_filepath"), b);
  EXPECT_EQ(s[b + ":1"].targets[0].Get("__address__"), "b:2");
}

TEST_F(FileSDTest, ChangesAreSeenAndShrinkingFilesRemoveGroups) {
  Write("t.yaml", "- targets: ['x:1']\n- targets: ['y:1']\n");
  Collector c(*Config("files: ['t.yaml']")->NewDiscoverer());
  ASSERT_TRUE(c.WaitFor([](const auto& s) { return s.size() == 2; }));
  Write("t.yaml", "- targets: ['z:1', 'z:2']\n");
  ASSERT_TRUE(c.WaitFor([&](const auto& s) {
    return s.size() == 1 && CountTargets(s) == 2;
  }));
  EXPECT_EQ(c.state().begin()->second.targets[1].Get("__address__"), "z:2");
}

TEST_F(FileSDTest, BadFileKeepsLastGoodGroupsAndLogs) {
  Write("t.json", R"([{"targets": ["good:1"]}])");
  Collector c(*Config("files: ['t.json']")->NewDiscoverer());
  ASSERT_TRUE(c.WaitFor([](const auto& s) { return CountTargets(s) == 1; }));
  Write("t.json", R"([{"targets": ["broken:1"]},)");
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (errors().empty() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_FALSE(errors().empty());
  EXPECT_NE(errors()[0].find("Error reading file"), std::string::npos);
  EXPECT_NE(errors()[0].find("invalid JSON"), std::string::npos);
  EXPECT_EQ(c.state().begin()->second.targets[0].Get("__address__"), "good:1");
  EXPECT_GE(c.discoverer().metrics()->failures.load(), 1u);
  // Fixed again: picked up.
  Write("t.json", R"([{"targets": ["fixed:1"]}])");
  ASSERT_TRUE(c.WaitFor([](const auto& s) {
    return !s.empty() &&
           s.begin()->second.targets[0].Get("__address__") == "fixed:1";
  }));
}

TEST_F(FileSDTest, DeletedFileRemovesItsGroups) {
  Write("a.yml", "- targets: ['a:1']\n");
  Write("b.yml", "- targets: ['b:1']\n");
  Collector c(*Config("files: ['*.yml']")->NewDiscoverer());
  ASSERT_TRUE(c.WaitFor([](const auto& s) { return s.size() == 2; }));
  ASSERT_EQ(::unlink((dir_ + "/a.yml").c_str()), 0);
  ASSERT_TRUE(c.WaitFor([&](const auto& s) {
    return s.size() == 1 && s.count(dir_ + "/b.yml:0") == 1;
  }));
}

TEST_F(FileSDTest, NoFilesYetSendsEmptyThenPicksUpNewFile) {
  Collector c(*Config("files: ['*.json']")->NewDiscoverer());
  ASSERT_TRUE(c.WaitFor([](const auto& s) { return s.empty(); }));
  EXPECT_EQ(c.sends(), 1);
  Write("new.json", R"([{"targets": ["n:1"]}])");
  ASSERT_TRUE(c.WaitFor([](const auto& s) { return CountTargets(s) == 1; }));
}

TEST(FileSDConfigTest, Validation) {
  auto err = [](const char* yaml) {
    return std::string(ParseFileSDConfig(YAML::Load(yaml), "p.yml").status().message());
  };
  EXPECT_EQ(err("files: []"),
            "p.yml:1:1: file service discovery config must contain at least "
            "one path name");
  EXPECT_EQ(err("files: ['targets.txt']"),
            "p.yml:1:8: path name \"targets.txt\" is not valid for file "
            "discovery");
  EXPECT_EQ(err("files: ['*/x.json']"),
            "p.yml:1:8: path name \"*/x.json\" is not valid for file discovery");
  EXPECT_EQ(err("files: ['a.json']\nrefresh_interval: 5x"),
            "p.yml:2:19: not a valid duration string: \"5x\"");
  EXPECT_EQ(err("files: ['a.json']\nfoo: 1"),
            "p.yml:2:1: field foo not found in type file.SDConfig");
  auto ok = ParseFileSDConfig(
      YAML::Load("files: ['sd/*.json', '/abs/x.YAML']\nrefresh_interval: 1m"),
      "p.yml", "/etc/prom");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)->files[0], "/etc/prom/sd/*.json");
  EXPECT_EQ((*ok)->files[1], "/abs/x.YAML");
  EXPECT_EQ((*ok)->refresh_interval, absl::Minutes(1));
}

}  // namespace
}  // namespace vigil::sd
