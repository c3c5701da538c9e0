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
echo
echo "## simulation speed (issue 5): generated models, 1 and 2 threads, peak memory"
cargo build --release --quiet --examples -p ensure-simulator
simtmp=$(mktemp -d)
for n in 1000 10000 100000 1000000; do
  target/release/ensure generate --assets "$n" --seed 1 --format json --out "$simtmp/g$n.json"
  target/release/examples/bench_sim "$simtmp/g$n.json" 10
done
for threads in 1 2; do
  /usr/bin/time -f "ensure simulate, 100k assets, 2048 trials, $threads thread(s): %e s wall, %M KB peak RSS" \
    target/release/ensure simulate "$simtmp/g100000.json" --trials 2048 --seed 1 --threads "$threads" --format json --out "$simtmp/r$threads.json"
done 2>&1
cmp "$simtmp/r1.json" "$simtmp/r2.json" && echo "1 and 2 threads: identical results"
for n in 1000000; do
  /usr/bin/time -f "ensure simulate, 1M assets, 32 trials, 2 threads: %e s wall, %M KB peak RSS" \
    target/release/ensure simulate "$simtmp/g$n.json" --trials 32 --seed 1 --threads 2 --format json --out /dev/null
done 2>&1
rm -rf "$simtmp"
bash bench/peers/run.sh
echo
echo "## verification time per property kind ($(date -u +%F), $(nproc) cores)"
cargo run --release --quiet -p ensure-verifier --example bench_verify -- 1000 10000 100000
echo
echo "## verification, --hard (controls that change the graph, every property over every configuration)"
cargo run --release --quiet -p ensure-verifier --example bench_verify -- --hard 1000 10000 100000
echo
bash watch/bench.sh
echo
echo "## countermeasure planning (issue 6): plan time against candidate controls and trials ($(date -u +%F), $(nproc) cores)"
cargo run --release --quiet -p ensure-planner --example bench_plan
