#!/usr/bin/env bash
# Creates .venv and installs Hubnity with the extras given (default: server).
# Usage: scripts/install.sh [extras]   e.g. scripts/install.sh server,agent,dev
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-server}"
py="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[${extras}]"
