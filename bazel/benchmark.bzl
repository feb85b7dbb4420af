"""vigil_benchmark: one Google Benchmark source, built twice.

    vigil_benchmark(name = "tsdb_bench", srcs = ["tsdb_bench.cc"], deps = [...])

makes
  :tsdb_bench       cc_binary for real figures: bazel run -c opt //bench:tsdb_bench
  :tsdb_bench_test  cc_test (tag "benchmark") that runs every benchmark
                    briefly, so `bazel test //...` proves it still runs and
                    prints figures to the test log.
"""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_test")
load("//bazel:copts.bzl", "VIGIL_TEST_COPTS")

def vigil_benchmark(name, srcs, deps = [], data = [], smoke_args = []):
    all_deps = deps + ["@com_github_google_benchmark//:benchmark_main"]
    cc_binary(
        name = name,
        srcs = srcs,
        copts = VIGIL_TEST_COPTS,
        deps = all_deps,
        data = data,
        testonly = True,
        tags = ["benchmark"],
    )
    cc_test(
        name = name + "_test",
        srcs = srcs,
        copts = VIGIL_TEST_COPTS,
        deps = all_deps,
        data = data,
        # Benchmark 1.7.1 takes plain seconds here.
        args = ["--benchmark_min_time=0.01"] + smoke_args,
        size = "medium",
        tags = ["benchmark"],
    )
