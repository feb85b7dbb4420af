#include "libtsdb/storage/appender.h"
#include "libtsdb/storage/sample_iterator.h"
#include "libtsdb/storage/series_set.h"

namespace vigil::storage {
namespace {

class EmptySet final : public SeriesSet {
 public:
  explicit EmptySet(absl::Status status) : status_(std::move(status)) {}
  bool Next() override { return false; }
  const model::Labels& labels() const override { return labels_; }
  std::unique_ptr<SampleIterator> NewIterator() const override {
    return std::make_unique<EmptySampleIterator>();
  }
  absl::Status status() const override { return status_; }

 private:
  absl::Status status_;
  model::Labels labels_;
};

}  // namespace

std::unique_ptr<SeriesSet> EmptySeriesSet(absl::Status status) {
  return std::make_unique<EmptySet>(std::move(status));
}

int SampleIterator::NextBatch(int64_t* ts, double* vs, int max) {
  int n = 0;
  while (n < max && Next()) {
    ts[n] = timestamp();
    vs[n] = value();
    ++n;
  }
  return n;
}

AppendError ClassifyAppendError(const absl::Status& status) {
  if (status.ok()) return AppendError::kNone;
  if (status.code() == absl::StatusCode::kInvalidArgument) {
    return AppendError::kInvalid;
  }
  absl::string_view msg = status.message();
  if (msg == kErrOutOfOrder) return AppendError::kOutOfOrder;
  if (msg == kErrOutOfBounds) return AppendError::kOutOfBounds;
  if (msg == kErrTooFarInFuture) return AppendError::kTooFarInFuture;
  if (msg == kErrDuplicate) return AppendError::kDuplicate;
  return AppendError::kOther;
}

}  // namespace vigil::storage
