// Loads every prometheus.yml that prometheus-operator's tests expect it to
// generate (../shared/conformance/operator/prometheus-configs, 507 files)
// the way the server does at startup: LoadConfigFile, then the discoverers
// of every scrape job and Alertmanager set. Every file must load except the
// ones listed in kRefused below, each with the reason; none may crash. A
// discovery section Vigil has no provider for does not fail the load (the
// server skips it with a warning); the test counts those.
// Skips with a message when ../shared is absent.

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "examples/server/config.h"
#include "examples/server/discovery_configs.h"
#include "gtest/gtest.h"

namespace vigil::server {
namespace {

namespace fs = std::filesystem;

constexpr char kDir[] = "vigil_shared/conformance/operator/prometheus-configs";

// Files Vigil refuses, with the reason and a substring of the error. None
// of them is refused by Prometheus 3.x itself: every entry waits for
// issue #14 (remote write authentication and remote write 2.0), whose
// features are refused with Unimplemented rather than accepted and
// ignored, since that would send data without the configured
// authentication or in a format the receiver did not ask for.
struct Refusal {
  const char* file;
  const char* reason;
  const char* error;
};

constexpr char kSigV4[] = "needs #14: sigv4 (AWS Signature V4) authentication";
constexpr char kAzureAD[] = "needs #14: azuread authentication";
constexpr char kRW2[] =
    "needs #14: remote write 2.0 (protobuf_message io.prometheus.write.v2.Request)";

constexpr Refusal kRefused[] = {
    {"AlertmanagerSigv4_Valid_Prom_Version.golden", kSigV4, "sigv4"},
    {"RemoteWriteConfig_3.10.0.golden", kSigV4, "sigv4 is not supported"},
    {"RemoteWriteConfig_3.11.0.golden", kSigV4, "sigv4 is not supported"},
    {"RemoteWriteConfig_3.golden", kSigV4, "sigv4 is not supported"},
    {"RemoteWriteConfig_v2.26.0_4.golden", kSigV4, "sigv4 is not supported"},
    {"RemoteWriteConfig_v2.53.0.golden", kSigV4, "sigv4 is not supported"},
    {"RemoteWriteConfig_v2.54.0.golden", kSigV4, "sigv4 is not supported"},
    {"RemoteWriteConfigAzureADOAuth_v2.48.0_1.golden", kAzureAD, "azuread is not supported"},
    {"RemoteWriteConfigAzureADSDK_v2.52.0.golden", kAzureAD, "azuread is not supported"},
    {"RemoteWriteConfigAzureADWorkloadIdentity_v3.7.0.golden", kAzureAD,
     "azuread is not supported"},
    {"RemoteWriteConfig_AzureADManagedIdentity_v3.5.0.golden", kAzureAD,
     "azuread is not supported"},
    {"RemoteWriteConfig_AzureADScope_v3.8.0.golden", kAzureAD, "azuread is not supported"},
    {"RemoteWriteConfig_AzureADScope_v3.9.0.golden", kAzureAD, "azuread is not supported"},
    {"RemoteWriteConfig_v2.45.0_1.golden", kAzureAD, "azuread is not supported"},
    {"RemoteWriteConfig_MessageVersion2_with_metadata.golden", kRW2,
     "io.prometheus.write.v2.Request is not supported"},
    {"RemoteWriteConfig_v2.54.0_MessageVersion2.golden", kRW2,
     "io.prometheus.write.v2.Request is not supported"},
    {"RemoteWriteConfig_v3.1.0.golden", kRW2,
     "io.prometheus.write.v2.Request is not supported"},
};

std::string ConfigDir() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  std::string base = srcdir ? srcdir : ".";
  for (const std::string& p :
       {base + "/vigil/external/" + kDir, base + "/" + kDir}) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) return p;
  }
  return "";
}

// LoadConfigFile plus the discoverers app.cc builds from the result. Like
// the server, a discovery section Vigil has no provider for (consul_sd,
// ec2_sd, ...) is skipped with a startup warning, collected in `skipped`.
absl::Status LoadAsServer(const std::string& path, std::vector<std::string>* skipped) {
  absl::StatusOr<Config> cfg = LoadConfigFile(path);
  if (!cfg.ok()) return cfg.status();
  std::string dir = fs::path(path).parent_path().string();
  for (const auto& sc : cfg->scrape_configs) {
    auto d = BuildDiscoverers(sc.sd_configs, sc.job_name, path, dir, skipped);
    if (!d.ok()) return d.status();
  }
  for (const auto& am : cfg->alerting.alertmanagers) {
    auto d = BuildDiscoverers(am.sd_configs, "alertmanager", path, dir, skipped);
    if (!d.ok()) return d.status();
  }
  return absl::OkStatus();
}

// "consul_sd_configs" from a BuildDiscoverers warning.
std::string SkippedKey(const std::string& warning) {
  size_t end = warning.find(" is not supported");
  size_t start = warning.rfind(' ', end - 1);
  if (end == std::string::npos || start == std::string::npos) return warning;
  return warning.substr(start + 1, end - start - 1);
}

TEST(OperatorConfigsTest, AllLoadExceptDocumentedRefusals) {
  std::string dir = ConfigDir();
  if (dir.empty()) {
    GTEST_SKIP() << "../shared/conformance/operator is absent; operator configs not checked";
  }
  std::map<std::string, const Refusal*> refused;
  for (const Refusal& r : kRefused) {
    if (*r.file != '\0') refused[r.file] = &r;
  }

  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".golden") files.push_back(e.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  ASSERT_EQ(files.size(), 507u);

  int loaded = 0, with_skipped_sd = 0;
  std::map<std::string, int> by_reason, skipped_keys;
  for (const std::string& f : files) {
    std::vector<std::string> skipped;
    absl::Status st = LoadAsServer(dir + "/" + f, &skipped);
    auto it = refused.find(f);
    if (it == refused.end()) {
      EXPECT_TRUE(st.ok()) << f << ": " << st;
    } else {
      EXPECT_FALSE(st.ok()) << f << " loads now; drop it from kRefused ("
                            << it->second->reason << ")";
      if (!st.ok()) {
        EXPECT_TRUE(absl::StrContains(st.message(), it->second->error))
            << f << ": " << st << " (expected \"" << it->second->error << "\")";
        EXPECT_NE(st.code(), absl::StatusCode::kInternal) << f << ": " << st;
      }
      ++by_reason[it->second->reason];
      refused.erase(it);
    }
    if (!st.ok()) continue;
    ++loaded;
    if (!skipped.empty()) ++with_skipped_sd;
    for (const std::string& w : skipped) ++skipped_keys[SkippedKey(w)];
  }
  for (const auto& [f, r] : refused) ADD_FAILURE() << "kRefused names a missing file " << f;
  std::cout << loaded << " of " << files.size() << " operator configs load\n";
  for (const auto& [reason, n] : by_reason) std::cout << "  refused " << n << ": " << reason << "\n";
  std::cout << "  " << with_skipped_sd
            << " of the loaded ones skip discovery sections Vigil has no provider for:";
  for (const auto& [key, n] : skipped_keys) std::cout << " " << key << " x" << n;
  std::cout << "\n";
  EXPECT_EQ(loaded, 490);
}

}  // namespace
}  // namespace vigil::server
