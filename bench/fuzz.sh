#!/usr/bin/env bash
# Fuzzes the model loader for SECONDS (default 300) with cargo-fuzz. Needs a nightly
# toolchain or RUSTC_BOOTSTRAP=1 for the sanitizer flags; not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
mkdir -p fuzz/corpus/load
cp scenarios/*/model.yaml tests/malformed/*.yaml fuzz/corpus/load/ 2>/dev/null || true
RUSTC_BOOTSTRAP=1 cargo fuzz run load fuzz/corpus/load -- -max_total_time="${1:-300}" -max_len=65536
