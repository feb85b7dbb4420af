// The gRPC API's transport security from --web.config.file, so the gRPC
// port is no more open than the HTTP one: the same certificate, key,
// client CA and client_auth_type for TLS, and the same basic_auth_users
// checked against each call's `authorization` metadata ("Basic <base64>");
// a call without valid credentials fails UNAUTHENTICATED.
//
// The TLS files are read once, when the gRPC server starts (gRPC takes
// them as PEM text); users are re-read as the HTTP side re-reads them.
//
// Thread safety: the processor runs on gRPC's threads; WebConfigSource is
// safe for that.

#ifndef VIGIL_EXAMPLES_SERVER_GRPC_CREDENTIALS_H_
#define VIGIL_EXAMPLES_SERVER_GRPC_CREDENTIALS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "grpcpp/security/server_credentials.h"
#include "libweb/http/web_config.h"

namespace vigil::server {

// Insecure credentials when `web` is null; else TLS when the web config
// has it, with basic auth enforced when it has users. `web` must outlive
// the gRPC server.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> GrpcServerCredentials(
    web::WebConfigSource* web);

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_GRPC_CREDENTIALS_H_
