"""Screenshots: streamed upload, presigned upload, blur/thumbnail jobs, read, delete.

Modules: `imaging` (pure image work), `multipart` (incremental form parsing),
`signing` (server-signed URLs), `ingest` (upload use cases), `processing`
(job bodies: process, sweep, retention), `access` (list, read, delete),
`jobs` (thin job wrappers), `routes` (HTTP).
"""
