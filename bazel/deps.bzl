"""Declares every system library Vigil builds against, under upstream names.

A project that links Vigil from its own workspace calls this too:

    local_repository(name = "vigil", path = "/path/to/vigil")
    load("@vigil//bazel:deps.bzl", "vigil_dependencies")
    vigil_dependencies()

Each repository is generated from the installed Debian package (see
system_library.bzl); tools/install_deps.sh installs the packages.
"""

load("//bazel:system_library.bzl", "system_repository")

def vigil_dependencies():
    """Declares the system library repositories (idempotent per name)."""
    # Abseil, under its upstream name and labels.
    _maybe(
        name = "com_google_absl",
        required_headers = ["absl/status/status.h"],
        targets = {
            "absl/base:core_headers": ["absl_core_headers"],
            "absl/base:base": ["absl_base"],
            "absl/base:endian": ["absl_endian"],
            "absl/algorithm:container": ["absl_algorithm_container"],
            "absl/cleanup:cleanup": ["absl_cleanup"],
            "absl/container:btree": ["absl_btree"],
            "absl/container:fixed_array": ["absl_fixed_array"],
            "absl/container:flat_hash_map": ["absl_flat_hash_map"],
            "absl/container:flat_hash_set": ["absl_flat_hash_set"],
            "absl/container:inlined_vector": ["absl_inlined_vector"],
            "absl/container:node_hash_map": ["absl_node_hash_map"],
            "absl/flags:flag": ["absl_flags"],
            "absl/flags:parse": ["absl_flags_parse"],
            "absl/functional:any_invocable": ["absl_any_invocable"],
            "absl/functional:bind_front": ["absl_bind_front"],
            "absl/functional:function_ref": ["absl_function_ref"],
            "absl/hash:hash": ["absl_hash"],
            "absl/memory:memory": ["absl_memory"],
            "absl/numeric:bits": ["absl_bits"],
            "absl/numeric:int128": ["absl_int128"],
            "absl/random:random": ["absl_random_random"],
            "absl/status:status": ["absl_status"],
            "absl/status:statusor": ["absl_statusor"],
            "absl/strings:strings": ["absl_strings"],
            "absl/strings:str_format": ["absl_str_format"],
            "absl/strings:cord": ["absl_cord"],
            "absl/synchronization:synchronization": ["absl_synchronization"],
            "absl/time:time": ["absl_time"],
            "absl/types:optional": ["absl_optional"],
            "absl/types:span": ["absl_span"],
            "absl/types:variant": ["absl_variant"],
        },
    )

    _maybe(
        name = "com_google_protobuf",
        required_headers = ["google/protobuf/message.h"],
        targets = {":protobuf": ["protobuf"]},
    )

    _maybe(
        name = "com_github_grpc_grpc",
        required_headers = ["grpcpp/grpcpp.h"],
        targets = {":grpc++": ["grpc++", "protobuf"]},
    )

    _maybe(
        name = "com_google_googletest",
        required_headers = ["gtest/gtest.h", "gmock/gmock.h"],
        targets = {
            ":gtest": ["gtest"],
            ":gtest_main": ["gtest_main"],
            ":gmock": ["gmock"],
            ":gmock_main": ["gmock_main"],
        },
    )

    _maybe(
        name = "com_github_google_benchmark",
        required_headers = ["benchmark/benchmark.h"],
        targets = {
            ":benchmark": ["benchmark", "-lpthread"],
            ":benchmark_main": ["-lbenchmark_main", "benchmark", "-lpthread"],
        },
    )

    _maybe(
        name = "com_github_jbeder_yaml_cpp",
        required_headers = ["yaml-cpp/yaml.h"],
        targets = {":yaml-cpp": ["yaml-cpp"]},
    )

    _maybe(
        name = "com_googlesource_code_re2",
        required_headers = ["re2/re2.h"],
        targets = {":re2": ["re2"]},
    )

    _maybe(
        name = "com_github_curl_curl",
        required_headers = ["curl/curl.h"],
        targets = {":curl": ["libcurl"]},
    )

    _maybe(
        name = "com_github_google_snappy",
        required_headers = ["snappy.h"],
        targets = {":snappy": ["snappy"]},
    )

    _maybe(
        name = "net_zlib",
        required_headers = ["zlib.h"],
        targets = {":zlib": ["zlib"]},
    )

    _maybe(
        name = "com_github_nlohmann_json",
        required_headers = ["nlohmann/json.hpp"],
        targets = {":json": []},
    )

    _maybe(
        name = "com_github_roaringbitmap_croaring",
        required_headers = ["roaring/roaring.h"],
        targets = {":roaring": ["-lroaring"]},
    )

    _maybe(
        name = "com_github_cyan4973_xxhash",
        required_headers = ["xxhash.h"],
        targets = {":xxhash": ["libxxhash"]},
    )

    _maybe(
        name = "com_github_yhirose_cpp_httplib",
        # Debian built the library with OpenSSL, zlib and brotli support;
        # its classes change layout with those macros.
        header_flags = True,
        required_headers = ["httplib.h"],
        targets = {":httplib": ["cpp-httplib", "-lpthread"]},
    )

    _maybe(
        name = "com_github_facebook_zstd",
        required_headers = ["zstd.h"],
        targets = {":zstd": ["libzstd"]},
    )

    _maybe(
        name = "com_github_cliutils_cli11",
        required_headers = ["CLI/CLI.hpp"],
        targets = {":cli11": []},
    )

    # Boost.Beast and Boost.Asio (header-only): libweb's HTTP server.
    _maybe(
        name = "org_boost_boost",
        required_headers = ["boost/beast.hpp", "boost/asio.hpp"],
        targets = {":beast": ["-lpthread"]},
    )

    _maybe(
        name = "org_openssl",
        required_headers = ["openssl/ssl.h"],
        targets = {":ssl": ["openssl"]},
    )

    # libxcrypt's crypt_r: bcrypt hashes of --web.config.file users.
    _maybe(
        name = "org_libxcrypt",
        required_headers = ["crypt.h"],
        targets = {":crypt": ["libcrypt"]},
    )

    # prometheus-cpp (client library) for a process's own /metrics.
    _maybe(
        name = "com_github_jupp0r_prometheus_cpp",
        required_headers = ["prometheus/registry.h"],
        targets = {":core": ["prometheus-cpp-core"]},
    )

def _maybe(name, **kwargs):
    if name not in native.existing_rules():
        system_repository(name = name, **kwargs)
