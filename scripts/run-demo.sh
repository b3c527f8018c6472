#!/usr/bin/env bash
# One command: install the server on its embedded defaults (SQLite, local
# storage, in-process jobs), seed a demo organization and serve on localhost.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh server,agent,cli
export HUBNITY_DATA_DIR="${HUBNITY_DATA_DIR:-$PWD/.hubnity-data}"
.venv/bin/hubnity-server demo
exec .venv/bin/hubnity-server "$@"
