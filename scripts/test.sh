#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine with Rust.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The reference SARIF validator (@microsoft/sarif-multitool, which ships the SARIF 2.1.0 schema
# and a `validate` command) for the verifier's SARIF test; installed once under .cache/.
sarif_dir=.cache/sarif
sarif_tool="$sarif_dir/node_modules/.bin/sarif-multitool"
if [ ! -x "$sarif_tool" ] && command -v npm >/dev/null; then
  echo "test: installing @microsoft/sarif-multitool into $sarif_dir" >&2
  npm install --prefix "$sarif_dir" --no-save --no-audit --no-fund @microsoft/sarif-multitool@5.7.0 >/dev/null ||
    echo "test: could not install @microsoft/sarif-multitool" >&2
  # Its native binary is made executable by an install script that npm may skip.
  chmod u+x "$sarif_dir"/node_modules/@microsoft/sarif-multitool-*/Sarif.Multitool 2>/dev/null || true
fi
if [ -x "$sarif_tool" ]; then
  export ENSURE_SARIF_MULTITOOL="$PWD/$sarif_tool"
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace --all-targets 2>&1 | tee "$log" || status=$?
# cargo prints one result line per test binary, the last often an empty doc-test run; close
# with the totals so the summary line speaks for the whole suite.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
