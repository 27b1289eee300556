#!/usr/bin/env bash
# Installs what is missing, builds, and starts `mlflow-c server` on the
# embedded default (sqlite:///mlflow.db in the current directory,
# http://127.0.0.1:5000). Extra arguments go to `mlflow-c server`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/deps.sh"
[ -f "$root/build/build.ninja" ] || meson setup "$root/build" "$root" >/dev/null
ninja -C "$root/build" >/dev/null
exec "$root/build/mlflow-c" server "$@"
