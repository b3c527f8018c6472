"""Stand-in servers for the providers Hubnity imports from, written from their
public API documentation (docs/integrations.md lists what each one follows).

Each is a small ASGI app served by uvicorn on a free port in a thread: the
connectors under test talk real HTTP to it, exactly as to the provider.
"""
