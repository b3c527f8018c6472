#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real: Xvfb, xdotool
# and a tray host for the agent, Chromium for the web pages, slapd and
# ldap-utils for LDAP sign-in, dpkg-deb,
# systemd-analyze and desktop-file-validate for the installers. Under CI=true
# a test missing one of these fails (tests/support/tools.py lists them).
# Skips what is already there; needs root (or sudo) only when something is missing.
set -euo pipefail
need=()
command -v Xvfb >/dev/null || need+=(xvfb)
command -v xdotool >/dev/null || need+=(xdotool)
command -v trayer >/dev/null || need+=(trayer)
command -v chromium >/dev/null || need+=(chromium)
command -v xwininfo >/dev/null && command -v xdpyinfo >/dev/null && command -v xmessage >/dev/null || need+=(x11-utils)
command -v dpkg >/dev/null && command -v dpkg-deb >/dev/null || need+=(dpkg)
command -v systemd-analyze >/dev/null || need+=(systemd)
command -v desktop-file-validate >/dev/null || need+=(desktop-file-utils)
# A private OpenLDAP slapd for the LDAP sign-in tests (started by the tests on
# a free port with its own config; the package's own service is not used).
command -v slapd >/dev/null || [ -x /usr/sbin/slapd ] || need+=(slapd)
command -v ldapadd >/dev/null || need+=(ldap-utils)
# prlimit: the agent disk-full test caps the agent's file size.
command -v prlimit >/dev/null || need+=(util-linux)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
# Qt's xcb platform plugin (the tray on a real X display) needs these at run time.
for lib in libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 \
           libxcb-xkb1 libxkbcommon-x11-0 libxcb-shape0 libxcb-randr0 libxcb-xinerama0 \
           libegl1 libgl1 libfontconfig1 libdbus-1-3; do
  dpkg -s "$lib" >/dev/null 2>&1 || need+=("$lib")
done
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
