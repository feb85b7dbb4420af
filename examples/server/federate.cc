#include "examples/server/federate.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <memory>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "model/timestamp.h"
#include "model/value.h"

namespace vigil::server {
namespace {

void AppendEscapedLabelValue(absl::string_view v, std::string* out) {
  for (char c : v) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '"') {
      out->append("\\\"");
    } else if (c == '\n') {
      out->append("\\n");
    } else {
      out->push_back(c);
    }
  }
}

}  // namespace

std::string FormatExpositionValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // As Prometheus's text encoder (expfmt): -0 is written "0".
  if (v == 0) return "0";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  size_t e = sci.find('e');
  int exp = std::stoi(sci.substr(e + 1));
  // Go: shortest 'g' switches to exponent form below 1e-4 and from 1e6.
  if (exp < -4 || exp >= 6) return sci;
  r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

Federation::Federation(storage::Queryable* db, SelectorParser parser, Options options)
    : db_(db), parser_(std::move(parser)), options_(std::move(options)) {}

void Federation::SetExternalLabels(model::Labels labels) {
  absl::MutexLock l(&mu_);
  options_.external_labels = std::move(labels);
}

absl::StatusOr<std::string> Federation::Render(
    const std::vector<std::string>& selectors) {
  std::vector<std::vector<model::Matcher>> sets;
  for (const std::string& s : selectors) {
    absl::StatusOr<std::vector<model::Matcher>> m = parser_(s);
    if (!m.ok()) return m.status();
    sets.push_back(std::move(*m));
  }
  model::Labels external;
  {
    absl::MutexLock l(&mu_);
    external = options_.external_labels;
  }
  int64_t now = options_.now_ms ? options_.now_ms() : model::NowMillis();
  int64_t mint = now - options_.lookback_delta_ms;
  absl::StatusOr<std::unique_ptr<storage::Querier>> q = db_->NewQuerier(mint, now);
  if (!q.ok()) return q.status();

  struct Out {
    model::Labels labels;
    int64_t t;
    double v;
  };
  std::vector<Out> out;
  std::set<model::Labels> seen;
  storage::SelectHints hints;
  hints.start_ms = mint;
  hints.end_ms = now;
  for (const auto& ms : sets) {
    std::unique_ptr<storage::SeriesSet> set = (*q)->Select(false, &hints, ms);
    while (set->Next()) {
      const model::Labels& l = set->labels();
      if (seen.count(l)) continue;
      std::unique_ptr<storage::SampleIterator> it = set->NewIterator();
      bool have = false;
      int64_t t = 0;
      double v = 0;
      if (it->Seek(mint)) {
        do {
          if (it->timestamp() > now) break;
          t = it->timestamp();
          v = it->value();
          have = true;
        } while (it->Next());
      }
      if (!it->status().ok()) return it->status();
      if (!have || model::IsStaleNaN(v)) continue;
      seen.insert(l);
      model::LabelsBuilder b(l);
      for (model::LabelView e : external) {
        if (!l.Has(e.name)) b.Set(e.name, e.value);
      }
      out.push_back({b.Build(), t, v});
    }
    if (!set->status().ok()) return set->status();
  }
  std::sort(out.begin(), out.end(), [](const Out& a, const Out& b) {
    int c = a.labels.MetricName().compare(b.labels.MetricName());
    if (c != 0) return c < 0;
    return a.labels < b.labels;
  });
  std::string text;
  std::string last_name;
  bool first = true;
  for (const Out& o : out) {
    absl::string_view name = o.labels.MetricName();
    if (first || name != last_name) {
      absl::StrAppend(&text, "# TYPE ", name, " untyped\n");
      last_name = std::string(name);
      first = false;
    }
    text.append(name.data(), name.size());
    bool any = false;
    for (model::LabelView lv : o.labels) {
      if (lv.name == model::kMetricName) continue;
      text.push_back(any ? ',' : '{');
      any = true;
      absl::StrAppend(&text, lv.name, "=\"");
      AppendEscapedLabelValue(lv.value, &text);
      text.push_back('"');
    }
    if (any) text.push_back('}');
    absl::StrAppend(&text, " ", FormatExpositionValue(o.v), " ", o.t, "\n");
  }
  return text;
}

void Federation::Register(web::Router* server, const std::string& path) {
  server->Get(path, [this](const web::Request& req, web::Response* res) {
    std::vector<std::string> selectors;
    auto range = req.params.equal_range("match[]");
    for (auto it = range.first; it != range.second; ++it) selectors.push_back(it->second);
    absl::StatusOr<std::string> text = Render(selectors);
    if (!text.ok()) {
      bool bad = text.status().code() == absl::StatusCode::kInvalidArgument;
      res->status = bad ? 400 : 500;
      res->SetContent(std::string(text.status().message()) + "\n",
                      "text/plain; charset=utf-8");
      return;
    }
    res->SetContent(std::move(*text), "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace vigil::server
