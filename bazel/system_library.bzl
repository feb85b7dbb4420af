"""Wires Debian's installed libraries into Bazel without downloading anything.

`system_repository` writes a repository whose BUILD files declare one
cc_library per requested target. Headers come from /usr/include (already on
the compiler's built-in path); the link flags come from `pkg-config --libs`
at fetch time, so the whole transitive closure of shared libraries is named.
A value that starts with "-" is used as a link flag verbatim, for packages
that ship no .pc file (header-only libraries have an empty list).
"""

_SETUP_HINT = "run tools/install_deps.sh (it installs the Debian -dev packages Vigil needs)"

def _pkg_config(rctx, args, modules):
    res = rctx.execute(["pkg-config"] + args + modules)
    if res.return_code != 0:
        fail("pkg-config could not find %s for @%s: %s\n%s" %
             (modules, rctx.name, res.stderr.strip(), _SETUP_HINT))
    return [f for f in res.stdout.strip().split(" ") if f]

def _flags(rctx, entries, header_flags):
    """Returns (linkopts, defines) for one target."""
    flags = []
    modules = []
    for e in entries:
        if e.startswith("-"):
            flags.append(e)
        else:
            modules.append(e)
    defines = []
    if modules:
        if header_flags:
            # The headers compile code against the private dependencies
            # too, so link those as well.
            flags = _pkg_config(rctx, ["--libs", "--static"], modules) + flags
            defines = [
                f[len("-D"):]
                for f in _pkg_config(rctx, ["--cflags-only-other"], modules)
                if f.startswith("-D")
            ]
        else:
            flags = _pkg_config(rctx, ["--libs"], modules) + flags
    return flags, defines

def _system_repository_impl(rctx):
    for header in rctx.attr.required_headers:
        # Debian puts some headers (curl) under the multiarch directory,
        # which is also on the compiler's default include path.
        found = [
            d
            for d in ["/usr/include/", "/usr/include/x86_64-linux-gnu/", "/usr/include/aarch64-linux-gnu/"]
            if rctx.path(d + header).exists
        ]
        if not found:
            fail("@%s needs /usr/include/%s, which is missing; %s" %
                 (rctx.name, header, _SETUP_HINT))

    packages = {}
    for label, entries in rctx.attr.targets.items():
        pkg, _, name = label.rpartition(":")
        if not name:
            fail("target %r must look like 'package:name'" % label)
        linkopts, defines = _flags(rctx, entries, rctx.attr.header_flags)
        packages.setdefault(pkg, []).append((name, linkopts, defines))

    for pkg, targets in packages.items():
        lines = ['package(default_visibility = ["//visibility:public"])', ""]
        for name, linkopts, defines in sorted(targets):
            lines.append("cc_library(")
            lines.append("    name = %r," % name)
            lines.append("    linkopts = %r," % linkopts)
            if defines:
                lines.append("    defines = %r," % defines)
            lines.append(")")
            lines.append("")
        path = (pkg + "/BUILD.bazel") if pkg else "BUILD.bazel"
        rctx.file(path, "\n".join(lines))
    rctx.file("WORKSPACE", 'workspace(name = "%s")\n' % rctx.name)

system_repository = repository_rule(
    implementation = _system_repository_impl,
    attrs = {
        "targets": attr.string_list_dict(
            mandatory = True,
            doc = "'package:name' -> pkg-config modules or raw link flags",
        ),
        "header_flags": attr.bool(
            doc = "also export the package's -D flags to dependents and " +
                  "link its private dependencies: for libraries whose " +
                  "headers change shape with build options (cpp-httplib)",
        ),
        "required_headers": attr.string_list(
            doc = "headers under /usr/include whose absence is a clear error",
        ),
    },
    local = True,
    configure = True,
)
