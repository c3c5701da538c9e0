#!/usr/bin/env bash
# The peer benchmark: ensure against mal-simulator (with mal-toolbox), pyfair and a networkx
# independent-cascade loop, on identical graphs, compared on results and on trials per second
# per core, in one run. Installs the peers from PyPI into a virtualenv (pinned versions), builds
# ensure, runs everything, and leaves report.md and summary.json in the work directory.
#
#   bash bench/peers/run.sh [--quick]        # --quick: small sizes, about a minute
#
# Environment: PEERS_VENV (default .cache/peers-venv), PEERS_WORK (default out/peers),
# PYTHON (default python3, 3.11 or later).
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${PEERS_VENV:-.cache/peers-venv}"
work="${PEERS_WORK:-out/peers}"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r bench/peers/requirements.txt
cargo build --release --quiet
mkdir -p "$work"
echo "# peer benchmark ($(date -u +%F), $(nproc) cores, $(uname -m), load $(cut -d' ' -f1-3 /proc/loadavg))"
root="$PWD"
venv="$(cd "$venv" && pwd)"
cd "$work"  # mal-toolbox writes a logs/ directory into the working directory
# Give numpy (pyfair) its fastest kernels: these variables, set on some machines to work
# around old OpenBLAS bugs, slow a current numpy down.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
  "$venv/bin/python" "$root/bench/peers/peers.py" --ensure "$root/target/release/ensure" --work . "$@"
