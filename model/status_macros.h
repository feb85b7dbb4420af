// Status propagation macros. Debian's Abseil 20220623 ships none, so Vigil
// defines them once here.
//
//   VIGIL_RETURN_IF_ERROR(file.Sync());
//   VIGIL_ASSIGN_OR_RETURN(std::string body, ReadFile(path));
//
// Both return the failing absl::Status unchanged from the enclosing function,
// which must return absl::Status or absl::StatusOr<T>.

#ifndef VIGIL_MODEL_STATUS_MACROS_H_
#define VIGIL_MODEL_STATUS_MACROS_H_

#include <utility>

#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define VIGIL_RETURN_IF_ERROR(expr)                      \
  do {                                                   \
    ::absl::Status vigil_status_ = (expr);               \
    if (ABSL_PREDICT_FALSE(!vigil_status_.ok())) {       \
      return vigil_status_;                              \
    }                                                    \
  } while (0)

#define VIGIL_STATUS_MACROS_CONCAT_INNER_(a, b) a##b
#define VIGIL_STATUS_MACROS_CONCAT_(a, b) VIGIL_STATUS_MACROS_CONCAT_INNER_(a, b)

#define VIGIL_ASSIGN_OR_RETURN(lhs, expr)                                    \
  VIGIL_ASSIGN_OR_RETURN_IMPL_(                                              \
      VIGIL_STATUS_MACROS_CONCAT_(vigil_statusor_, __LINE__), lhs, expr)

#define VIGIL_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                 \
  if (ABSL_PREDICT_FALSE(!statusor.ok())) {               \
    return std::move(statusor).status();                  \
  }                                                       \
  lhs = std::move(statusor).value()

#endif  // VIGIL_MODEL_STATUS_MACROS_H_
