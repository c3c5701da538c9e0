#!/usr/bin/env bash
# The flood benchmark of `ensure watch` (BENCHMARKS.md): N events (default 10 million) on one
# core, against baselines measured in the same run: cat and wc -l (reading the bytes), a
# generic JSON parse of every line (serde_json::Value), and watch's event parser alone.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000000}
cargo build --release --quiet
cargo build --release --quiet -p ensure-watch --examples
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
target/release/ensure rules scenarios/ecommerce-platform/model.yaml --out "$tmp/rules" >/dev/null
target/release/examples/flood rules "$tmp/rules/rules.json" "$tmp/flood-rules.json"
target/release/examples/flood generate "$tmp/flood-rules.json" "$n" "$tmp/flood.jsonl"
echo "## ensure watch under a flood ($(date -u +%F), $(nproc) cores, $(uname -m), load $(cut -d' ' -f1 /proc/loadavg))"
echo "$n events, $(stat -c %s "$tmp/flood.jsonl") bytes; $(grep -c '"kind": "s' "$tmp/flood-rules.json") rules"
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"
cat "$tmp/flood.jsonl" >/dev/null
rate() { awk -v n="$n" -v s="$1" 'BEGIN { printf "%.2f M events/s", n / s / 1e6 }'; }
# Each command on one core, timed the same way: events per wall second and per CPU second
# (the machine may be shared; CPU time is what one core delivers).
measure() {
  local what=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o "$tmp/t" $pin "$@" <"$tmp/flood.jsonl" >"$tmp/out" 2>"$tmp/err"
  read -r wall user sys rss <"$tmp/t"
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
  echo "$what: $wall s wall ($(rate "$wall")), $cpu s CPU ($(rate "$cpu")), peak RSS $((rss / 1024)) MB"
}
measure "baseline cat" cat
measure "baseline wc -l" wc -l
measure "baseline serde_json::Value per line" target/release/examples/flood parse-json /dev/stdin
measure "baseline watch's event parser alone" target/release/examples/flood parse-events /dev/stdin
for keys in 10000 100000 1000000; do
  measure "ensure watch --max-keys $keys" target/release/ensure watch --rules "$tmp/flood-rules.json" --max-keys "$keys"
  echo "  $(wc -l <"$tmp/out") alerts"
  grep -E '^watch: ([0-9]|sequence)' "$tmp/err" | sed 's/^/  /'
done
