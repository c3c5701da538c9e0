#!/usr/bin/env bash
# The main job: the three ENSURESEC pilots end to end (check, verify, simulate, compare the
# variants, sensitivity, plan the cost-risk frontier, derive detection rules), with a report
# of each (HTML, Markdown, JSON) and an index page, in out/pilots/. Safe to run again: each
# pilot's folder is replaced whole. Extra arguments go to `ensure pilots` (e.g. --quick,
# --trials N, --seed S, --only NAME).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --release --quiet
out=out/pilots
target/release/ensure pilots --out "$out" "$@"
# Graphviz drawings of the asset graphs, beside the built-in ones, where Graphviz is installed.
if command -v dot >/dev/null; then
  for dotfile in "$out"/*/graph.dot; do
    dot -Tsvg "$dotfile" -o "${dotfile%.dot}-graphviz.svg"
  done
fi
echo "pilots: open $out/index.html" >&2
