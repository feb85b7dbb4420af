"""Compiler flags shared by every Vigil target (Abseil's ABSL_DEFAULT_COPTS idea)."""

VIGIL_COPTS = [
    "-Wall",
    "-Wextra",
    "-Wno-unused-parameter",
    "-Wno-sign-compare",
    "-Wno-missing-field-initializers",
]

VIGIL_TEST_COPTS = VIGIL_COPTS + [
    "-Wno-unused-variable",
]
