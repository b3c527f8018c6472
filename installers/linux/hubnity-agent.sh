#!/bin/sh
# Installed as /usr/bin/hubnity-agent by the hubnity-agent .deb.
# The PyInstaller bundle lives in /opt/hubnity-agent; it finds its own files
# relative to the real binary, so a plain exec is all that is needed.
exec /opt/hubnity-agent/hubnity-agent "$@"
