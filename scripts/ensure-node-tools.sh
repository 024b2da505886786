#!/bin/sh
# Install the Node tools the suite runs (newman, for the Postman collection) from
# tools/node/package-lock.json; nothing to do when they are installed at the locked versions.
set -eu
cd "$(dirname "$0")/../tools/node"
if [ -x node_modules/.bin/newman ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
    exit 0
fi
command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 or later" >&2; exit 1; }
npm ci --no-audit --no-fund --loglevel=error
