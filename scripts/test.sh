#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine with Rust.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --workspace --all-targets
