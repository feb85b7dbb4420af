// A SeriesSet over series held in memory (remote read results).
//
// Thread safety: one thread at a time.

#ifndef VIGIL_LIBREMOTE_INTERNAL_VECTOR_SERIES_SET_H_
#define VIGIL_LIBREMOTE_INTERNAL_VECTOR_SERIES_SET_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "libtsdb/storage/series_set.h"
#include "model/labels.h"

namespace vigil::remote::internal {

struct MemSeries {
  model::Labels labels;
  std::vector<int64_t> t;
  std::vector<double> v;
};

// Iterates one MemSeries, shared so iterators outlive the set.
class MemSampleIterator final : public storage::SampleIterator {
 public:
  explicit MemSampleIterator(std::shared_ptr<const MemSeries> s) : s_(std::move(s)) {}
  bool Next() override { return ++i_ < static_cast<int64_t>(s_->t.size()); }
  bool Seek(int64_t t) override {
    if (i_ < 0) i_ = 0;
    while (i_ < static_cast<int64_t>(s_->t.size()) && s_->t[i_] < t) ++i_;
    return i_ < static_cast<int64_t>(s_->t.size());
  }
  int64_t timestamp() const override { return s_->t[i_]; }
  double value() const override { return s_->v[i_]; }
  absl::Status status() const override { return absl::OkStatus(); }

 private:
  std::shared_ptr<const MemSeries> s_;
  int64_t i_ = -1;
};

class VectorSeriesSet final : public storage::SeriesSet {
 public:
  VectorSeriesSet(std::vector<std::shared_ptr<const MemSeries>> series,
                  std::vector<std::string> warnings = {})
      : series_(std::move(series)), warnings_(std::move(warnings)) {}
  bool Next() override { return ++i_ < static_cast<int64_t>(series_.size()); }
  const model::Labels& labels() const override { return series_[i_]->labels; }
  std::unique_ptr<storage::SampleIterator> NewIterator() const override {
    return std::make_unique<MemSampleIterator>(series_[i_]);
  }
  absl::Status status() const override { return absl::OkStatus(); }
  std::vector<std::string> warnings() const override { return warnings_; }

 private:
  std::vector<std::shared_ptr<const MemSeries>> series_;
  std::vector<std::string> warnings_;
  int64_t i_ = -1;
};

}  // namespace vigil::remote::internal

#endif  // VIGIL_LIBREMOTE_INTERNAL_VECTOR_SERIES_SET_H_
