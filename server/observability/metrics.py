"""Prometheus metrics (prometheus-client: the reference implementation)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from shared.schemas import SyncBatchResponse

REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_REQUESTS = Counter(
    "hubnity_http_requests_total",
    "HTTP requests",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "hubnity_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SYNC_ITEMS = Counter(
    "hubnity_sync_items_total",
    "Sync items by kind and outcome",
    ["kind", "outcome"],
    registry=REGISTRY,
)
JOBS = Counter(
    "hubnity_jobs_total",
    "Background jobs by name and outcome",
    ["job", "outcome"],
    registry=REGISTRY,
)


def record_sync(result: SyncBatchResponse) -> None:
    SYNC_ITEMS.labels("entry", "processed").inc(result.processed)
    SYNC_ITEMS.labels("entry", "skipped").inc(result.skipped)
    SYNC_ITEMS.labels("entry", "conflict").inc(len(result.conflicts))
    SYNC_ITEMS.labels("activity", "processed").inc(result.activity.processed)
    SYNC_ITEMS.labels("activity", "skipped").inc(result.activity.skipped)
    SYNC_ITEMS.labels("activity", "conflict").inc(len(result.activity.conflicts))


def render() -> bytes:
    return generate_latest(REGISTRY)


WORKLOG_SYNC = Counter(
    "hubnity_worklog_sync_total",
    "Two-way worklog sync by provider and outcome (pushed, pulled, conflict, failed)",
    ["provider", "outcome"],
    registry=REGISTRY,
)
