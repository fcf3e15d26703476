#!/usr/bin/env bash
# Type-check the web verifier's ES modules (JSDoc types, `// @ts-check`) with TypeScript.
# TypeScript is installed from npm into a temporary folder (pinned version, nothing kept);
# the page itself has no build step and never loads it.
set -euo pipefail
cd "$(dirname "$0")"
TYPESCRIPT_VERSION=5.9.3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
npm install --silent --no-audit --no-fund --prefix "$tmp" "typescript@$TYPESCRIPT_VERSION" >/dev/null
"$tmp/node_modules/.bin/tsc" -p tsconfig.web.json
echo "web page modules: tsc --checkJs --strict clean (TypeScript $TYPESCRIPT_VERSION)"
