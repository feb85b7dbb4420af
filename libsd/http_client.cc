#include "libsd/http_client.h"

#include <curl/curl.h>

#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libsd/internal/yaml_util.h"
#include "libsd/oauth2.h"
#include "model/status_macros.h"
#include "yaml-cpp/yaml.h"

namespace vigil::sd {

using internal::Field;
using internal::ReadString;
using internal::YamlError;

const std::vector<absl::string_view>& HTTPClientConfigFields() {
  static const auto* fields = new std::vector<absl::string_view>{
      "basic_auth",   "authorization",   "oauth2",
      "bearer_token", "bearer_token_file", "tls_config",
      "proxy_url",    "no_proxy",        "proxy_from_environment",
      "proxy_connect_header", "follow_redirects", "enable_http2",
      "http_headers"};
  return *fields;
}

namespace {

// prometheus/common's ProxyConfig: proxy_url, no_proxy,
// proxy_from_environment and proxy_connect_header with its checks.
absl::Status ParseProxy(const YAML::Node& node, absl::string_view source,
                        std::string* proxy_url, std::string* no_proxy,
                        bool* from_env,
                        std::map<std::string, std::vector<std::string>>* connect) {
  VIGIL_ASSIGN_OR_RETURN(*proxy_url, ReadString(Field(node, "proxy_url"), source));
  VIGIL_ASSIGN_OR_RETURN(*no_proxy, ReadString(Field(node, "no_proxy"), source));
  if (YAML::Node v = Field(node, "proxy_from_environment"); v.IsDefined()) {
    VIGIL_ASSIGN_OR_RETURN(*from_env, internal::ReadBool(v, source));
  }
  YAML::Node h = Field(node, "proxy_connect_header");
  if (h.IsDefined() && !h.IsNull()) {
    if (!h.IsMap()) return YamlError(h, source, "proxy_connect_header must be a map");
    for (auto it = h.begin(); it != h.end(); ++it) {
      VIGIL_ASSIGN_OR_RETURN(std::vector<std::string> values,
                             internal::ReadStringList(it->second, source));
      (*connect)[it->first.Scalar()] = std::move(values);
    }
  }
  if (*from_env && !proxy_url->empty()) {
    return YamlError(node, source,
                     "if proxy_from_environment is configured, proxy_url must not be configured");
  }
  if (*from_env && !no_proxy->empty()) {
    return YamlError(node, source,
                     "if proxy_from_environment is configured, no_proxy must not be configured");
  }
  if (proxy_url->empty() && !no_proxy->empty()) {
    return YamlError(node, source,
                     "if no_proxy is configured, proxy_url must also be configured");
  }
  if (!connect->empty() && !*from_env && proxy_url->empty()) {
    return YamlError(node, source,
                     "if proxy_connect_header is configured, proxy_url or "
                     "proxy_from_environment must also be configured");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TLSConfig> ParseTLSConfig(const YAML::Node& tls,
                                         absl::string_view source) {
  TLSConfig t;
  try {
    auto str = [&](const YAML::Node& n, const char* key,
                   std::string* out) -> absl::Status {
      YAML::Node f = Field(n, key);
      if (!f.IsDefined()) return absl::OkStatus();
      VIGIL_ASSIGN_OR_RETURN(*out, ReadString(f, source));
      return absl::OkStatus();
    };
    VIGIL_RETURN_IF_ERROR(internal::CheckMap(
        tls,
        {"ca", "ca_file", "cert", "cert_file", "key", "key_file",
         "server_name", "insecure_skip_verify", "min_version", "max_version"},
        "config.TLSConfig", source));
    VIGIL_RETURN_IF_ERROR(str(tls, "ca", &t.ca));
    VIGIL_RETURN_IF_ERROR(str(tls, "ca_file", &t.ca_file));
    VIGIL_RETURN_IF_ERROR(str(tls, "cert", &t.cert));
    VIGIL_RETURN_IF_ERROR(str(tls, "cert_file", &t.cert_file));
    VIGIL_RETURN_IF_ERROR(str(tls, "key", &t.key));
    VIGIL_RETURN_IF_ERROR(str(tls, "key_file", &t.key_file));
    VIGIL_RETURN_IF_ERROR(str(tls, "min_version", &t.min_version));
    std::string server_name;
    VIGIL_RETURN_IF_ERROR(str(tls, "server_name", &server_name));
    if (!server_name.empty()) {
      return absl::UnimplementedError(absl::StrCat(
          source, ": tls_config.server_name is not supported by Vigil"));
    }
    if (!t.ca.empty() && !t.ca_file.empty()) {
      return YamlError(tls, source,
                       "at most one of ca and ca_file must be configured");
    }
    if (!t.cert.empty() && !t.cert_file.empty()) {
      return YamlError(tls, source,
                       "at most one of cert and cert_file must be configured");
    }
    if (!t.key.empty() && !t.key_file.empty()) {
      return YamlError(tls, source,
                       "at most one of key and key_file must be configured");
    }
    bool has_cert = !t.cert.empty() || !t.cert_file.empty();
    bool has_key = !t.key.empty() || !t.key_file.empty();
    if (has_cert != has_key) {
      return YamlError(tls, source,
                       has_cert ? "exactly one of key or key_file must be "
                                  "configured when a client certificate is "
                                  "configured"
                                : "exactly one of cert or cert_file must be "
                                  "configured when a client key is configured");
    }
    if (YAML::Node v = Field(tls, "insecure_skip_verify"); v.IsDefined()) {
      VIGIL_ASSIGN_OR_RETURN(t.insecure_skip_verify,
                             internal::ReadBool(v, source));
    }
    if (!t.min_version.empty() && t.min_version != "TLS10" &&
        t.min_version != "TLS11" && t.min_version != "TLS12" &&
        t.min_version != "TLS13") {
      return YamlError(Field(tls, "min_version"), source,
                       absl::StrCat("unknown TLS version: ", t.min_version));
    }
  } catch (const YAML::Exception& e) {
    return internal::FromYamlException(e, source);
  }
  return t;
}

std::string HTTPClientConfig::Fingerprint() const {
  std::string headers;
  for (const auto& [k, vs] : proxy_connect_header) {
    absl::StrAppend(&headers, k, ":", absl::StrJoin(vs, ","), ";");
  }
  return absl::StrCat(
      has_basic_auth, username, "\x1f", username_file, "\x1f", password, "\x1f",
      password_file, "|", auth_type, "\x1f", credentials, "\x1f", credentials_file,
      "|", oauth2 ? oauth2->Fingerprint() : "", "|", tls.ca, tls.ca_file, "\x1f",
      tls.cert, tls.cert_file, "\x1f", tls.key, tls.key_file, "\x1f",
      tls.insecure_skip_verify, tls.min_version, "|", proxy_url, "\x1f", no_proxy,
      proxy_from_environment, headers, "|", follow_redirects, enable_http2);
}

absl::StatusOr<OAuth2Config> ParseOAuth2Config(const YAML::Node& node,
                                               absl::string_view source) {
  OAuth2Config o;
  try {
    VIGIL_RETURN_IF_ERROR(internal::CheckMap(
        node,
        {"client_id", "client_secret", "client_secret_file", "client_secret_ref",
         "client_certificate_key_id", "client_certificate_key",
         "client_certificate_key_file", "client_certificate_key_ref",
         "grant_type", "signature_algorithm", "iss", "audience", "claims",
         "scopes", "token_url", "endpoint_params", "tls_config", "proxy_url",
         "no_proxy", "proxy_from_environment", "proxy_connect_header"},
        "config.OAuth2", source));
    VIGIL_ASSIGN_OR_RETURN(o.client_id, ReadString(Field(node, "client_id"), source));
    VIGIL_ASSIGN_OR_RETURN(o.client_secret,
                           ReadString(Field(node, "client_secret"), source));
    VIGIL_ASSIGN_OR_RETURN(o.client_secret_file,
                           ReadString(Field(node, "client_secret_file"), source));
    VIGIL_ASSIGN_OR_RETURN(std::string secret_ref,
                           ReadString(Field(node, "client_secret_ref"), source));
    VIGIL_ASSIGN_OR_RETURN(std::string grant, ReadString(Field(node, "grant_type"), source));
    VIGIL_ASSIGN_OR_RETURN(o.scopes, internal::ReadStringList(Field(node, "scopes"), source));
    VIGIL_ASSIGN_OR_RETURN(o.token_url, ReadString(Field(node, "token_url"), source));
    VIGIL_ASSIGN_OR_RETURN(o.endpoint_params,
                           internal::ReadStringMap(Field(node, "endpoint_params"), source));
    VIGIL_RETURN_IF_ERROR(ParseProxy(node, source, &o.proxy_url, &o.no_proxy,
                                     &o.proxy_from_environment,
                                     &o.proxy_connect_header));
    if (YAML::Node t = Field(node, "tls_config"); t.IsDefined() && !t.IsNull()) {
      VIGIL_ASSIGN_OR_RETURN(o.tls, ParseTLSConfig(t, source));
    }
    if (o.client_id.empty()) {
      return YamlError(node, source, "oauth2 client_id must be configured");
    }
    if (o.token_url.empty()) {
      return YamlError(node, source, "oauth2 token_url must be configured");
    }
    if (!grant.empty() && grant != "client_credentials") {
      return absl::UnimplementedError(
          YamlError(Field(node, "grant_type"), source,
                    absl::StrCat("oauth2 grant_type ", grant,
                                 " is not supported by Vigil (only client_credentials)"))
              .message());
    }
    int secrets = !o.client_secret.empty() + !o.client_secret_file.empty() +
                  !secret_ref.empty();
    if (secrets > 1) {
      return YamlError(node, source,
                       "at most one of oauth2 client_secret, client_secret_file & "
                       "client_secret_ref must be configured using "
                       "grant-type=client_credentials");
    }
    if (!secret_ref.empty()) {
      return absl::UnimplementedError(
          YamlError(Field(node, "client_secret_ref"), source,
                    "oauth2 client_secret_ref needs a secret manager, which "
                    "Vigil does not have")
              .message());
    }
  } catch (const YAML::Exception& e) {
    return internal::FromYamlException(e, source);
  }
  return o;
}

absl::StatusOr<HTTPClientConfig> ParseHTTPClientConfig(
    const YAML::Node& node, absl::string_view source) {
  HTTPClientConfig c;
  try {
    auto str = [&](const YAML::Node& n, const char* key,
                   std::string* out) -> absl::Status {
      YAML::Node f = Field(n, key);
      if (!f.IsDefined()) return absl::OkStatus();
      VIGIL_ASSIGN_OR_RETURN(*out, ReadString(f, source));
      return absl::OkStatus();
    };
    if (YAML::Node o = Field(node, "oauth2"); o.IsDefined() && !o.IsNull()) {
      VIGIL_ASSIGN_OR_RETURN(c.oauth2, ParseOAuth2Config(o, source));
    }
    if (YAML::Node h = Field(node, "http_headers"); h.IsDefined() && !h.IsNull()) {
      return absl::UnimplementedError(
          absl::StrCat(source, ": http_headers is not supported by Vigil"));
    }
    YAML::Node ba = Field(node, "basic_auth");
    if (ba.IsDefined() && !ba.IsNull()) {
      VIGIL_RETURN_IF_ERROR(internal::CheckMap(
          ba, {"username", "username_file", "password", "password_file"},
          "config.BasicAuth", source));
      c.has_basic_auth = true;
      VIGIL_RETURN_IF_ERROR(str(ba, "username", &c.username));
      VIGIL_RETURN_IF_ERROR(str(ba, "username_file", &c.username_file));
      VIGIL_RETURN_IF_ERROR(str(ba, "password", &c.password));
      VIGIL_RETURN_IF_ERROR(str(ba, "password_file", &c.password_file));
      if (!c.username.empty() && !c.username_file.empty()) {
        return YamlError(ba, source,
                         "at most one of basic_auth username, username_file & "
                         "username_ref must be configured");
      }
      if (!c.password.empty() && !c.password_file.empty()) {
        return YamlError(ba, source,
                         "at most one of basic_auth password, password_file & "
                         "password_ref must be configured");
      }
    }
    std::string bearer, bearer_file;
    VIGIL_RETURN_IF_ERROR(str(node, "bearer_token", &bearer));
    VIGIL_RETURN_IF_ERROR(str(node, "bearer_token_file", &bearer_file));
    if (!bearer.empty() && !bearer_file.empty()) {
      return YamlError(node, source,
                       "at most one of bearer_token & bearer_token_file must "
                       "be configured");
    }
    if ((c.has_basic_auth || c.oauth2) && (!bearer.empty() || !bearer_file.empty())) {
      return YamlError(node, source,
                       "at most one of basic_auth, oauth2, bearer_token & "
                       "bearer_token_file must be configured");
    }
    YAML::Node au = Field(node, "authorization");
    if (au.IsDefined() && !au.IsNull()) {
      VIGIL_RETURN_IF_ERROR(internal::CheckMap(
          au, {"type", "credentials", "credentials_file"},
          "config.Authorization", source));
      if (!bearer.empty() || !bearer_file.empty()) {
        return YamlError(au, source,
                         "authorization is not compatible with bearer_token & "
                         "bearer_token_file");
      }
      VIGIL_RETURN_IF_ERROR(str(au, "type", &c.auth_type));
      VIGIL_RETURN_IF_ERROR(str(au, "credentials", &c.credentials));
      VIGIL_RETURN_IF_ERROR(str(au, "credentials_file", &c.credentials_file));
      if (!c.credentials.empty() && !c.credentials_file.empty()) {
        return YamlError(au, source,
                         "at most one of authorization credentials & "
                         "credentials_file must be configured");
      }
      c.auth_type = std::string(absl::StripAsciiWhitespace(c.auth_type));
      if (c.auth_type.empty()) c.auth_type = "Bearer";
      if (absl::AsciiStrToLower(c.auth_type) == "basic") {
        return YamlError(au, source,
                         "authorization type cannot be set to \"basic\", use "
                         "\"basic_auth\" instead");
      }
      if (c.has_basic_auth || c.oauth2) {
        return YamlError(au, source,
                         "at most one of basic_auth, oauth2 & authorization "
                         "must be configured");
      }
    } else if (!bearer.empty() || !bearer_file.empty()) {
      c.auth_type = "Bearer";
      c.credentials = bearer;
      c.credentials_file = bearer_file;
    }
    YAML::Node tls = Field(node, "tls_config");
    if (tls.IsDefined() && !tls.IsNull()) {
      VIGIL_ASSIGN_OR_RETURN(c.tls, ParseTLSConfig(tls, source));
    }
    if (c.has_basic_auth && c.oauth2) {
      return YamlError(node, source,
                       "at most one of basic_auth, oauth2 & authorization "
                       "must be configured");
    }
    VIGIL_RETURN_IF_ERROR(ParseProxy(node, source, &c.proxy_url, &c.no_proxy,
                                     &c.proxy_from_environment,
                                     &c.proxy_connect_header));
    if (YAML::Node v = Field(node, "follow_redirects"); v.IsDefined()) {
      VIGIL_ASSIGN_OR_RETURN(c.follow_redirects, internal::ReadBool(v, source));
    }
    if (YAML::Node v = Field(node, "enable_http2"); v.IsDefined()) {
      VIGIL_ASSIGN_OR_RETURN(c.enable_http2, internal::ReadBool(v, source));
    }
  } catch (const YAML::Exception& e) {
    return internal::FromYamlException(e, source);
  }
  return c;
}

namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_ALL); });
}

absl::StatusOr<std::string> ReadSecretFile(const std::string& path,
                                           absl::string_view what) {
  std::ifstream in(path);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("unable to read ", what, " file ", path));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(ss.str()));
}

struct Transfer {
  std::string* body = nullptr;
  size_t max_body = 0;
  bool too_big = false;
  const std::function<bool(long)>* on_status = nullptr;
  const std::function<bool(absl::string_view)>* on_data = nullptr;
  bool status_sent = false;
  bool aborted_by_callback = false;
  CURL* curl = nullptr;
  std::string content_type;
  std::string content_encoding;
  std::string retry_after;
  const absl::Notification* cancel = nullptr;
};

size_t WriteCb(char* ptr, size_t size, size_t n, void* ud) {
  auto* t = static_cast<Transfer*>(ud);
  size_t len = size * n;
  if (t->on_data != nullptr) {
    if (!t->status_sent) {
      t->status_sent = true;
      long code = 0;
      curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
      if (!(*t->on_status)(code)) {
        t->aborted_by_callback = true;
        return 0;
      }
    }
    if (!(*t->on_data)(absl::string_view(ptr, len))) {
      t->aborted_by_callback = true;
      return 0;
    }
    return len;
  }
  if (t->body->size() + len > t->max_body) {
    t->too_big = true;
    return 0;
  }
  t->body->append(ptr, len);
  return len;
}

size_t HeaderCb(char* ptr, size_t size, size_t n, void* ud) {
  auto* t = static_cast<Transfer*>(ud);
  absl::string_view line(ptr, size * n);
  if (absl::StartsWithIgnoreCase(line, "content-type:")) {
    t->content_type =
        std::string(absl::StripAsciiWhitespace(line.substr(13)));
  } else if (absl::StartsWithIgnoreCase(line, "content-encoding:")) {
    t->content_encoding =
        std::string(absl::StripAsciiWhitespace(line.substr(17)));
  } else if (absl::StartsWithIgnoreCase(line, "retry-after:")) {
    t->retry_after = std::string(absl::StripAsciiWhitespace(line.substr(12)));
  }
  return size * n;
}

int ProgressCb(void* ud, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(ud);
  return t->cancel != nullptr && t->cancel->HasBeenNotified() ? 1 : 0;
}

}  // namespace

struct HttpClient::Impl {
  HTTPClientConfig cfg;
  CURL* curl = nullptr;
  std::shared_ptr<OAuth2TokenSource> oauth2;  // set when cfg.oauth2 is
  curl_slist* proxy_headers = nullptr;        // cfg.proxy_connect_header

  // Sets options shared by Get and Stream; `list` receives the header
  // list to free after the transfer. An oauth2 token request is bounded by
  // `token_timeout`; its errors name `method` and `url`.
  absl::Status Prepare(absl::string_view method, const std::string& url,
                       const std::vector<std::string>& headers, Transfer* t,
                       curl_slist** list, std::string* userpwd,
                       char* errbuf, absl::Duration token_timeout) {
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &WriteCb);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &HeaderCb);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &ProgressCb);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, t);
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION,
                     cfg.follow_redirects ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(curl, CURLOPT_HTTP_VERSION,
                     cfg.enable_http2 ? CURL_HTTP_VERSION_2TLS
                                      : CURL_HTTP_VERSION_1_1);
    if (!cfg.proxy_url.empty()) {
      curl_easy_setopt(curl, CURLOPT_PROXY, cfg.proxy_url.c_str());
    } else if (!cfg.proxy_from_environment) {
      curl_easy_setopt(curl, CURLOPT_PROXY, "");  // ignore *_proxy variables
    }
    if (!cfg.no_proxy.empty()) {
      curl_easy_setopt(curl, CURLOPT_NOPROXY, cfg.no_proxy.c_str());
    }
    if (proxy_headers != nullptr) {
      curl_easy_setopt(curl, CURLOPT_HEADEROPT, CURLHEADER_SEPARATE);
      curl_easy_setopt(curl, CURLOPT_PROXYHEADER, proxy_headers);
    }
    const TLSConfig& tls = cfg.tls;
    // CA, client certificate and key: each from a file or inline PEM.
    struct PemSource {
      const std::string& file;
      const std::string& pem;
      CURLoption file_opt, blob_opt;
    };
    for (const PemSource& src :
         {PemSource{tls.ca_file, tls.ca, CURLOPT_CAINFO, CURLOPT_CAINFO_BLOB},
          PemSource{tls.cert_file, tls.cert, CURLOPT_SSLCERT, CURLOPT_SSLCERT_BLOB},
          PemSource{tls.key_file, tls.key, CURLOPT_SSLKEY, CURLOPT_SSLKEY_BLOB}}) {
      if (!src.file.empty()) curl_easy_setopt(curl, src.file_opt, src.file.c_str());
      if (!src.pem.empty()) {
        curl_blob blob{const_cast<char*>(src.pem.data()), src.pem.size(),
                       CURL_BLOB_COPY};
        curl_easy_setopt(curl, src.blob_opt, &blob);
      }
    }
    if (tls.insecure_skip_verify) {
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (!tls.min_version.empty()) {
      long v = tls.min_version == "TLS13"   ? CURL_SSLVERSION_TLSv1_3
               : tls.min_version == "TLS12" ? CURL_SSLVERSION_TLSv1_2
               : tls.min_version == "TLS11" ? CURL_SSLVERSION_TLSv1_1
                                            : CURL_SSLVERSION_TLSv1_0;
      curl_easy_setopt(curl, CURLOPT_SSLVERSION, v);
    }
    for (const std::string& h : headers) {
      *list = curl_slist_append(*list, h.c_str());
    }
    if (!cfg.auth_type.empty()) {
      std::string cred = cfg.credentials;
      if (!cfg.credentials_file.empty()) {
        VIGIL_ASSIGN_OR_RETURN(
            cred, ReadSecretFile(cfg.credentials_file, "authorization credentials"));
      }
      std::string h = absl::StrCat("Authorization: ", cfg.auth_type, " ", cred);
      *list = curl_slist_append(*list, h.c_str());
    }
    if (oauth2 != nullptr) {
      absl::StatusOr<std::string> auth =
          oauth2->AuthorizationHeader(token_timeout, t->cancel);
      if (!auth.ok()) {
        return absl::Status(auth.status().code(),
                            absl::StrCat(method, " \"", url, "\": ",
                                         auth.status().message()));
      }
      *list = curl_slist_append(*list, absl::StrCat("Authorization: ", *auth).c_str());
    }
    if (cfg.has_basic_auth) {
      std::string user = cfg.username, pass = cfg.password;
      if (!cfg.username_file.empty()) {
        VIGIL_ASSIGN_OR_RETURN(user, ReadSecretFile(cfg.username_file, "username"));
      }
      if (!cfg.password_file.empty()) {
        VIGIL_ASSIGN_OR_RETURN(pass, ReadSecretFile(cfg.password_file, "password"));
      }
      curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
      *userpwd = absl::StrCat(user, ":", pass);
      curl_easy_setopt(curl, CURLOPT_USERPWD, userpwd->c_str());
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, *list);
    t->curl = curl;
    return absl::OkStatus();
  }

  absl::Status MapError(CURLcode rc, const Transfer& t, const std::string& url,
                        const char* errbuf, absl::string_view method = "Get") {
    std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    if (rc == CURLE_ABORTED_BY_CALLBACK) {
      return absl::CancelledError(
          absl::StrCat(method, " \"", url, "\": cancelled"));
    }
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      return absl::DeadlineExceededError(
          absl::StrCat(method, " \"", url, "\": ", detail));
    }
    return absl::UnavailableError(
        absl::StrCat(method, " \"", url, "\": ", detail));
  }
};

HttpClient::HttpClient(HTTPClientConfig cfg) : impl_(new Impl) {
  GlobalInit();
  impl_->cfg = std::move(cfg);
  impl_->curl = curl_easy_init();
  if (impl_->cfg.oauth2) {
    impl_->oauth2 = OAuth2TokenSource::Shared(*impl_->cfg.oauth2);
  }
  for (const auto& [name, values] : impl_->cfg.proxy_connect_header) {
    for (const std::string& v : values) {
      impl_->proxy_headers = curl_slist_append(
          impl_->proxy_headers, absl::StrCat(name, ": ", v).c_str());
    }
  }
}

HttpClient::~HttpClient() {
  if (impl_->curl != nullptr) curl_easy_cleanup(impl_->curl);
  curl_slist_free_all(impl_->proxy_headers);
  delete impl_;
}

absl::StatusOr<HttpResponse> HttpClient::Get(
    const std::string& url, const std::vector<std::string>& headers,
    absl::Duration timeout, size_t max_body, const absl::Notification* cancel) {
  return Send("Get", url, headers, nullptr, timeout, max_body, cancel);
}

absl::StatusOr<HttpResponse> HttpClient::Post(
    const std::string& url, const std::vector<std::string>& headers,
    absl::string_view body, absl::Duration timeout, size_t max_body,
    const absl::Notification* cancel) {
  // No "Expect: 100-continue" round trip before the body.
  std::vector<std::string> all = headers;
  all.push_back("Expect:");
  return Send("Post", url, all, &body, timeout, max_body, cancel);
}

absl::StatusOr<HttpResponse> HttpClient::Send(
    absl::string_view method, const std::string& url,
    const std::vector<std::string>& headers, const absl::string_view* body,
    absl::Duration timeout, size_t max_body, const absl::Notification* cancel) {
  if (impl_->curl == nullptr) return absl::InternalError("curl_easy_init failed");
  HttpResponse resp;
  Transfer t;
  t.body = &resp.body;
  t.max_body = max_body;
  t.cancel = cancel;
  curl_slist* list = nullptr;
  std::string userpwd;
  char errbuf[CURL_ERROR_SIZE] = {0};
  absl::Status st =
      impl_->Prepare(method, url, headers, &t, &list, &userpwd, errbuf, timeout);
  if (!st.ok()) {
    curl_slist_free_all(list);
    return st;
  }
  if (body != nullptr) {
    // Bodies such as snappy remote-read responses pass through untouched.
    curl_easy_setopt(impl_->curl, CURLOPT_ACCEPT_ENCODING, nullptr);
    curl_easy_setopt(impl_->curl, CURLOPT_POST, 1L);
    curl_easy_setopt(impl_->curl, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(impl_->curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(body->size()));
  }
  curl_easy_setopt(impl_->curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(timeout)));
  CURLcode rc = curl_easy_perform(impl_->curl);
  curl_slist_free_all(list);
  if (t.too_big) {
    return absl::ResourceExhaustedError(absl::StrCat(
        method, " \"", url, "\": response body larger than ", max_body,
        " bytes"));
  }
  if (rc != CURLE_OK) return impl_->MapError(rc, t, url, errbuf, method);
  curl_easy_getinfo(impl_->curl, CURLINFO_RESPONSE_CODE, &resp.status);
  resp.content_type = t.content_type;
  resp.content_encoding = t.content_encoding;
  resp.retry_after = t.retry_after;
  return resp;
}

absl::StatusOr<long> HttpClient::Stream(
    const std::string& url, const std::vector<std::string>& headers,
    const std::function<bool(long)>& on_status,
    const std::function<bool(absl::string_view)>& on_data,
    absl::Duration idle_timeout, const absl::Notification* cancel) {
  if (impl_->curl == nullptr) return absl::InternalError("curl_easy_init failed");
  Transfer t;
  t.on_status = &on_status;
  t.on_data = &on_data;
  t.cancel = cancel;
  curl_slist* list = nullptr;
  std::string userpwd;
  char errbuf[CURL_ERROR_SIZE] = {0};
  absl::Status st = impl_->Prepare("Get", url, headers, &t, &list, &userpwd,
                                   errbuf, absl::Seconds(30));
  if (!st.ok()) {
    curl_slist_free_all(list);
    return st;
  }
  // No compression for streams: a gzip encoder may hold back each event
  // until the stream ends.
  curl_easy_setopt(impl_->curl, CURLOPT_ACCEPT_ENCODING, nullptr);
  long idle_s = std::max<long>(1, absl::ToInt64Seconds(idle_timeout));
  curl_easy_setopt(impl_->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(impl_->curl, CURLOPT_LOW_SPEED_TIME, idle_s);
  curl_easy_setopt(impl_->curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  CURLcode rc = curl_easy_perform(impl_->curl);
  curl_slist_free_all(list);
  long code = 0;
  curl_easy_getinfo(impl_->curl, CURLINFO_RESPONSE_CODE, &code);
  if (t.aborted_by_callback) return code;
  if (rc != CURLE_OK) return impl_->MapError(rc, t, url, errbuf);
  if (!t.status_sent) on_status(code);  // empty body
  return code;
}

}  // namespace vigil::sd
