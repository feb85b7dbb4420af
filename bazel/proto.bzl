"""C++ code generation for .proto files with Debian's protoc and grpc_cpp_plugin.

    vigil_cc_proto_library(
        name = "prompb",
        srcs = ["types.proto", "remote.proto"],
        deps = [],            # other vigil_cc_proto_library targets imported
        grpc = False,         # True also generates *.grpc.pb.{h,cc} service stubs
    )

Imports are workspace-relative (`import "model/proto/types.proto";`), as are
the generated headers (`#include "model/proto/types.pb.h"`). Generated code is
never checked in.
"""

load("@rules_cc//cc:defs.bzl", "cc_library")

def _base(src):
    if not src.endswith(".proto"):
        fail("vigil_cc_proto_library: %s is not a .proto file" % src)
    return src[:-len(".proto")]

def vigil_cc_proto_library(name, srcs, deps = [], grpc = False, visibility = None, testonly = False):
    pkg = native.package_name()
    outs = []
    for src in srcs:
        outs += [_base(src) + ".pb.h", _base(src) + ".pb.cc"]
        if grpc:
            outs += [_base(src) + ".grpc.pb.h", _base(src) + ".grpc.pb.cc"]

    # The .proto files of this target and of everything it imports, so the
    # generator sees them inside Bazel's sandbox.
    native.filegroup(
        name = name + "_protos",
        srcs = srcs + [d + "_protos" for d in deps],
        visibility = visibility,
        testonly = testonly,
    )

    files = " ".join([(pkg + "/" + s) if pkg else s for s in srcs])
    cmd = "protoc --proto_path=. --cpp_out=$(GENDIR)"
    if grpc:
        cmd += (" --grpc_out=$(GENDIR)" +
                " --plugin=protoc-gen-grpc=$$(command -v grpc_cpp_plugin)")
    cmd += " " + files

    native.genrule(
        name = name + "_codegen",
        srcs = [name + "_protos"],
        outs = outs,
        cmd = cmd,
        message = "Generating C++ from %s" % files,
        testonly = testonly,
    )

    lib_deps = ["@com_google_protobuf//:protobuf"] + deps
    if grpc:
        lib_deps.append("@com_github_grpc_grpc//:grpc++")
    cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        deps = lib_deps,
        visibility = visibility,
        testonly = testonly,
    )
