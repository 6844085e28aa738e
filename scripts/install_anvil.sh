#!/usr/bin/env bash
# Install the anvil local EVM node (and solc-js, used only to rebuild tests/contracts) under .tools/.
# npm 11 blocks install scripts by default; anvil needs none: the binary ships in the platform package.
set -euo pipefail
cd "$(dirname "$0")/.."
npm install --no-audit --no-fund --prefix .tools @foundry-rs/anvil
if [[ "${1:-}" == "--with-solc" ]]; then
  npm install --no-audit --no-fund --prefix .tools solc@0.8.26
fi
for candidate in .tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil .tools/node_modules/.bin/anvil; do
  if [[ -x "$candidate" ]]; then
    "$candidate" --version
    echo "anvil: $candidate"
    exit 0
  fi
done
echo "anvil binary not found under .tools/node_modules" >&2
exit 1
