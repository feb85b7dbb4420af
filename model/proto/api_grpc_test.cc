// Compiles Vigil's gRPC service with the codegen macro and calls it over a
// loopback channel.

#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "model/proto/api.grpc.pb.h"

namespace {

class HealthService final : public vigil::api::Vigil::Service {
  grpc::Status Health(grpc::ServerContext*, const vigil::api::HealthRequest*,
                      vigil::api::HealthResponse* resp) override {
    resp->set_healthy(true);
    resp->set_version("test");
    return grpc::Status::OK;
  }
};

TEST(ApiGrpcTest, HealthOverLoopback) {
  HealthService service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  ASSERT_GT(port, 0);

  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                     grpc::InsecureChannelCredentials());
  auto stub = vigil::api::Vigil::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  vigil::api::HealthResponse resp;
  grpc::Status st = stub->Health(&ctx, vigil::api::HealthRequest(), &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_TRUE(resp.healthy());
  EXPECT_EQ(resp.version(), "test");
  server->Shutdown();
}

}  // namespace
