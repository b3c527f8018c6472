"""Prometheus counters of the screenshot pipeline (served by GET /metrics)."""

from __future__ import annotations

from prometheus_client import Counter

from server.observability.metrics import REGISTRY

UPLOADS = Counter(
    "hubnity_screenshot_uploads_total", "Screenshot uploads by path and outcome",
    ["path", "outcome"], registry=REGISTRY,
)
UPLOAD_BYTES = Counter(
    "hubnity_screenshot_upload_bytes_total", "Bytes of screenshots stored by uploads",
    registry=REGISTRY,
)
PROCESSED = Counter(
    "hubnity_screenshot_jobs_total", "Screenshot processing attempts by resulting status",
    ["status"], registry=REGISTRY,
)
