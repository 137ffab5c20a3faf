"""Metrics, Server-Timing, JSON log lines and database outages, through Django's test client."""

from __future__ import annotations

import json
import logging
import re

import numpy as np
import pytest
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test import Client

from rastercatalog.catalog.ingest import raster_ingest
from rastercatalog.geo.webmercator import tile_for_lonlat
from rastercatalog.logs import JsonFormatter, ingest_log
from rastercatalog.metrics import ingest_outcome_count
from rastercatalog.middleware import server_error

pytestmark = pytest.mark.django_db


def _sample(text: str, name: str, **labels: str) -> float:
    """The sum of the samples of `name` with these labels in the text exposition (0 when none).

    Summed: earlier tests may have left samples with the same labels and others (method, status).
    """
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
        if all(found.get(key) == value for key, value in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def _metrics(client: Client) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return response.content.decode()


def test_requests_are_counted_by_endpoint_family():
    client = Client()
    families = {
        "/api/rasters/": "catalog",
        "/stac/search": "stac",
        "/api/colormaps/": "data",
        "/healthz": "pages",
        "/no-such-page": "unmatched",
    }
    before = _metrics(client)
    for path in families:
        client.get(path)
    after = _metrics(client)
    for path, family in families.items():
        name = "rastercatalog_http_requests_total"
        grew = _sample(after, name, family=family) - _sample(before, name, family=family)
        assert grew >= 1, (path, family)
    assert _sample(after, "rastercatalog_http_request_duration_seconds_count", family="stac") >= 1


def test_metrics_are_for_allowed_addresses_only(settings):
    assert Client(REMOTE_ADDR="203.0.113.9").get("/metrics").status_code == 403
    # Forwarded headers are not believed: anyone could send them.
    forwarded = Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert forwarded.get("/metrics").status_code == 403
    settings.RASTERCATALOG_METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 403


def test_ingest_outcomes_and_no_queue_gauge_without_a_broker(settings):
    settings.CELERY_BROKER_URL = ""
    client = Client()
    before = _sample(_metrics(client), "rastercatalog_ingest_outcomes_total", outcome="failed")
    ingest_outcome_count("failed")
    text = _metrics(client)
    assert _sample(text, "rastercatalog_ingest_outcomes_total", outcome="failed") == before + 1
    assert "rastercatalog_queue_depth" not in text


def test_an_unreachable_broker_leaves_the_queue_gauge_out_not_the_scrape(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"  # the discard port: nothing listens
    assert "rastercatalog_queue_depth" not in _metrics(Client())


@pytest.fixture
def raster(tmp_path):
    from rastercatalog.catalog.demo import geotiff_write

    path = geotiff_write(
        tmp_path / "ramp.tif",
        np.tile((np.arange(400) // 2).astype(np.uint8), (400, 1)),
        epsg=4326,
        geotransform=(10.0, 0.005, 0.0, 46.0, 0.0, -0.005),
    )
    cache.clear()
    yield raster_ingest(uri=str(path), trusted=True).raster
    cache.clear()


def test_tiles_tell_where_their_time_went_and_count_cache_hits(raster):
    client = Client()
    tile, _, _ = tile_for_lonlat(11.0, 45.0, 8)
    url = f"/api/rasters/{raster.pk}/tiles/{tile}.png"
    before = _metrics(client)
    miss = client.get(url)
    assert miss.status_code == 200
    phases = dict(re.findall(r"(\w+);dur=([0-9.]+)", miss["Server-Timing"]))
    assert {"db", "open", "read", "render", "encode", "app"} <= set(phases), phases
    assert float(phases["app"]) >= float(phases["read"])
    hit = client.get(url)
    assert hit["X-Tile-Cache"] == "hit"
    # A cached tile is a database lookup and nothing else.
    assert set(re.findall(r"(\w+);dur=", hit["Server-Timing"])) == {"db", "app"}
    after = _metrics(client)
    for result in ("hit", "miss"):
        name = "rastercatalog_tile_cache_lookups_total"
        assert _sample(after, name, result=result) == _sample(before, name, result=result) + 1


def _refuse(execute, sql, params, many, context):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')


@pytest.mark.parametrize("path", ["/api/rasters/", "/stac/search", "/api/rasters/1/metadata"])
def test_a_lost_database_is_a_503_json_with_retry_after(path):
    with connection.execute_wrapper(_refuse):
        response = Client().get(path)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "5"
    assert "database is unavailable" in response.json()["detail"]


def test_health_says_unavailable_while_the_database_is_lost():
    with connection.execute_wrapper(_refuse):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["database"] == "postgresql"
    assert Client().get("/healthz").json()["status"] == "ok"


def test_an_outage_outside_a_view_is_a_503_and_other_errors_stay_500(rf):
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        assert server_error(rf.get("/")).status_code == 503
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(rf.get("/")).status_code == 500


def test_one_json_line_per_request(caplog):
    with caplog.at_level(logging.INFO, logger="rastercatalog.requests"):
        Client().get("/stac/search", {"limit": 1})
    (record,) = [r for r in caplog.records if r.name == "rastercatalog.requests"]
    line = json.loads(JsonFormatter().format(record))
    assert line["event"] == "request"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/stac/search", 200)
    assert line["user"] == "anonymous"
    assert line["bytes"] > 0 and line["duration_ms"] >= 0


def test_request_lines_name_the_user(caplog, django_user_model):
    user = django_user_model.objects.create_user("reader", password="x")
    client = Client()
    client.force_login(user)
    with caplog.at_level(logging.INFO, logger="rastercatalog.requests"):
        client.get("/api/rasters/")
    (record,) = [r for r in caplog.records if r.name == "rastercatalog.requests"]
    assert record.fields["user"] == str(user.pk)


def test_one_json_line_per_ingestion(caplog):
    with caplog.at_level(logging.INFO, logger="rastercatalog.ingest"):
        ingest_log(uri="s3://bucket/a.tif", outcome="ready", raster_id=7, duration_s=1.5)
    line = json.loads(JsonFormatter().format(caplog.records[-1]))
    assert line["event"] == "ingest"
    assert (line["uri"], line["outcome"], line["raster_id"]) == ("s3://bucket/a.tif", "ready", 7)
    assert line["duration_ms"] == 1500.0
