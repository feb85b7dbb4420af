// The gRPC service over a loopback channel with a generated client:
// write samples, query them back (instant, range), list series and label
// values, and the error codes for bad input.

#include "examples/server/grpc_service.h"

#include <memory>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libtsdb/storage/memory_storage.h"

namespace vigil::server {
namespace {

class GrpcServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder b;
    int port = 0;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    b.RegisterService(&service_);
    server_ = b.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    stub_ = vigil::api::Vigil::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override { server_->Shutdown(); }

  static void Add(vigil::api::WriteRequest* req, std::vector<std::pair<std::string, std::string>> l,
                  std::vector<std::pair<int64_t, double>> samples) {
    prometheus::TimeSeries* ts = req->add_timeseries();
    for (auto& [n, v] : l) {
      auto* pl = ts->add_labels();
      pl->set_name(n);
      pl->set_value(v);
    }
    for (auto& [t, v] : samples) {
      auto* s = ts->add_samples();
      s->set_timestamp(t);
      s->set_value(v);
    }
  }

  storage::MemoryStorage db_;
  promql::Engine engine_{promql::EngineOptions{}};
  VigilGrpcService service_{&db_, &db_, &engine_, "test"};
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<vigil::api::Vigil::Stub> stub_;
};

TEST(GrpcServiceWritesOffTest, WriteIsRefusedWithoutAnAppendable) {
  storage::MemoryStorage db;
  promql::Engine engine{promql::EngineOptions{}};
  VigilGrpcService service(nullptr, &db, &engine, "test");
  vigil::api::WriteRequest w;
  prometheus::TimeSeries* ts = w.add_timeseries();
  ts->add_labels()->set_name("__name__");
  ts->mutable_labels(0)->set_value("x");
  ts->add_samples()->set_value(1);
  vigil::api::WriteResponse wr;
  grpc::ServerContext ctx;
  grpc::Status st = service.Write(&ctx, &w, &wr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(st.error_message().find("--web.enable-remote-write-receiver"), std::string::npos);
  EXPECT_EQ(db.NumSeries(), 0u);
}

TEST_F(GrpcServiceTest, WriteThenQuery) {
  vigil::api::WriteRequest w;
  Add(&w, {{"__name__", "reqs"}, {"job", "a"}}, {{0, 0}, {60000, 60}, {120000, 120}});
  Add(&w, {{"__name__", "reqs"}, {"job", "b"}}, {{0, 0}, {60000, 30}, {120000, 60}});
  vigil::api::WriteResponse wr;
  {
    grpc::ClientContext ctx;
    grpc::Status st = stub_->Write(&ctx, w, &wr);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  EXPECT_EQ(wr.samples_written(), 6);

  vigil::api::InstantQueryRequest iq;
  iq.set_query("sum(rate(reqs[2m]))");
  iq.set_time_ms(120000);
  vigil::api::QueryResponse qr;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->InstantQuery(&ctx, iq, &qr).ok());
  }
  EXPECT_EQ(qr.result_type(), "vector");
  ASSERT_EQ(qr.series_size(), 1);
  EXPECT_NEAR(qr.series(0).samples(0).value(), 1.5, 1e-9);

  vigil::api::RangeQueryRequest rq;
  rq.set_query("reqs{job=\"a\"}");
  rq.set_start_ms(0);
  rq.set_end_ms(120000);
  rq.set_step_ms(60000);
  vigil::api::QueryResponse rr;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->RangeQuery(&ctx, rq, &rr).ok());
  }
  EXPECT_EQ(rr.result_type(), "matrix");
  ASSERT_EQ(rr.series_size(), 1);
  ASSERT_EQ(rr.series(0).samples_size(), 3);
  EXPECT_EQ(rr.series(0).samples(2).value(), 120);

  vigil::api::InstantQueryRequest sq;
  sq.set_query("1 + 1");
  sq.set_time_ms(4000);
  vigil::api::QueryResponse sr;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->InstantQuery(&ctx, sq, &sr).ok());
  }
  EXPECT_EQ(sr.result_type(), "scalar");
  EXPECT_EQ(sr.scalar().value(), 2);

  vigil::api::SeriesRequest ser;
  ser.add_match("reqs");
  vigil::api::SeriesResponse sres;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->Series(&ctx, ser, &sres).ok());
  }
  EXPECT_EQ(sres.series_size(), 2);

  vigil::api::LabelValuesRequest lv;
  lv.set_name("job");
  vigil::api::LabelValuesResponse lvr;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->LabelValues(&ctx, lv, &lvr).ok());
  }
  ASSERT_EQ(lvr.values_size(), 2);
  EXPECT_EQ(lvr.values(0), "a");
  EXPECT_EQ(lvr.values(1), "b");
}

TEST_F(GrpcServiceTest, ErrorsCarryCodes) {
  vigil::api::InstantQueryRequest bad;
  bad.set_query("sum(");
  vigil::api::QueryResponse r;
  grpc::ClientContext c1;
  grpc::Status st = stub_->InstantQuery(&c1, bad, &r);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("parse error"), std::string::npos);

  vigil::api::WriteRequest w;
  Add(&w, {{"job", "no-name"}}, {{1, 1}});
  vigil::api::WriteResponse wr;
  grpc::ClientContext c2;
  EXPECT_EQ(stub_->Write(&c2, w, &wr).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  vigil::api::SeriesRequest s;
  vigil::api::SeriesResponse sr;
  grpc::ClientContext c3;
  EXPECT_EQ(stub_->Series(&c3, s, &sr).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  vigil::api::RangeQueryRequest rq;
  rq.set_query("up");
  rq.set_start_ms(10);
  rq.set_end_ms(0);
  rq.set_step_ms(1);
  vigil::api::QueryResponse rr;
  grpc::ClientContext c4;
  EXPECT_EQ(stub_->RangeQuery(&c4, rq, &rr).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace vigil::server
