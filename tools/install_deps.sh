#!/usr/bin/env bash
# Installs the Debian 12 packages Vigil builds and tests with, if missing.
# Idempotent and quick when everything is present; works as root or via sudo.
set -euo pipefail

PACKAGES=(
  # Build
  bazel-bootstrap bazel-rules-java bazel-platforms g++ pkg-config
  protobuf-compiler protobuf-compiler-grpc
  # Libraries (headers + pkg-config files)
  libabsl-dev libprotobuf-dev libgrpc++-dev libyaml-cpp-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev libre2-dev
  libcurl4-openssl-dev libsnappy-dev zlib1g-dev libzstd-dev
  nlohmann-json3-dev libroaring-dev libcli11-dev libxxhash-dev
  libcpp-httplib-dev prometheus-cpp-dev
  libboost1.81-dev libssl-dev libcrypt-dev
  # Real peers the integration tests start on 127.0.0.1
  prometheus prometheus-alertmanager prometheus-node-exporter
  # Tools the tests use (chromium: the web UI's browser test)
  curl python3 chromium
  # clang + its runtime: libFuzzer runs of the exposition parsers
  clang libclang-rt-14-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

# Node.js and npm for the web UI (examples/ui): a machine image may ship its
# own build; Debian's only when there is none.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -ne 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
  fi
  echo "install_deps: installing ${missing[*]}" >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# The web UI's npm packages (uPlot, playwright-core), exactly as pinned by
# examples/ui/package-lock.json; again whenever the lock file is newer.
ui="$(cd "$(dirname "$0")/.." && pwd)/examples/ui"
if [ ! -f "$ui/node_modules/.package-lock.json" ] ||
   [ "$ui/package-lock.json" -nt "$ui/node_modules/.package-lock.json" ]; then
  echo "install_deps: npm ci in examples/ui" >&2
  (cd "$ui" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
