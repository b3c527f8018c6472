"""Hubnity desktop agent: a Qt-free core (`agent.core`), OS services
(`agent.platform`) and a thin tray shell (`agent.ui`)."""

from shared.version import __version__

__all__ = ["__version__"]
