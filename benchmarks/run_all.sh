#!/usr/bin/env bash
# Runs every benchmark and renders benchmarks/RESULTS.md from their JSON results.
#
#   benchmarks/run_all.sh [--with-import] [--with-patterns] [--with-networks]
#     --with-import also re-runs bench_import.py (~2 min more); --with-patterns also re-runs
#     bench_patterns.py (the sparsity patterns compared, ~10 min more); --with-networks also re-runs
#     bench_networks.py (MobileNetV2, ViT-B/16, BERT-base, GPT-2, Jasper-like, GNMT-like, the sequence sweep)
#
# Uses build/venv (created by `cmake --build build --target bsparse-example`), or $PYTHON if set.
# Prints each step's wall time and the total on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-build/venv/bin/python}"
export PYTHONPATH="python${PYTHONPATH:+:$PYTHONPATH}"

with_import=0
with_patterns=0
with_networks=0
for arg in "$@"; do
  case "$arg" in
    --with-import) with_import=1 ;;
    --with-patterns) with_patterns=1 ;;
    --with-networks) with_networks=1 ;;
    *) echo "usage: $0 [--with-import] [--with-patterns] [--with-networks]" >&2; exit 2 ;;
  esac
done

start=$SECONDS
step() {
  local t=$SECONDS
  echo "== $*" >&2
  "$PYTHON" "$@"
  echo "== $1: $((SECONDS - t)) s" >&2
}

step benchmarks/bench_models.py
step benchmarks/bench_interpreter.py
step benchmarks/bench_gemm_efficiency.py
if [ "$with_import" = 1 ]; then
  step benchmarks/bench_import.py
fi
if [ "$with_patterns" = 1 ]; then
  step benchmarks/bench_patterns.py
fi
if [ "$with_networks" = 1 ]; then
  step benchmarks/bench_networks.py
fi
step benchmarks/make_results.py
echo "== total: $((SECONDS - start)) s" >&2
