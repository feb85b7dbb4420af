// VigilGrpcService implements the `vigil.api.Vigil` gRPC service
// (model/proto/api.proto) over any Appendable + Queryable and a PromQL
// engine: Write appends in one transaction, InstantQuery/RangeQuery
// evaluate PromQL, Series and LabelValues read the index.
//
// Status codes: INVALID_ARGUMENT for a bad query, selector or label set,
// FAILED_PRECONDITION for samples storage rejects (out of order, ...),
// DEADLINE_EXCEEDED / RESOURCE_EXHAUSTED from the engine, UNAVAILABLE when
// storage is closed; messages are the libraries'.
//
// Writes are off when `appendable` is null: Write answers PERMISSION_DENIED
// and stores nothing (the server passes null unless
// --web.enable-remote-write-receiver is set, as for HTTP remote write).
//
// Thread safety: gRPC calls the methods concurrently; the dependencies
// must allow that.

#ifndef VIGIL_EXAMPLES_SERVER_GRPC_SERVICE_H_
#define VIGIL_EXAMPLES_SERVER_GRPC_SERVICE_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"
#include "libpromql/engine.h"
#include "libtsdb/storage/appender.h"
#include "libtsdb/storage/querier.h"
#include "model/proto/api.grpc.pb.h"

namespace vigil::server {

class VigilGrpcService final : public vigil::api::Vigil::Service {
 public:
  // `appendable` may be null (writes refused); the rest are required.
  VigilGrpcService(storage::Appendable* appendable, storage::Queryable* queryable,
                   promql::Engine* engine, std::string version);

  grpc::Status Health(grpc::ServerContext*, const vigil::api::HealthRequest*,
                      vigil::api::HealthResponse* resp) override;
  grpc::Status Write(grpc::ServerContext*, const vigil::api::WriteRequest* req,
                     vigil::api::WriteResponse* resp) override;
  grpc::Status InstantQuery(grpc::ServerContext*,
                            const vigil::api::InstantQueryRequest* req,
                            vigil::api::QueryResponse* resp) override;
  grpc::Status RangeQuery(grpc::ServerContext*,
                          const vigil::api::RangeQueryRequest* req,
                          vigil::api::QueryResponse* resp) override;
  grpc::Status Series(grpc::ServerContext*, const vigil::api::SeriesRequest* req,
                      vigil::api::SeriesResponse* resp) override;
  grpc::Status LabelValues(grpc::ServerContext*,
                           const vigil::api::LabelValuesRequest* req,
                           vigil::api::LabelValuesResponse* resp) override;

  // absl::Status -> grpc::Status with the same code and message.
  static grpc::Status ToGrpc(const absl::Status& st);

 private:
  storage::Appendable* appendable_;
  storage::Queryable* queryable_;
  promql::Engine* engine_;
  std::string version_;
};

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_GRPC_SERVICE_H_
