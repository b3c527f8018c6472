#!/usr/bin/env bash
# Creates .venv and installs Hubnity with the extras given (default: server).
# Usage: scripts/install.sh [extras]   e.g. scripts/install.sh server,agent,dev
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-server}"
py="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  if ! "$py" -m venv .venv 2>/dev/null; then
    # Debian ships venv/ensurepip separately.
    rm -rf .venv
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && $sudo apt-get install -y -qq python3-venv python3-pip >/dev/null
    "$py" -m venv .venv
  fi
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[${extras}]"
