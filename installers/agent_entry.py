"""Frozen entry point of the desktop agent (used by hubnity-agent.spec).

PyInstaller needs a script, not a console-script reference; this is the same
call that the `hubnity-agent` console script makes.
"""

import sys

from agent.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
