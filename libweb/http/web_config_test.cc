#include "libweb/http/web_config.h"

#include <crypt.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libweb/http/server.h"
#include "libweb/http/testing/test_certs.h"

namespace vigil::web {
namespace {

using testing::CurlCode;
using testing::KeyAndCert;
using testing::MakeCert;
using testing::WritePem;

std::string Bcrypt(const std::string& password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  EXPECT_NE(crypt_gensalt_rn("$2b$", 4, nullptr, 0, salt, sizeof(salt)), nullptr);
  crypt_data data{};
  return crypt_r(password.c_str(), salt, &data);
}

TEST(ParseWebConfigTest, FieldsAndErrors) {
  absl::StatusOr<WebConfig> c = ParseWebConfig(R"(
tls_server_config:
  cert_file: s.crt
  key_file: /abs/s.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.crt
  min_version: TLS13
  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
  curve_preferences: [X25519]
http_server_config:
  headers: {X-Frame-Options: deny}
basic_auth_users:
  alice: $2y$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234
)", "/etc/w/web.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_NE(c->tls, nullptr);
  EXPECT_EQ(c->tls->cert_file, "/etc/w/s.crt");
  EXPECT_EQ(c->tls->key_file, "/abs/s.key");
  EXPECT_EQ(c->tls->client_ca_file, "/etc/w/ca.crt");
  EXPECT_EQ(c->tls->cipher_suites, std::vector<std::string>{"ECDHE-RSA-AES128-GCM-SHA256"});
  EXPECT_EQ(c->tls->curves, std::vector<std::string>{"X25519"});
  EXPECT_EQ(c->headers.size(), 1u);
  EXPECT_EQ(c->basic_auth_users.count("alice"), 1u);

  struct Case {
    const char* yaml;
    const char* error;
  } cases[] = {
      {"tls_server_config:\n  cert_file: a\n", "missing key_file"},
      {"tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS14\n",
       "w.yml:4:16: unknown TLS version: TLS14"},
      {"tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: [NOPE]\n",
       "unknown cipher: NOPE"},
      {"tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Bogus\n",
       "invalid ClientAuth: Bogus"},
      {"tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: "
       "RequireAndVerifyClientCert\n",
       "needs client_ca_file"},
      {"basic_auth_users:\n  bob: plaintext\n", "is not a bcrypt hash"},
      {"tls_server_config:\n  cert_fil: a\n", "field cert_fil not found"},
  };
  for (const Case& tc : cases) {
    absl::StatusOr<WebConfig> bad = ParseWebConfig(tc.yaml, "w.yml");
    ASSERT_FALSE(bad.ok()) << tc.yaml;
    EXPECT_TRUE(absl::StrContains(bad.status().message(), tc.error)) << bad.status();
  }
}

TEST(BcryptTest, MatchesOnlyTheRightPassword) {
  std::string hash = Bcrypt("s3cret");
  EXPECT_TRUE(BcryptMatches("s3cret", hash));
  EXPECT_FALSE(BcryptMatches("s3creT", hash));
  EXPECT_FALSE(BcryptMatches("", hash));
  EXPECT_FALSE(BcryptMatches("s3cret", "$2b$04$notavalidhash"));
}

class TlsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("curl --version >/dev/null 2>&1") != 0) {
      GTEST_SKIP() << "curl is not installed (tools/install_deps.sh installs it)";
    }
    dir_ = absl::StrCat(std::getenv("TEST_TMPDIR"), "/",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::system(absl::StrCat("rm -rf ", dir_, " && mkdir -p ", dir_).c_str());
    ca_ = MakeCert("test ca", nullptr, true, -3600, 86400 * 10);
    WritePem(ca_, dir_ + "/ca");
    WritePem(MakeCert("server", &ca_, false), dir_ + "/server");
    WritePem(MakeCert("client", &ca_, false), dir_ + "/client");
    WritePem(MakeCert("expired", &ca_, false, -7200, -3600), dir_ + "/expired");
    WritePem(MakeCert("stranger", nullptr, false), dir_ + "/stranger");
  }

  void Start(const std::string& yaml) {
    std::ofstream(dir_ + "/web.yml") << yaml;
    absl::StatusOr<std::unique_ptr<WebConfigSource>> src =
        WebConfigSource::Open(dir_ + "/web.yml");
    ASSERT_TRUE(src.ok()) << src.status();
    source_ = std::move(*src);
    ServerOptions o;
    if (source_->tls_enabled()) o.tls_context = [this] { return source_->TlsContext(); };
    server_ = std::make_unique<Server>(o, [this](const Request& req, Response* res) {
      source_->AddHeaders(res);
      if (!source_->Authorize(req, res)) return;
      res->SetContent("ok\n", "text/plain");
    });
    absl::StatusOr<int> port = server_->Listen("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.status();
    url_ = absl::StrCat("https://127.0.0.1:", *port, "/api/v1/query");
    server_->Start();
  }

  std::string Curl(const std::string& extra) {
    return CurlCode(absl::StrCat("--cacert ", dir_, "/ca.crt ", extra, " ", url_));
  }
  std::string ClientCert(const std::string& name) {
    return absl::StrCat("--cert ", dir_, "/", name, ".crt --key ", dir_, "/", name, ".key");
  }

  std::string dir_;
  KeyAndCert ca_;
  std::unique_ptr<WebConfigSource> source_;
  std::unique_ptr<Server> server_;
  std::string url_;
};

TEST_F(TlsServerTest, BasicAuthOverTls) {
  Start(absl::StrCat("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n",
                     "basic_auth_users:\n  alice: ", Bcrypt("good"), "\n"));
  EXPECT_EQ(Curl("-u alice:good"), "200");
  EXPECT_EQ(Curl("-u alice:bad"), "401");
  EXPECT_EQ(Curl("-u mallory:good"), "401");
  EXPECT_EQ(Curl(""), "401");
  // Plain HTTP to a TLS port is no request at all.
  EXPECT_NE(CurlCode(absl::StrCat("-u alice:good http://", url_.substr(8))), "200");
}

TEST_F(TlsServerTest, ClientCertificatesRequiredAndVerified) {
  Start(
      "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
      "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n");
  EXPECT_EQ(Curl(ClientCert("client")), "200");
  EXPECT_EQ(Curl(""), "000") << "no client certificate";
  EXPECT_EQ(Curl(ClientCert("expired")), "000") << "expired client certificate";
  EXPECT_EQ(Curl(ClientCert("stranger")), "000") << "certificate of another CA";
}

TEST_F(TlsServerTest, TlsVersionsAndHeaders) {
  Start(
      "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
      "  min_version: TLS13\n"
      "http_server_config:\n  headers:\n    X-Frame-Options: deny\n");
  EXPECT_EQ(Curl("--tls-max 1.2"), "000");
  EXPECT_EQ(Curl("--tlsv1.3"), "200");
  std::string cmd = absl::StrCat("curl -s -D - -o /dev/null --cacert ", dir_, "/ca.crt ", url_);
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string head;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof(buf), p)) head.append(buf, n);
  ::pclose(p);
  EXPECT_TRUE(absl::StrContains(head, "X-Frame-Options: deny")) << head;
}

TEST_F(TlsServerTest, CertificateRotatesWithoutRestartAndBadEditsKeepTheOld) {
  Start("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
  EXPECT_EQ(Curl(""), "200");
  // A new server certificate from another CA: clients of the old CA now
  // fail, clients of the new one pass — on the next connection.
  KeyAndCert ca2 = MakeCert("second ca", nullptr, true);
  WritePem(ca2, dir_ + "/ca2");
  WritePem(MakeCert("server2", &ca2, false), dir_ + "/server");
  EXPECT_EQ(Curl(""), "000");
  EXPECT_EQ(CurlCode(absl::StrCat("--cacert ", dir_, "/ca2.crt ", url_)), "200");
  EXPECT_TRUE(source_->last_error().ok()) << source_->last_error();
  // A key that does not match: the last good pair keeps serving.
  std::ofstream(dir_ + "/server.key") << MakeCert("other", &ca2, false).key_pem;
  EXPECT_EQ(CurlCode(absl::StrCat("--cacert ", dir_, "/ca2.crt ", url_)), "200");
  EXPECT_FALSE(source_->last_error().ok());
  EXPECT_TRUE(absl::StrContains(source_->last_error().message(), "server.key: ") &&
              absl::StrContains(source_->last_error().message(), "mismatch"))
      << source_->last_error();
}

}  // namespace
}  // namespace vigil::web
