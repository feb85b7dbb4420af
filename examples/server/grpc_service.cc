#include "examples/server/grpc_service.h"

#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "libpromql/parser/parser.h"
#include "model/labels.h"
#include "model/timestamp.h"

namespace vigil::server {
namespace {

void ToProto(const model::Labels& l, google::protobuf::RepeatedPtrField<prometheus::Label>* out) {
  for (model::LabelView lv : l) {
    prometheus::Label* pl = out->Add();
    pl->set_name(std::string(lv.name));
    pl->set_value(std::string(lv.value));
  }
}

void Fill(const promql::QueryResult& r, vigil::api::QueryResponse* resp) {
  resp->set_result_type(std::string(promql::ValueTypeName(promql::TypeOf(r.value))));
  if (const auto* s = std::get_if<promql::Scalar>(&r.value)) {
    resp->mutable_scalar()->set_timestamp(s->t);
    resp->mutable_scalar()->set_value(s->v);
  } else if (const auto* str = std::get_if<promql::String>(&r.value)) {
    resp->set_string_value(str->v);
    resp->mutable_scalar()->set_timestamp(str->t);
  } else if (const auto* vec = std::get_if<promql::Vector>(&r.value)) {
    for (const promql::Sample& s : *vec) {
      prometheus::TimeSeries* ts = resp->add_series();
      ToProto(s.metric, ts->mutable_labels());
      prometheus::Sample* ps = ts->add_samples();
      ps->set_timestamp(s.t);
      ps->set_value(s.v);
    }
  } else if (const auto* m = std::get_if<promql::Matrix>(&r.value)) {
    for (const promql::Series& s : *m) {
      prometheus::TimeSeries* ts = resp->add_series();
      ToProto(s.metric, ts->mutable_labels());
      for (const promql::FPoint& p : s.points) {
        prometheus::Sample* ps = ts->add_samples();
        ps->set_timestamp(p.t);
        ps->set_value(p.v);
      }
    }
  }
  for (const std::string& w : r.warnings) resp->add_warnings(w);
}

absl::StatusOr<std::vector<std::vector<model::Matcher>>> ParseAll(
    const google::protobuf::RepeatedPtrField<std::string>& match) {
  std::vector<std::vector<model::Matcher>> out;
  for (const std::string& m : match) {
    absl::StatusOr<std::vector<model::Matcher>> ms = promql::parser::ParseMetricSelector(m);
    if (!ms.ok()) return ms.status();
    out.push_back(std::move(*ms));
  }
  return out;
}

std::pair<int64_t, int64_t> Range(int64_t start, int64_t end) {
  if (start == 0 && end == 0) return {model::kMinTimeMs, model::kMaxTimeMs};
  return {start, end == 0 ? model::kMaxTimeMs : end};
}

}  // namespace

VigilGrpcService::VigilGrpcService(storage::Appendable* appendable,
                                   storage::Queryable* queryable,
                                   promql::Engine* engine, std::string version)
    : appendable_(appendable), queryable_(queryable), engine_(engine),
      version_(std::move(version)) {}

grpc::Status VigilGrpcService::ToGrpc(const absl::Status& st) {
  if (st.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(st.code()), std::string(st.message()));
}

grpc::Status VigilGrpcService::Health(grpc::ServerContext*, const vigil::api::HealthRequest*,
                                      vigil::api::HealthResponse* resp) {
  resp->set_healthy(true);
  resp->set_version(version_);
  return grpc::Status::OK;
}

grpc::Status VigilGrpcService::Write(grpc::ServerContext*, const vigil::api::WriteRequest* req,
                                     vigil::api::WriteResponse* resp) {
  if (appendable_ == nullptr) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        "remote write receiver needs to be enabled with "
                        "--web.enable-remote-write-receiver");
  }
  std::unique_ptr<storage::Appender> app = appendable_->NewAppender();
  int64_t n = 0;
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const prometheus::TimeSeries& ts : req->timeseries()) {
    pairs.clear();
    for (const prometheus::Label& l : ts.labels()) pairs.emplace_back(l.name(), l.value());
    model::Labels labels = model::Labels::FromPairs(pairs);
    absl::Status valid = model::ValidateLabels(labels, true);
    if (!valid.ok() || labels.size() != pairs.size()) {
      app->Rollback().IgnoreError();
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "invalid labels for series " + labels.ToString() +
                              (valid.ok() ? ": empty value or duplicate name"
                                          : ": " + std::string(valid.message())));
    }
    storage::SeriesRef ref = 0;
    for (const prometheus::Sample& s : ts.samples()) {
      absl::StatusOr<storage::SeriesRef> r = app->Append(ref, labels, s.timestamp(), s.value());
      if (!r.ok()) {
        app->Rollback().IgnoreError();
        return ToGrpc(r.status());
      }
      ref = *r;
      ++n;
    }
  }
  absl::Status st = app->Commit();
  if (!st.ok()) return ToGrpc(st);
  resp->set_samples_written(n);
  return grpc::Status::OK;
}

grpc::Status VigilGrpcService::InstantQuery(grpc::ServerContext*,
                                            const vigil::api::InstantQueryRequest* req,
                                            vigil::api::QueryResponse* resp) {
  int64_t t = req->time_ms() == 0 ? model::NowMillis() : req->time_ms();
  absl::StatusOr<promql::QueryResult> r = engine_->InstantQuery(queryable_, req->query(), t);
  if (!r.ok()) return ToGrpc(r.status());
  Fill(*r, resp);
  return grpc::Status::OK;
}

grpc::Status VigilGrpcService::RangeQuery(grpc::ServerContext*,
                                          const vigil::api::RangeQueryRequest* req,
                                          vigil::api::QueryResponse* resp) {
  if (req->step_ms() <= 0 || req->end_ms() < req->start_ms()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "range query needs step_ms > 0 and end_ms >= start_ms");
  }
  if ((req->end_ms() - req->start_ms()) / req->step_ms() > 11000) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "exceeded maximum resolution of 11,000 points per timeseries");
  }
  absl::StatusOr<promql::QueryResult> r = engine_->RangeQuery(
      queryable_, req->query(), req->start_ms(), req->end_ms(), req->step_ms());
  if (!r.ok()) return ToGrpc(r.status());
  Fill(*r, resp);
  return grpc::Status::OK;
}

grpc::Status VigilGrpcService::Series(grpc::ServerContext*, const vigil::api::SeriesRequest* req,
                                      vigil::api::SeriesResponse* resp) {
  if (req->match().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no match[] parameter provided");
  }
  absl::StatusOr<std::vector<std::vector<model::Matcher>>> sets = ParseAll(req->match());
  if (!sets.ok()) return ToGrpc(sets.status());
  auto [mint, maxt] = Range(req->start_ms(), req->end_ms());
  absl::StatusOr<std::unique_ptr<storage::Querier>> q = queryable_->NewQuerier(mint, maxt);
  if (!q.ok()) return ToGrpc(q.status());
  std::set<model::Labels> all;
  for (const auto& ms : *sets) {
    std::unique_ptr<storage::SeriesSet> set = (*q)->Select(false, nullptr, ms);
    while (set->Next()) all.insert(set->labels());
    if (!set->status().ok()) return ToGrpc(set->status());
  }
  for (const model::Labels& l : all) ToProto(l, resp->add_series()->mutable_labels());
  return grpc::Status::OK;
}

grpc::Status VigilGrpcService::LabelValues(grpc::ServerContext*,
                                           const vigil::api::LabelValuesRequest* req,
                                           vigil::api::LabelValuesResponse* resp) {
  absl::StatusOr<std::vector<std::vector<model::Matcher>>> sets = ParseAll(req->match());
  if (!sets.ok()) return ToGrpc(sets.status());
  if (sets->empty()) sets->emplace_back();
  auto [mint, maxt] = Range(req->start_ms(), req->end_ms());
  absl::StatusOr<std::unique_ptr<storage::Querier>> q = queryable_->NewQuerier(mint, maxt);
  if (!q.ok()) return ToGrpc(q.status());
  std::set<std::string> values;
  for (const auto& ms : *sets) {
    absl::StatusOr<std::vector<std::string>> v = (*q)->LabelValues(req->name(), ms);
    if (!v.ok()) return ToGrpc(v.status());
    values.insert(v->begin(), v->end());
  }
  for (const std::string& v : values) resp->add_values(v);
  return grpc::Status::OK;
}

}  // namespace vigil::server
