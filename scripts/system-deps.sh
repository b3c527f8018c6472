#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real: Xvfb, xdotool
# and a tray host for the agent, Chromium for the web pages. Skips what is
# already there; needs root (or sudo) only when something is missing.
set -euo pipefail
need=()
command -v Xvfb >/dev/null || need+=(xvfb)
command -v xdotool >/dev/null || need+=(xdotool)
command -v trayer >/dev/null || need+=(trayer)
command -v chromium >/dev/null || need+=(chromium)
command -v xwininfo >/dev/null || need+=(x11-utils)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
