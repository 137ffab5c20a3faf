"""Prometheus metrics: the only module that imports prometheus_client.

Counters and histograms live here; the middleware, the tile cache and ingestion call the small
functions below. gunicorn runs several worker processes, each with its own counters: when
PROMETHEUS_MULTIPROC_DIR names a directory (empty at start-up, writable by every worker),
prometheus_client writes each process's values there and a scrape adds them up; without it a
scrape sees only the worker that answers it.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from urllib.parse import urlsplit

from django.conf import settings
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

# The endpoint families of the README, the label of every request metric.
FAMILIES = ("catalog", "data", "stac", "uploads", "pages", "metrics", "unmatched")
# Latency buckets for a tile server: cached tiles take ~1 ms, renders tens, large regions seconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

REQUESTS = Counter(
    "rastercatalog_http_requests",
    "HTTP requests answered, by endpoint family, method and status code.",
    ["family", "method", "status"],
)
LATENCY = Histogram(
    "rastercatalog_http_request_duration_seconds",
    "Time from the request reaching Django to the response leaving it, by endpoint family.",
    ["family"],
    buckets=LATENCY_BUCKETS,
)
TILE_CACHE = Counter(
    "rastercatalog_tile_cache_lookups",
    "Rendered-tile cache lookups, by result (hit or miss); hit ratio = hit / (hit + miss).",
    ["result"],
)
INGESTS = Counter(
    "rastercatalog_ingest_outcomes",
    "Ingestions finished, by outcome (e.g. ready, failed, refused, duplicate).",
    ["outcome"],
)


def request_observe(*, family: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request and its latency."""
    REQUESTS.labels(family=family, method=method, status=str(status)).inc()
    LATENCY.labels(family=family).observe(seconds)


def tile_cache_count(*, hit: bool) -> None:
    """Count one lookup of a rendered tile in the cache."""
    TILE_CACHE.labels(result="hit" if hit else "miss").inc()


def ingest_outcome_count(outcome: str) -> None:
    """Count one finished ingestion by its outcome (call once per raster, where it ends)."""
    INGESTS.labels(outcome=outcome).inc()


class QueueDepthCollector:
    """The Celery queue's length, read from the Redis broker at scrape time (absent otherwise)."""

    def collect(self):
        depth = queue_depth()
        if depth is None:
            return
        gauge = GaugeMetricFamily(
            "rastercatalog_queue_depth",
            "Tasks waiting in the Celery broker's queue (not yet taken by a worker).",
            labels=["queue"],
        )
        gauge.add_metric([_queue_name()], depth)
        yield gauge


def queue_depth() -> int | None:
    """LLEN of the Celery queue on a Redis broker; None without one or when it cannot be read."""
    url = settings.CELERY_BROKER_URL
    if not url or urlsplit(url).scheme not in ("redis", "rediss"):
        return None
    try:
        import redis  # celery[redis]'s client; imported here so the web needs it only with Redis

        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        try:
            return int(client.llen(_queue_name()))
        finally:
            client.close()
    except Exception as exc:  # a scrape must answer even when the broker is down
        logger.warning("queue depth unavailable: %s", exc)
        return None


def metrics_exposition() -> tuple[bytes, str]:
    """The text exposition of every metric (all workers' in multiprocess mode) and its type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY as registry
    scrape = CollectorRegistry()
    scrape.register(_RegistryView(registry))
    scrape.register(QueueDepthCollector())
    return generate_latest(scrape), CONTENT_TYPE_LATEST


class _RegistryView:
    """Expose another registry's metrics inside the scrape registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self):
        return self.registry.collect()


def metrics_client_allowed(address: str) -> bool:
    """True when `address` (REMOTE_ADDR) is in RASTERCATALOG_METRICS_ALLOWED_IPS."""
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(client in network for network in _allowed_networks())


def _allowed_networks() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(
        ipaddress.ip_network(entry, strict=False)
        for entry in settings.RASTERCATALOG_METRICS_ALLOWED_IPS
    )


def _queue_name() -> str:
    return getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")
