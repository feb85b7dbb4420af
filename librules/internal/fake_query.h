// A programmable QueryFunc for tests: results per expression, settable
// between evaluations; records the times it was asked for. Test-only.

#ifndef VIGIL_LIBRULES_INTERNAL_FAKE_QUERY_H_
#define VIGIL_LIBRULES_INTERNAL_FAKE_QUERY_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "librules/query_func.h"

namespace vigil::rules::testing {

class FakeQuery {
 public:
  void Set(const std::string& expr, promql::Vector v) {
    absl::MutexLock l(&mu_);
    results_[expr] = std::move(v);
    errors_.erase(expr);
  }
  void SetError(const std::string& expr, absl::Status s) {
    absl::MutexLock l(&mu_);
    errors_[expr] = std::move(s);
  }
  QueryFunc Func() {
    return [this](absl::string_view expr,
                  int64_t t) -> absl::StatusOr<promql::Vector> {
      absl::MutexLock l(&mu_);
      times_.push_back(t);
      auto e = errors_.find(std::string(expr));
      if (e != errors_.end()) return e->second;
      auto it = results_.find(std::string(expr));
      promql::Vector v = it == results_.end() ? promql::Vector{} : it->second;
      for (auto& s : v) s.t = t;
      return v;
    };
  }
  std::vector<int64_t> times() {
    absl::MutexLock l(&mu_);
    return times_;
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, promql::Vector> results_;
  absl::flat_hash_map<std::string, absl::Status> errors_;
  std::vector<int64_t> times_;
};

inline promql::Sample S(std::initializer_list<std::pair<absl::string_view, absl::string_view>> l,
                        double v) {
  promql::Sample s;
  s.metric = model::Labels::FromPairs(l);
  s.v = v;
  return s;
}

}  // namespace vigil::rules::testing

#endif  // VIGIL_LIBRULES_INTERNAL_FAKE_QUERY_H_
