"""Exposes the project's sibling ../shared folder (conformance scripts, seed
configuration) to tests, or an empty repository when it is absent.

Nothing is copied: the repository holds symlinks into the folder. A user's
clone has no ../shared, so every filegroup is then empty and the tests that
read it skip with a message. VIGIL_SHARED_DIR overrides the location.
"""

_PARTS = ["conformance", "seed", "reference"]

def _shared_directory_impl(rctx):
    root = rctx.os.environ.get("VIGIL_SHARED_DIR", "")
    if not root:
        root = str(rctx.path(Label("//:WORKSPACE")).dirname.dirname) + "/shared"
    base = rctx.path(root)
    lines = ['package(default_visibility = ["//visibility:public"])', ""]
    for part in _PARTS:
        src = rctx.path(root + "/" + part)
        if base.exists and src.exists:
            rctx.symlink(src, part)
            lines.append('filegroup(name = "%s", srcs = glob(["%s/**"]))' % (part, part))
        else:
            lines.append('filegroup(name = "%s", srcs = [])' % part)
        lines.append("")
    rctx.file("BUILD.bazel", "\n".join(lines))
    rctx.file("WORKSPACE", 'workspace(name = "%s")\n' % rctx.name)

shared_directory = repository_rule(
    implementation = _shared_directory_impl,
    environ = ["VIGIL_SHARED_DIR"],
    local = True,
)
