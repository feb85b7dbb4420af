#include "examples/server/remote_read_handler.h"

#include "absl/cleanup/cleanup.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libtsdb/chunkenc/xor_chunk.h"
#include "libtsdb/encoding/crc32c.h"
#include "model/matcher.h"
#include "model/proto/remote.pb.h"
#include "snappy.h"

namespace vigil::server {
namespace {

constexpr int kSamplesPerChunk = 120;

void PutUvarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

absl::StatusOr<std::vector<model::Matcher>> ToMatchers(
    const prometheus::Query& q, const model::Labels& external) {
  std::vector<model::Matcher> out;
  for (const prometheus::LabelMatcher& m : q.matchers()) {
    model::MatchType type;
    switch (m.type()) {
      case prometheus::LabelMatcher::EQ:
        type = model::MatchType::kEqual;
        break;
      case prometheus::LabelMatcher::NEQ:
        type = model::MatchType::kNotEqual;
        break;
      case prometheus::LabelMatcher::RE:
        type = model::MatchType::kRegexMatch;
        break;
      case prometheus::LabelMatcher::NRE:
        type = model::MatchType::kRegexNoMatch;
        break;
      default:
        return absl::InvalidArgumentError(
            absl::StrCat("invalid matcher type ", static_cast<int>(m.type())));
    }
    // A matcher asking for an external label's own value is implied.
    if (type == model::MatchType::kEqual && external.Has(m.name()) &&
        external.Get(m.name()) == m.value()) {
      continue;
    }
    absl::StatusOr<model::Matcher> mm = model::Matcher::Create(type, m.name(), m.value());
    if (!mm.ok()) return mm.status();
    out.push_back(std::move(*mm));
  }
  return out;
}

model::Labels WithExternal(const model::Labels& l, const model::Labels& ext) {
  if (ext.empty()) return l;
  model::LabelsBuilder b(l);
  for (model::LabelView e : ext) {
    if (!l.Has(e.name)) b.Set(e.name, e.value);
  }
  return b.Build();
}

void ToProtoLabels(const model::Labels& l,
                   google::protobuf::RepeatedPtrField<prometheus::Label>* out) {
  for (model::LabelView lv : l) {
    prometheus::Label* pl = out->Add();
    pl->set_name(std::string(lv.name));
    pl->set_value(std::string(lv.value));
  }
}

struct SelectedSeries {
  model::Labels labels;
  std::vector<std::pair<int64_t, double>> samples;
};

}  // namespace

RemoteReadHandler::RemoteReadHandler(storage::Queryable* db, Options options)
    : db_(db), options_(std::move(options)) {}

absl::StatusOr<RemoteReadHandler::Response> RemoteReadHandler::Read(
    absl::string_view snappy_body) {
  if (options_.max_concurrent > 0) {
    auto free_slot = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(slots_mu_) {
      return in_use_ < options_.max_concurrent;
    };
    absl::MutexLock l(&slots_mu_);
    slots_mu_.Await(absl::Condition(&free_slot));
    ++in_use_;
  }
  absl::Cleanup release = [this] {
    if (options_.max_concurrent <= 0) return;
    absl::MutexLock l(&slots_mu_);
    --in_use_;
  };
  std::string raw;
  if (!snappy::Uncompress(snappy_body.data(), snappy_body.size(), &raw)) {
    return absl::InvalidArgumentError("snappy: corrupt input");
  }
  prometheus::ReadRequest req;
  if (!req.ParseFromString(raw)) {
    return absl::InvalidArgumentError("cannot decode the body as a ReadRequest");
  }
  bool streamed = false;
  for (int t : req.accepted_response_types()) {
    if (t == prometheus::ReadRequest::SAMPLES) break;
    if (t == prometheus::ReadRequest::STREAMED_XOR_CHUNKS) {
      streamed = true;
      break;
    }
  }

  int64_t total_samples = 0;
  prometheus::ReadResponse samples_resp;
  std::string stream;
  for (int qi = 0; qi < req.queries_size(); ++qi) {
    const prometheus::Query& q = req.queries(qi);
    absl::StatusOr<std::vector<model::Matcher>> matchers =
        ToMatchers(q, options_.external_labels);
    if (!matchers.ok()) return matchers.status();
    storage::SelectHints hints;
    hints.start_ms = q.start_timestamp_ms();
    hints.end_ms = q.end_timestamp_ms();
    if (q.has_hints()) {
      hints.step_ms = q.hints().step_ms();
      hints.func = q.hints().func();
      hints.range_ms = q.hints().range_ms();
      hints.by = q.hints().by();
      hints.grouping.assign(q.hints().grouping().begin(), q.hints().grouping().end());
    }
    absl::StatusOr<std::unique_ptr<storage::Querier>> querier =
        db_->NewQuerier(q.start_timestamp_ms(), q.end_timestamp_ms());
    if (!querier.ok()) return querier.status();
    std::vector<SelectedSeries> selected;
    if (!matchers->empty()) {
      std::unique_ptr<storage::SeriesSet> set =
          (*querier)->Select(true, &hints, *matchers);
      while (set->Next()) {
        SelectedSeries s;
        s.labels = WithExternal(set->labels(), options_.external_labels);
        std::unique_ptr<storage::SampleIterator> it = set->NewIterator();
        bool ok = it->Seek(q.start_timestamp_ms());
        while (ok && it->timestamp() <= q.end_timestamp_ms()) {
          s.samples.emplace_back(it->timestamp(), it->value());
          if (options_.sample_limit > 0 && ++total_samples > options_.sample_limit) {
            return absl::ResourceExhaustedError(
                absl::StrCat("exceeded sample limit (", options_.sample_limit, ")"));
          }
          ok = it->Next();
        }
        if (!it->status().ok()) return it->status();
        selected.push_back(std::move(s));
      }
      if (!set->status().ok()) return set->status();
    }
    // External labels can change the order; keep results sorted.
    std::sort(selected.begin(), selected.end(),
              [](const SelectedSeries& a, const SelectedSeries& b) {
                return a.labels < b.labels;
              });

    if (!streamed) {
      prometheus::QueryResult* qr = samples_resp.add_results();
      for (const SelectedSeries& s : selected) {
        if (s.samples.empty()) continue;
        prometheus::TimeSeries* ts = qr->add_timeseries();
        ToProtoLabels(s.labels, ts->mutable_labels());
        for (const auto& [t, v] : s.samples) {
          prometheus::Sample* ps = ts->add_samples();
          ps->set_timestamp(t);
          ps->set_value(v);
        }
      }
      continue;
    }
    for (const SelectedSeries& s : selected) {
      if (s.samples.empty()) continue;
      prometheus::ChunkedReadResponse frame;
      frame.set_query_index(qi);
      prometheus::ChunkedSeries* cs = frame.add_chunked_series();
      ToProtoLabels(s.labels, cs->mutable_labels());
      size_t frame_bytes = 0;
      auto flush = [&]() {
        std::string msg = frame.SerializeAsString();
        PutUvarint(msg.size(), &stream);
        uint32_t crc = tsdb::Crc32c(msg);
        for (int sh = 24; sh >= 0; sh -= 8) stream.push_back(static_cast<char>(crc >> sh));
        stream.append(msg);
        cs->clear_chunks();
        frame_bytes = 0;
      };
      for (size_t i = 0; i < s.samples.size(); i += kSamplesPerChunk) {
        size_t end = std::min(s.samples.size(), i + kSamplesPerChunk);
        tsdb::chunkenc::XorChunk chunk;
        for (size_t k = i; k < end; ++k) chunk.Append(s.samples[k].first, s.samples[k].second);
        prometheus::Chunk* c = cs->add_chunks();
        c->set_min_time_ms(s.samples[i].first);
        c->set_max_time_ms(s.samples[end - 1].first);
        c->set_type(prometheus::Chunk::XOR);
        c->set_data(chunk.bytes());
        frame_bytes += chunk.size() + 32;
        if (frame_bytes >= options_.max_bytes_in_frame) flush();
      }
      if (cs->chunks_size() > 0) flush();
    }
  }

  Response out;
  if (streamed) {
    out.content_type =
        "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse";
    out.body = std::move(stream);
    return out;
  }
  std::string pb = samples_resp.SerializeAsString();
  snappy::Compress(pb.data(), pb.size(), &out.body);
  out.content_type = "application/x-protobuf";
  out.content_encoding = "snappy";
  return out;
}

void RemoteReadHandler::Handle(const web::Request& req,
                               web::Response* res) {
  absl::StatusOr<Response> r = Read(req.body);
  if (!r.ok()) {
    bool client = r.status().code() == absl::StatusCode::kInvalidArgument ||
                  r.status().code() == absl::StatusCode::kResourceExhausted;
    res->status = client ? 400 : 500;
    res->SetContent(std::string(r.status().message()) + "\n",
                     "text/plain; charset=utf-8");
    return;
  }
  if (!r->content_encoding.empty()) {
    res->SetHeader("Content-Encoding", r->content_encoding);
  }
  res->status = 200;
  res->SetContent(std::move(r->body), r->content_type.c_str());
}

void RemoteReadHandler::Register(web::Router* server,
                                 const std::string& path) {
  server->Post(path, [this](const web::Request& req, web::Response* res) {
    Handle(req, res);
  });
}

}  // namespace vigil::server
