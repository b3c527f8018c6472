"""Hubnity server: Litestar app, domain packages, jobs, storage."""
