#!/bin/sh
# Install the Node tools the suite runs, each from its package-lock.json, and build the JS SDK:
# - tools/node: newman, for the Postman collection;
# - clients/js: typescript and openapi-typescript, then `tsc` into clients/js/dist;
# - examples/node: the SDK, linked from clients/js (nothing is downloaded).
# Each step is skipped when it is up to date (installed at the locked versions, built after the
# last change of its sources).
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"

need_npm() {
    command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 or later" >&2; exit 1; }
}

# npm ci in $1 unless node_modules was installed after the lock file last changed.
install_locked() {
    if [ ! -f "$1/node_modules/.package-lock.json" ] || [ "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]; then
        need_npm
        (cd "$1" && npm ci --no-audit --no-fund --loglevel=error)
    fi
}

install_locked "$root/tools/node"

sdk="$root/clients/js"
install_locked "$sdk"
stamp="$sdk/dist/index.js"
if [ ! -f "$stamp" ] || [ -n "$(find "$sdk/src" "$sdk/tsconfig.json" "$sdk/package-lock.json" -newer "$stamp" -print -quit)" ]; then
    (cd "$sdk" && node_modules/.bin/tsc -p tsconfig.json)
fi

install_locked "$root/examples/node"
