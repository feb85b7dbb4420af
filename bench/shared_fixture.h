// ReadSharedTextparse: the bytes of one of Prometheus's textparse
// benchmark inputs (../shared/conformance/textparse/<name>), found through
// $VIGIL_SHARED_DIR, the Bazel runfiles (@vigil_shared) or /work/shared.
// Empty when absent (a user's clone has no ../shared); benchmarks then
// skip with a message.
//
// Thread safety: stateless.

#ifndef VIGIL_BENCH_SHARED_FIXTURE_H_
#define VIGIL_BENCH_SHARED_FIXTURE_H_

#include <string>

namespace vigil::bench {

std::string ReadSharedTextparse(const std::string& name);

}  // namespace vigil::bench

#endif  // VIGIL_BENCH_SHARED_FIXTURE_H_
