#!/usr/bin/env bash
# Runs the Vigil server on a fresh Debian 12 machine: installs what is
# missing, builds optimized, and starts it with Prometheus's flags.
#   ./tools/run_server.sh                       # examples/prometheus.yml, :9090
#   ./tools/run_server.sh --config.file=/etc/prometheus/prometheus.yml
# The TSDB is kept in ./data of the directory this was started from unless
# --storage.tsdb.path is given. `bazel run` starts the server in Bazel's
# runfiles tree (which `bazel clean` deletes), so relative paths given for
# --config.file, --web.config.file and --storage.tsdb.path are made
# absolute against the starting directory first.
set -euo pipefail
start_dir="$PWD"
cd "$(dirname "$0")/.."
./tools/install_deps.sh

absolute() {  # a path as seen from start_dir
  case "$1" in
    /*) printf '%s' "$1" ;;
    *) printf '%s/%s' "$start_dir" "$1" ;;
  esac
}

args=()
have_config=""
have_storage=""
path_flag=""  # a path flag seen without "=", waiting for its value
for a in "$@"; do
  if [ -n "$path_flag" ]; then
    args+=("$(absolute "$a")")
    path_flag=""
    continue
  fi
  case "$a" in
    --config.file=* | --web.config.file=* | --storage.tsdb.path=*)
      args+=("${a%%=*}=$(absolute "${a#*=}")") ;;
    --config.file | --web.config.file | --storage.tsdb.path)
      args+=("$a")
      path_flag=1 ;;
    *) args+=("$a") ;;
  esac
  case "$a" in
    --config.file | --config.file=*) have_config=1 ;;
    --storage.tsdb.path | --storage.tsdb.path=*) have_storage=1 ;;
  esac
done
[ -z "$have_config" ] && args=("--config.file=$PWD/examples/prometheus.yml" "${args[@]}")
[ -z "$have_storage" ] && args=("--storage.tsdb.path=$start_dir/data" "${args[@]}")
exec bazel run -c opt //examples:server -- "${args[@]}"
