#include "examples/server/grpc_credentials.h"

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "grpcpp/security/auth_metadata_processor.h"

namespace vigil::server {
namespace {

class BasicAuthProcessor final : public grpc::AuthMetadataProcessor {
 public:
  explicit BasicAuthProcessor(web::WebConfigSource* web) : web_(web) {}

  bool IsBlocking() const override { return false; }

  grpc::Status Process(const InputMetadata& auth_metadata, grpc::AuthContext*,
                       OutputMetadata* consumed, OutputMetadata*) override {
    std::string value;
    auto it = auth_metadata.find("authorization");
    if (it != auth_metadata.end()) value.assign(it->second.data(), it->second.size());
    if (!web_->CheckBasicAuth(value)) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "Unauthorized");
    }
    if (it != auth_metadata.end()) consumed->emplace("authorization", value);
    return grpc::Status::OK;
  }

 private:
  web::WebConfigSource* web_;
};

absl::StatusOr<std::string> ReadPem(const std::string& file, const std::string& inline_pem) {
  if (file.empty()) return inline_pem;
  std::ifstream in(file, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", file));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

grpc_ssl_client_certificate_request_type RequestType(const std::string& auth) {
  if (auth == "RequestClientCert") return GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_BUT_DONT_VERIFY;
  if (auth == "RequireAnyClientCert") {
    return GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_BUT_DONT_VERIFY;
  }
  if (auth == "VerifyClientCertIfGiven") return GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
  if (auth == "RequireAndVerifyClientCert") {
    return GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE;
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> GrpcServerCredentials(
    web::WebConfigSource* web) {
  if (web == nullptr) return grpc::InsecureServerCredentials();
  std::shared_ptr<const web::WebConfig> cfg = web->config();
  std::shared_ptr<grpc::ServerCredentials> creds;
  if (cfg->tls != nullptr) {
    const web::TlsServerConfig& t = *cfg->tls;
    grpc::SslServerCredentialsOptions o(RequestType(t.client_auth_type));
    absl::StatusOr<std::string> cert = ReadPem(t.cert_file, t.cert);
    absl::StatusOr<std::string> key = ReadPem(t.key_file, t.key);
    if (!cert.ok()) return cert.status();
    if (!key.ok()) return key.status();
    o.pem_key_cert_pairs.push_back({*key, *cert});
    if (!t.client_ca_file.empty()) {
      absl::StatusOr<std::string> ca = ReadPem(t.client_ca_file, "");
      if (!ca.ok()) return ca.status();
      o.pem_root_certs = *ca;
    }
    creds = grpc::SslServerCredentials(o);
  } else {
    creds = grpc::InsecureServerCredentials();
  }
  // gRPC runs auth processors only on secure transports; without TLS,
  // users configured would be checked nowhere, so that is refused.
  if (!cfg->basic_auth_users.empty()) {
    if (cfg->tls == nullptr) {
      return absl::FailedPreconditionError(
          "--grpc.listen-address with basic_auth_users in --web.config.file needs "
          "tls_server_config too (gRPC checks credentials only over TLS)");
    }
    creds->SetAuthMetadataProcessor(std::make_shared<BasicAuthProcessor>(web));
  }
  return creds;
}

}  // namespace vigil::server
