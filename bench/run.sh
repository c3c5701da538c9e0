#!/usr/bin/env bash
# Re-runs every benchmark recorded in BENCHMARKS.md. Not part of CI (it takes minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --examples -p ensure-model
cargo build --release --quiet
echo "## load and validate ($(date -u +%F), $(nproc) cores, $(uname -m))"
cargo run --release --quiet -p ensure-model --example bench_load -- 1000 10000 100000
echo
echo "## whole CLI on 100,000 assets: wall time and peak memory"
tmp=$(mktemp -d)
target/release/ensure generate --assets 100000 --seed 1 --format json --out "$tmp/g.json"
target/release/ensure generate --assets 100000 --seed 1 --format yaml --out "$tmp/g.yaml"
for f in "$tmp/g.json" "$tmp/g.yaml"; do
  for i in 1 2 3; do
    /usr/bin/time -f "$(basename "$f"): %e s wall, %M KB peak RSS" target/release/ensure check "$f" >/dev/null
  done
done 2>&1
rm -rf "$tmp"
