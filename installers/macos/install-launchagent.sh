#!/bin/sh
# Per-user login start for an installed "/Applications/Hubnity Agent.app".
#   installers/macos/install-launchagent.sh            install and start now
#   installers/macos/install-launchagent.sh --remove   stop and remove (keeps data)
# The agent's data (outbox of unsent time and screenshots) stays in
# ~/Library/Application Support/hubnity-agent either way.
set -eu
label="com.hubnity.agent"
plist="$HOME/Library/LaunchAgents/$label.plist"
domain="gui/$(id -u)"
launchctl bootout "$domain/$label" 2>/dev/null || true
if [ "${1:-}" = "--remove" ]; then
    rm -f "$plist"
    echo "removed $plist"
    exit 0
fi
mkdir -p "$HOME/Library/LaunchAgents"
cp "$(dirname "$0")/$label.plist" "$plist"
chmod 644 "$plist"
plutil -lint "$plist"
launchctl bootstrap "$domain" "$plist"
echo "installed $plist; the agent starts now and at every login"
