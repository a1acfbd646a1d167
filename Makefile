# distlab: two commands from a fresh clone.
#   make serve   install what is missing, then serve the lab at http://127.0.0.1:8080
#   make test    install what is missing (incl. Chromium), then run every test
#   make bench   print benchmark figures (not timed tests)
# Installs are idempotent: a second run skips what is present (scripts/setup.sh).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: serve test bench setup build size e2e clean

serve:
	scripts/setup.sh build
	cargo fetch
	trunk serve --address 127.0.0.1 --port 8080

test:
	scripts/test.sh

bench:
	scripts/bench.sh

setup:
	scripts/setup.sh test

# Release build of the site into dist/, with its transfer size.
build:
	scripts/setup.sh build
	cargo fetch
	trunk build --release
	scripts/size.sh dist

size:
	scripts/size.sh dist

# Only the end-to-end tests, against the dist/ already built.
e2e:
	node tests/run.mjs --dist dist

clean:
	cargo clean
	rm -rf dist tests/artifacts
