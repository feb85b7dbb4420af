#include "libweb/http/web_config.h"

#include <crypt.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libsd/internal/yaml_util.h"
#include "model/status_macros.h"

namespace vigil::web {
namespace {

using sd::internal::CheckMap;
using sd::internal::Field;
using sd::internal::LoadYaml;
using sd::internal::ReadBool;
using sd::internal::ReadString;
using sd::internal::ReadStringList;
using sd::internal::ReadStringMap;
using sd::internal::YamlError;

// Go's crypto/tls names of the TLS 1.2 suites it offers -> OpenSSL's.
constexpr std::pair<const char*, const char*> kCipherSuites[] = {
    {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"},
    {"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"},
    {"TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256"},
    {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"},
    {"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"},
    {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256"},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"},
};

constexpr std::pair<const char*, const char*> kCurves[] = {
    {"CurveP256", "P-256"}, {"CurveP384", "P-384"}, {"CurveP521", "P-521"},
    {"X25519", "X25519"},
};

constexpr std::pair<const char*, int> kVersions[] = {
    {"TLS10", TLS1_VERSION}, {"TLS11", TLS1_1_VERSION},
    {"TLS12", TLS1_2_VERSION}, {"TLS13", TLS1_3_VERSION},
};

constexpr const char* kClientAuthTypes[] = {
    "NoClientCert", "RequestClientCert", "RequireAnyClientCert",
    "VerifyClientCertIfGiven", "RequireAndVerifyClientCert"};

bool Verifies(absl::string_view auth_type) {
  return auth_type == "VerifyClientCertIfGiven" || auth_type == "RequireAndVerifyClientCert";
}

std::string DirOf(absl::string_view path) {
  size_t slash = path.rfind('/');
  return slash == absl::string_view::npos ? "" : std::string(path.substr(0, slash + 1));
}

std::string Resolve(const std::string& dir, const std::string& file) {
  if (file.empty() || file[0] == '/') return file;
  return dir + file;
}

// The OpenSSL error queue as one line (and emptied).
std::string SslErrors() {
  std::string out;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown TLS error" : out;
}

absl::Status ParseTls(const YAML::Node& node, absl::string_view path, WebConfig* out) {
  VIGIL_RETURN_IF_ERROR(CheckMap(
      node,
      {"cert_file", "key_file", "cert", "key", "client_auth_type", "client_ca_file",
       "client_allowed_sans", "min_version", "max_version", "cipher_suites",
       "curve_preferences", "prefer_server_cipher_suites"},
      "web.TLSConfig", path));
  auto tls = std::make_unique<TlsServerConfig>();
  const std::string dir = DirOf(path);
  auto read = [&](const char* key, std::string* v) -> absl::Status {
    VIGIL_ASSIGN_OR_RETURN(*v, ReadString(Field(node, key), path));
    return absl::OkStatus();
  };
  VIGIL_RETURN_IF_ERROR(read("cert_file", &tls->cert_file));
  VIGIL_RETURN_IF_ERROR(read("key_file", &tls->key_file));
  VIGIL_RETURN_IF_ERROR(read("cert", &tls->cert));
  VIGIL_RETURN_IF_ERROR(read("key", &tls->key));
  VIGIL_RETURN_IF_ERROR(read("client_ca_file", &tls->client_ca_file));
  tls->cert_file = Resolve(dir, tls->cert_file);
  tls->key_file = Resolve(dir, tls->key_file);
  tls->client_ca_file = Resolve(dir, tls->client_ca_file);
  bool has_cert = !tls->cert_file.empty() || !tls->cert.empty();
  bool has_key = !tls->key_file.empty() || !tls->key.empty();
  if (!has_cert && !has_key) return absl::OkStatus();  // plain HTTP
  if (!has_cert) return YamlError(node, path, "missing cert_file");
  if (!has_key) return YamlError(node, path, "missing key_file");

  YAML::Node auth = Field(node, "client_auth_type");
  std::string auth_type;
  VIGIL_RETURN_IF_ERROR(read("client_auth_type", &auth_type));
  if (!auth_type.empty()) {
    bool known = false;
    for (const char* t : kClientAuthTypes) known |= auth_type == t;
    if (!known) return YamlError(auth, path, absl::StrCat("invalid ClientAuth: ", auth_type));
    tls->client_auth_type = auth_type;
  }
  if (Verifies(tls->client_auth_type) && tls->client_ca_file.empty()) {
    return YamlError(auth, path,
                     absl::StrCat("client_auth_type ", tls->client_auth_type,
                                  " needs client_ca_file"));
  }
  if (!tls->client_ca_file.empty() && tls->client_auth_type == "NoClientCert") {
    return YamlError(Field(node, "client_ca_file"), path,
                     "Client CA's have been configured without a Client Auth Policy");
  }
  YAML::Node sans = Field(node, "client_allowed_sans");
  VIGIL_ASSIGN_OR_RETURN(std::vector<std::string> san_list, ReadStringList(sans, path));
  if (!san_list.empty()) {
    return absl::UnimplementedError(
        YamlError(sans, path, "client_allowed_sans is not supported").message());
  }
  for (const char* key : {"min_version", "max_version"}) {
    YAML::Node v = Field(node, key);
    std::string name;
    VIGIL_ASSIGN_OR_RETURN(name, ReadString(v, path));
    if (name.empty()) continue;
    int version = 0;
    for (const auto& [n, ver] : kVersions) {
      if (name == n) version = ver;
    }
    if (version == 0) return YamlError(v, path, absl::StrCat("unknown TLS version: ", name));
    (std::string(key) == "min_version" ? tls->min_version : tls->max_version) = version;
  }
  YAML::Node suites = Field(node, "cipher_suites");
  VIGIL_ASSIGN_OR_RETURN(std::vector<std::string> suite_names, ReadStringList(suites, path));
  for (const std::string& s : suite_names) {
    const char* openssl = nullptr;
    for (const auto& [go, os] : kCipherSuites) {
      if (s == go) openssl = os;
    }
    if (openssl == nullptr) return YamlError(suites, path, absl::StrCat("unknown cipher: ", s));
    tls->cipher_suites.push_back(openssl);
  }
  YAML::Node curves = Field(node, "curve_preferences");
  VIGIL_ASSIGN_OR_RETURN(std::vector<std::string> curve_names, ReadStringList(curves, path));
  for (const std::string& c : curve_names) {
    const char* openssl = nullptr;
    for (const auto& [go, os] : kCurves) {
      if (c == go) openssl = os;
    }
    if (openssl == nullptr) return YamlError(curves, path, absl::StrCat("unknown curve: ", c));
    tls->curves.push_back(openssl);
  }
  if (Field(node, "prefer_server_cipher_suites").IsDefined()) {
    VIGIL_ASSIGN_OR_RETURN(tls->prefer_server_cipher_suites,
                           ReadBool(Field(node, "prefer_server_cipher_suites"), path));
  }
  out->tls = std::move(tls);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// What identifies the current contents of `files` without reading them.
std::string Stamp(const std::vector<std::string>& files) {
  std::string out;
  for (const std::string& f : files) {
    struct stat st;
    if (::stat(f.c_str(), &st) != 0) {
      absl::StrAppend(&out, f, ":missing;");
      continue;
    }
    absl::StrAppend(&out, f, ":", st.st_ino, ":", st.st_size, ":", st.st_mtim.tv_sec, ".",
                    st.st_mtim.tv_nsec, ";");
  }
  return out;
}

// Accepts any certificate the client sends (RequestClientCert,
// RequireAnyClientCert): it is asked for, not verified.
int AcceptAnyCertificate(int, X509_STORE_CTX*) { return 1; }

}  // namespace

absl::StatusOr<WebConfig> ParseWebConfig(absl::string_view yaml, absl::string_view path) {
  WebConfig cfg;
  VIGIL_ASSIGN_OR_RETURN(YAML::Node root, LoadYaml(yaml, path));
  if (!root.IsDefined() || root.IsNull()) return cfg;
  VIGIL_RETURN_IF_ERROR(CheckMap(root, {"tls_server_config", "http_server_config", "basic_auth_users"},
                                 "web.Config", path));
  VIGIL_RETURN_IF_ERROR(ParseTls(Field(root, "tls_server_config"), path, &cfg));
  YAML::Node http = Field(root, "http_server_config");
  VIGIL_RETURN_IF_ERROR(CheckMap(http, {"http2", "headers"}, "web.HTTPConfig", path));
  if (Field(http, "http2").IsDefined()) {
    VIGIL_RETURN_IF_ERROR(ReadBool(Field(http, "http2"), path).status());
  }
  VIGIL_ASSIGN_OR_RETURN(auto headers, ReadStringMap(Field(http, "headers"), path));
  for (auto& [k, v] : headers) cfg.headers.emplace_back(k, v);
  YAML::Node users = Field(root, "basic_auth_users");
  VIGIL_ASSIGN_OR_RETURN(cfg.basic_auth_users, ReadStringMap(users, path));
  for (const auto& [user, hash] : cfg.basic_auth_users) {
    if (!absl::StartsWith(hash, "$2a$") && !absl::StartsWith(hash, "$2b$") &&
        !absl::StartsWith(hash, "$2y$")) {
      return YamlError(users, path,
                       absl::StrCat("basic_auth_users: the password of user \"", user,
                                    "\" is not a bcrypt hash"));
    }
  }
  return cfg;
}

absl::StatusOr<std::shared_ptr<SSL_CTX>> NewServerTlsContext(const TlsServerConfig& tls) {
  ERR_clear_error();
  std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (ctx == nullptr) return absl::InternalError(SslErrors());
  SSL_CTX* c = ctx.get();
  SSL_CTX_set_min_proto_version(c, tls.min_version == 0 ? TLS1_2_VERSION : tls.min_version);
  if (tls.max_version != 0) SSL_CTX_set_max_proto_version(c, tls.max_version);
  if (!tls.cipher_suites.empty() &&
      SSL_CTX_set_cipher_list(c, absl::StrJoin(tls.cipher_suites, ":").c_str()) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("cipher_suites: ", SslErrors()));
  }
  if (!tls.curves.empty() &&
      SSL_CTX_set1_groups_list(c, absl::StrJoin(tls.curves, ":").c_str()) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("curve_preferences: ", SslErrors()));
  }
  if (tls.prefer_server_cipher_suites) SSL_CTX_set_options(c, SSL_OP_CIPHER_SERVER_PREFERENCE);

  if (!tls.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(c, tls.cert_file.c_str()) != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("cert_file ", tls.cert_file, ": ", SslErrors()));
    }
  } else {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(tls.cert.data(), static_cast<int>(tls.cert.size())), BIO_free);
    X509* leaf = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (leaf == nullptr || SSL_CTX_use_certificate(c, leaf) != 1) {
      if (leaf != nullptr) X509_free(leaf);
      return absl::InvalidArgumentError(absl::StrCat("cert: ", SslErrors()));
    }
    X509_free(leaf);
    while (X509* extra = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      SSL_CTX_add0_chain_cert(c, extra);  // takes ownership
    }
    ERR_clear_error();  // the end of the PEM stream
  }
  if (!tls.key_file.empty()) {
    if (SSL_CTX_use_PrivateKey_file(c, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("key_file ", tls.key_file, ": ", SslErrors()));
    }
  } else {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(tls.key.data(), static_cast<int>(tls.key.size())), BIO_free);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    if (key == nullptr || SSL_CTX_use_PrivateKey(c, key) != 1) {
      if (key != nullptr) EVP_PKEY_free(key);
      return absl::InvalidArgumentError(absl::StrCat("key: ", SslErrors()));
    }
    EVP_PKEY_free(key);
  }
  if (SSL_CTX_check_private_key(c) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("the private key does not match the certificate: ", SslErrors()));
  }

  const std::string& auth = tls.client_auth_type;
  if (!tls.client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(c, tls.client_ca_file.c_str(), nullptr) != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("client_ca_file ", tls.client_ca_file, ": ", SslErrors()));
    }
    SSL_CTX_set_client_CA_list(c, SSL_load_client_CA_file(tls.client_ca_file.c_str()));
  }
  static const unsigned char kSessionContext[] = "vigil";
  SSL_CTX_set_session_id_context(c, kSessionContext, sizeof(kSessionContext) - 1);
  if (auth == "RequestClientCert") {
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, AcceptAnyCertificate);
  } else if (auth == "RequireAnyClientCert") {
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       AcceptAnyCertificate);
  } else if (auth == "VerifyClientCertIfGiven") {
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
  } else if (auth == "RequireAndVerifyClientCert") {
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  } else {
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
  }
  return ctx;
}

bool BcryptMatches(absl::string_view password, const std::string& hash) {
  auto data = std::make_unique<crypt_data>();
  std::string pw(password);
  const char* out = crypt_r(pw.c_str(), hash.c_str(), data.get());
  if (out == nullptr || out[0] == '*') return false;
  size_t n = std::strlen(out);
  return n == hash.size() && CRYPTO_memcmp(out, hash.data(), n) == 0;
}

struct WebConfigSource::Loaded {
  WebConfig config;
  std::shared_ptr<SSL_CTX> tls;
  std::vector<std::string> files;  // watched: the config and what it names
  std::string stamp;
};

absl::StatusOr<std::shared_ptr<const WebConfigSource::Loaded>> WebConfigSource::Load() const {
  auto loaded = std::make_shared<Loaded>();
  loaded->files.push_back(path_);
  VIGIL_ASSIGN_OR_RETURN(std::string text, ReadFile(path_));
  VIGIL_ASSIGN_OR_RETURN(loaded->config, ParseWebConfig(text, path_));
  if (loaded->config.tls != nullptr) {
    const TlsServerConfig& t = *loaded->config.tls;
    for (const std::string* f : {&t.cert_file, &t.key_file, &t.client_ca_file}) {
      if (!f->empty()) loaded->files.push_back(*f);
    }
    absl::StatusOr<std::shared_ptr<SSL_CTX>> ctx = NewServerTlsContext(t);
    if (!ctx.ok()) {
      return absl::Status(ctx.status().code(), absl::StrCat(path_, ": ", ctx.status().message()));
    }
    loaded->tls = std::move(*ctx);
  }
  loaded->stamp = Stamp(loaded->files);
  return std::shared_ptr<const Loaded>(std::move(loaded));
}

absl::StatusOr<std::unique_ptr<WebConfigSource>> WebConfigSource::Open(const std::string& path) {
  std::unique_ptr<WebConfigSource> src(new WebConfigSource(path));
  VIGIL_ASSIGN_OR_RETURN(std::shared_ptr<const Loaded> loaded, src->Load());
  src->tls_enabled_ = loaded->tls != nullptr;
  absl::MutexLock l(&src->mu_);
  src->current_ = std::move(loaded);
  return src;
}

std::shared_ptr<const WebConfigSource::Loaded> WebConfigSource::Current() {
  std::shared_ptr<const Loaded> cur;
  {
    absl::MutexLock l(&mu_);
    cur = current_;
  }
  if (Stamp(cur->files) == cur->stamp) return cur;
  absl::StatusOr<std::shared_ptr<const Loaded>> next = Load();
  absl::MutexLock l(&mu_);
  if (!next.ok()) {
    last_error_ = next.status();
    return current_;
  }
  // A file that turns TLS on or off mid-run keeps the server's mode.
  if (((*next)->tls != nullptr) != tls_enabled_) {
    last_error_ = absl::FailedPreconditionError(
        absl::StrCat(path_, ": TLS cannot be turned on or off without a restart"));
    return current_;
  }
  last_error_ = absl::OkStatus();
  current_ = *next;
  auth_cache_.clear();
  return current_;
}

absl::StatusOr<std::shared_ptr<SSL_CTX>> WebConfigSource::TlsContext() {
  std::shared_ptr<const Loaded> cur = Current();
  if (cur->tls == nullptr) return absl::FailedPreconditionError("TLS is not configured");
  return cur->tls;
}

bool WebConfigSource::CheckBasicAuth(absl::string_view authorization) {
  std::shared_ptr<const Loaded> cur = Current();
  const auto& users = cur->config.basic_auth_users;
  if (users.empty()) return true;
  std::string decoded;
  if (!absl::StartsWithIgnoreCase(authorization, "Basic ") ||
      !absl::Base64Unescape(absl::StripAsciiWhitespace(authorization.substr(6)), &decoded)) {
    return false;
  }
  size_t colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  auto user = users.find(decoded.substr(0, colon));
  if (user == users.end()) return false;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  std::string key = absl::StrCat(decoded, "\n", user->second);
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  std::string cache_key(reinterpret_cast<const char*>(digest), sizeof(digest));
  {
    absl::MutexLock l(&mu_);
    auto it = auth_cache_.find(cache_key);
    if (it != auth_cache_.end()) return it->second;
  }
  bool ok = BcryptMatches(absl::string_view(decoded).substr(colon + 1), user->second);
  absl::MutexLock l(&mu_);
  if (auth_cache_.size() >= 4096) auth_cache_.clear();
  auth_cache_[cache_key] = ok;
  return ok;
}

bool WebConfigSource::Authorize(const Request& req, Response* res) {
  if (CheckBasicAuth(req.Header("Authorization"))) return true;
  res->status = 401;
  res->SetHeader("WWW-Authenticate", "Basic");
  res->SetContent("Unauthorized\n", "text/plain; charset=utf-8");
  return false;
}

std::shared_ptr<const WebConfig> WebConfigSource::config() {
  std::shared_ptr<const Loaded> cur = Current();
  return std::shared_ptr<const WebConfig>(cur, &cur->config);
}

void WebConfigSource::AddHeaders(Response* res) {
  std::shared_ptr<const Loaded> cur = Current();
  for (const auto& [k, v] : cur->config.headers) res->SetHeader(k, v);
}

absl::Status WebConfigSource::last_error() const {
  absl::MutexLock l(&mu_);
  return last_error_;
}

}  // namespace vigil::web
