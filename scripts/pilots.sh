#!/usr/bin/env bash
# The main job: runs the three ENSURESEC pilots end to end and writes their results under
# out/pilots/. Today that is: check every scenario and variant, and export each asset graph.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --release --quiet
ensure=target/release/ensure
out=out/pilots
mkdir -p "$out"
for dir in scenarios/*/; do
  name=$(basename "$dir")
  [ -f "$dir/model.yaml" ] || continue
  mkdir -p "$out/$name"
  echo "== $name" >&2
  "$ensure" check --deny-warnings "$dir/model.yaml" "$dir"/variants/*.yaml | tee "$out/$name/check.txt"
  "$ensure" graph "$dir/model.yaml" --format dot --out "$out/$name/graph.dot"
  "$ensure" graph "$dir/model.yaml" --format json --out "$out/$name/graph.json"
  if command -v dot >/dev/null; then
    dot -Tsvg "$out/$name/graph.dot" -o "$out/$name/graph.svg"
  fi
done
echo "pilots: results in $out/" >&2
