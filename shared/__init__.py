"""Wire contract shared by the Hubnity agent and server.

Pure: msgspec Structs, enums and limits only. Nothing here imports a framework.
"""

from shared.version import __version__

__all__ = ["__version__"]
