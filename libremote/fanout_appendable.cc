#include "libremote/fanout_appendable.h"

#include <utility>

namespace vigil::remote {
namespace {

class FanoutAppender final : public storage::Appender {
 public:
  FanoutAppender(std::unique_ptr<storage::Appender> primary,
                 std::vector<std::unique_ptr<storage::Appender>> secondaries)
      : primary_(std::move(primary)), secondaries_(std::move(secondaries)) {}

  absl::StatusOr<storage::SeriesRef> Append(storage::SeriesRef ref,
                                            const model::Labels& labels,
                                            int64_t t_ms, double value) override {
    absl::StatusOr<storage::SeriesRef> r = primary_->Append(ref, labels, t_ms, value);
    if (r.ok()) {
      for (auto& s : secondaries_) (void)s->Append(0, labels, t_ms, value);
    }
    return r;
  }

  absl::Status Commit() override {
    absl::Status st = primary_->Commit();
    for (auto& s : secondaries_) {
      if (st.ok()) {
        (void)s->Commit();
      } else {
        (void)s->Rollback();
      }
    }
    return st;
  }

  absl::Status Rollback() override {
    absl::Status st = primary_->Rollback();
    for (auto& s : secondaries_) (void)s->Rollback();
    return st;
  }

 private:
  std::unique_ptr<storage::Appender> primary_;
  std::vector<std::unique_ptr<storage::Appender>> secondaries_;
};

}  // namespace

std::unique_ptr<storage::Appender> FanoutAppendable::NewAppender() {
  std::vector<std::unique_ptr<storage::Appender>> secondaries;
  secondaries.reserve(secondaries_.size());
  for (storage::Appendable* s : secondaries_) secondaries.push_back(s->NewAppender());
  return std::make_unique<FanoutAppender>(primary_->NewAppender(), std::move(secondaries));
}

}  // namespace vigil::remote
