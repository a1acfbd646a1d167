#!/usr/bin/env bash
# Installs every tool distlab needs, skipping what is already present.
# Usage: scripts/setup.sh [build|test]
#   build: wasm target, Trunk, wasm-bindgen CLI, wasm-opt (enough to serve the lab)
#   test:  all of the above plus Debian Chromium + ChromeDriver and the Node test deps
# Every tool comes from a package registry (crates.io, npm, Debian); nothing is downloaded
# from anywhere else. Versions are pinned; see shared TOOLCHAIN notes in the README.
set -euo pipefail
mode="${1:-build}"
root="$(cd "$(dirname "$0")/.." && pwd)"

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130
BINARYEN_VERSION=132.0.0

export PATH="$HOME/.cargo/bin:$PATH"
say() { printf '[setup] %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
  say "installing trunk $TRUNK_VERSION (takes a few minutes once)"
  cargo install --locked "trunk@$TRUNK_VERSION"
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: its lockfile pins a crate version the registry no longer has.
  cargo install wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION" --force
fi

if ! command -v npm >/dev/null; then
  say "installing nodejs + npm from Debian (wasm-opt comes from npm)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq nodejs npm
fi

if ! wasm-opt --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}"; then
  say "installing wasm-opt from npm binaryen@$BINARYEN_VERSION"
  npm install -g "binaryen@$BINARYEN_VERSION"
fi

if [ "$mode" = test ]; then
  if ! cargo clippy --version >/dev/null 2>&1; then
    say "adding the clippy component"
    rustup component add clippy
  fi
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null \
     || ! command -v python3 >/dev/null || ! command -v node >/dev/null; then
    say "installing Debian chromium + chromium-driver (and python3 / nodejs if missing)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    pkgs=(chromium chromium-driver)
    command -v python3 >/dev/null || pkgs+=(python3)
    command -v node >/dev/null || pkgs+=(nodejs npm)
    apt-get install -y -qq "${pkgs[@]}"
  fi
  # Reinstall the Node deps whenever the lockfile changes (a stamp holds its hash).
  lock_hash="$(sha256sum "$root/tests/package-lock.json" | cut -d' ' -f1)"
  stamp="$root/tests/node_modules/.distlab-lock-sha256"
  if [ ! -d "$root/tests/node_modules/playwright-core" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
    say "installing Node test dependencies (npm ci)"
    (cd "$root/tests" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock_hash" >"$stamp"
  fi
fi
say "tools ready ($mode)"
