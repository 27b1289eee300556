#!/usr/bin/env bash
# Installs what mlflow-c needs to build and test, from Debian 12's packages,
# when something is missing. Safe to run again. PostgreSQL (server, psql,
# libpq, psycopg2) is for the tests' throwaway cluster (tools/pg.sh); the
# package's own cluster is left alone.
# python3-venv is for the reference environment (tools/ref-env.sh).
# chromium, nodejs and npm are for the browser tests (tests/browser/): playwright-core from npm drives
# Debian's chromium; `npm ci` installs it from tests/browser/package-lock.json when that changed.
set -euo pipefail
pkgs=(gcc g++ pkg-config meson ninja-build libdouble-conversion-dev
      libh2o-dev libuv1-dev libssl-dev zlib1g-dev libcurl4-openssl-dev
      libprotobuf-c-dev protobuf-c-compiler protobuf-compiler libprotobuf-dev
      libsqlite3-dev sqlite3 libcmocka-dev
      postgresql postgresql-client libpq-dev
      python3 python3-venv python3-protobuf python3-pytest python3-psycopg2
      curl wrk chromium nodejs)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm: Debian's package, unless a nodejs that bundles it (NodeSource's) is there
command -v npm >/dev/null 2>&1 || dpkg-query -W -f='${Status}' npm 2>/dev/null | grep -q "install ok installed" || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# the browser tests' node modules, again only when package-lock.json is newer than what is installed
browser="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
if [ -f "$browser/package-lock.json" ] && { [ ! -f "$browser/node_modules/.package-lock.json" ] ||
        [ "$browser/package-lock.json" -nt "$browser/node_modules/.package-lock.json" ]; }; then
    echo "npm ci in tests/browser" >&2
    (cd "$browser" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
