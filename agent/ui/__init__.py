"""The Qt shell: thin windows and a tray that poll `agent.core.agent.Agent`.
This is the only package that imports Qt."""
