"""The data of bench/search.py: a PostGIS database of synthetic catalogued rasters, loaded with COPY.

Footprints are tilted scenes with 4 to 32 traced vertices, of realistic sizes (aerial 1-5 km,
Sentinel-2-like 110 km, Landsat-like 185 km, SAR 50-250 km, 0.5 % continental mosaics), 70 %
clustered around 300 hotspots and 30 % spread over the sphere; those that cross the antimeridian
are split there, as ingestion stores them. The same --rows give the same rows.
"""

from __future__ import annotations

import os
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import psycopg

ROOT = Path(__file__).resolve().parent.parent
SEED = 20240615
# (collection slug, share of rows, side in km (low, high), metres per pixel, bands, dtype)
KINDS = [
    ("aerial", 0.25, (1, 5), 0.3, 4, "Byte"),
    ("sentinel-2", 0.35, (100, 110), 10.0, 13, "UInt16"),
    ("landsat", 0.20, (170, 185), 30.0, 11, "UInt16"),
    ("sar", 0.195, (50, 250), 20.0, 2, "Float32"),
    ("mosaic", 0.005, (500, 2500), 250.0, 3, "Byte"),
]
COLUMNS = [
    *("name", "uri", "status", "error", "visibility", "checksum_sha256", "size_bytes"),
    *("footprint", "bbox_west", "bbox_south", "bbox_east", "bbox_north"),
    *("crs_wkt", "crs_epsg", "width", "height", "band_count", "dtype"),
    *("ground_resolution_m", "resolution_x", "resolution_y", "acquired_at"),
    *("is_cog", "cog_errors", "cog_warnings", "cog_info", "created", "updated", "collection_id"),
    "attempts",  # the ingestion lease's counter (catalog/leases.py): not null, no database default
    # COG conversion (catalog/conversion): not null, no database default; never asked here.
    *("original_uri", "original_checksum_sha256", "conversion_status", "conversion_error"),
    "conversion_profile",
]


def database_create(conninfo: str, name: str) -> None:
    with psycopg.connect(conninfo + " dbname=postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if exists.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def migrate() -> None:
    python = ROOT / ".venv" / "bin" / "python"
    subprocess.run(
        [str(python), str(ROOT / "manage.py"), "migrate", "--noinput", "-v0"],
        check=True,
        env=os.environ,
    )


def loaded(connection: psycopg.Connection, rows: int) -> bool:
    marker = connection.execute(
        "SELECT count(*) FROM rastercatalog_raster WHERE uri LIKE 'bench://%'"
    ).fetchone()[0]
    total = connection.execute("SELECT count(*) FROM rastercatalog_raster").fetchone()[0]
    return marker == rows == total


def load(connection: psycopg.Connection, rows: int, *, cluster: bool) -> None:
    started = time.monotonic()
    connection.execute("TRUNCATE rastercatalog_band, rastercatalog_raster RESTART IDENTITY CASCADE")
    collection_ids = {}
    for slug, *_ in KINDS:
        row = connection.execute(
            "INSERT INTO rastercatalog_collection (name, slug, description, license, created, "
            "updated) VALUES (%s, %s, '', 'other', now(), now()) ON CONFLICT (slug) "
            "DO UPDATE SET name = EXCLUDED.name RETURNING id",
            (slug.replace("-", " ").title(), slug),
        ).fetchone()
        collection_ids[slug] = row[0]
    # Secondary indexes are rebuilt once after the load: far faster than updating them per row.
    indexes = connection.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'rastercatalog_raster' "
        "AND indexdef NOT LIKE '%UNIQUE%'"
    ).fetchall()
    for name, _ in indexes:
        connection.execute(f'DROP INDEX "{name}"')
    copied = 0
    statement = f"COPY rastercatalog_raster ({', '.join(COLUMNS)}) FROM STDIN"
    try:
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in _synthetic_rows(rows, collection_ids):
                copy.write_row(row)
                copied += 1
                if copied % 100_000 == 0:
                    elapsed = time.monotonic() - started
                    print(f"  copied {copied:,} rows ({elapsed:.0f} s)", flush=True)
        print(
            f"copied {copied:,} rows in {time.monotonic() - started:.0f} s; indexing …", flush=True
        )
    finally:  # a failed load leaves the indexes as they were, for the next one to drop again
        # Index builds and CLUSTER sort in memory rather than in many small runs on disk.
        connection.execute("SET maintenance_work_mem = '1GB'")
        for _, definition in indexes:
            connection.execute(definition)
    if cluster:
        # Rows of one area on few pages: what `CLUSTER … USING <the GiST index>` does for a large
        # catalog (README: Search API). A dense zoom-3 tile then reads ~5,000 pages, not ~40,000.
        gist = next(name for name, definition in indexes if "USING gist" in definition)
        connection.execute(f'CLUSTER rastercatalog_raster USING "{gist}"')
    connection.execute("VACUUM ANALYZE rastercatalog_raster")
    print(f"loaded and indexed in {time.monotonic() - started:.0f} s", flush=True)


def _synthetic_rows(rows: int, collection_ids: dict[str, int]):
    """Rows for COPY, in COLUMNS order; the same rows for the same --rows."""
    rng = np.random.default_rng(SEED)
    hotspots = np.column_stack([rng.uniform(-180, 180, 300), rng.uniform(-55, 70, 300)])
    shares = np.array([kind[1] for kind in KINDS])
    kinds = rng.choice(len(KINDS), size=rows, p=shares / shares.sum())
    clustered = rng.random(rows) < 0.7
    spot = hotspots[rng.integers(0, len(hotspots), rows)]
    lon = np.where(clustered, spot[:, 0] + rng.normal(0, 5, rows), rng.uniform(-180, 180, rows))
    uniform_lat = np.degrees(np.arcsin(rng.uniform(-1, 1, rows)))
    lat = np.clip(np.where(clustered, spot[:, 1] + rng.normal(0, 4, rows), uniform_lat), -78, 78)
    lon = (lon + 180) % 360 - 180
    low = np.array([kind[2][0] for kind in KINDS])
    high = np.array([kind[2][1] for kind in KINDS])
    side_km = low[kinds] + rng.random(rows) * (high - low)[kinds]
    tilt = np.radians(rng.uniform(-14, 14, rows))
    vertices = rng.choice([4, 4, 4, 8, 16, 32], size=rows)
    acquired_seconds = rng.uniform(0, 11 * 365 * 86400, rows)
    no_time = rng.random(rows) < 0.05
    private = rng.random(rows) < 0.02
    is_cog = rng.random(rows) < 0.8
    epoch, created0 = datetime(2015, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)
    for i in range(rows):
        slug, _, _, metres, bands, dtype = KINDS[kinds[i]]
        n = vertices[i]
        # A star-shaped outline, so always a valid polygon: a rectangle, its edges jittered inwards.
        angles = np.linspace(0, 2 * np.pi, n, endpoint=False) + np.pi / n
        radius = 1 - rng.random(n) * 0.08 if n > 4 else np.ones(n)
        x = np.clip(np.cos(angles) * np.sqrt(2), -1, 1) * radius
        y = np.clip(np.sin(angles) * np.sqrt(2), -1, 1) * radius
        half_h = side_km[i] / 2 / 110.57
        half_w = side_km[i] / 2 / (111.32 * max(np.cos(np.radians(lat[i])), 0.05))
        xs = lon[i] + (x * np.cos(tilt[i]) - y * np.sin(tilt[i])) * half_w
        ys = np.clip(lat[i] + (x * np.sin(tilt[i]) + y * np.cos(tilt[i])) * half_h, -89.5, 89.5)
        coords = [*zip(xs.tolist(), ys.tolist(), strict=True), (float(xs[0]), float(ys[0]))]
        if xs.min() < -180 or xs.max() > 180:
            ewkt, (west, south, east, north) = _split_at_antimeridian(coords)
        else:
            ring = ",".join(f"{a:.6f} {b:.6f}" for a, b in coords)
            ewkt = f"SRID=4326;MULTIPOLYGON((({ring})))"
            west, south, east, north = (
                float(xs.min()),
                float(ys.min()),
                float(xs.max()),
                float(ys.max()),
            )
        width = int(side_km[i] * 1000 / metres)
        acquired = None if no_time[i] else epoch + timedelta(seconds=float(acquired_seconds[i]))
        created = created0 + timedelta(seconds=i)
        epsg = (32600 if lat[i] >= 0 else 32700) + int((lon[i] + 180) // 6) % 60 + 1
        yield (
            f"{slug}_{i:07d}",
            f"bench://{slug}/{i:07d}.tif",
            "ready",
            "",
            "private" if private[i] else "public",
            f"{i:064x}",
            width * width * bands,
            ewkt,
            west,
            south,
            east,
            north,
            "",
            epsg,
            width,
            width,
            bands,
            dtype,
            metres,
            metres,
            metres,
            acquired,
            bool(is_cog[i]),
            "[]",
            "[]",
            "{}",
            created,
            created,
            collection_ids[slug],
            0,
            *("", "", "", "", "{}"),
        )


def _split_at_antimeridian(coords: list[tuple[float, float]]) -> tuple[str, tuple[float, ...]]:
    """A ring that runs past ±180° as ingestion stores it: parts on either side, and the bbox with
    west > east."""
    from django.contrib.gis.geos import MultiPolygon, Polygon

    world = Polygon.from_bbox((-180, -90, 180, 90))
    shift = 360 if min(x for x, _ in coords) < -180 else -360
    inside = Polygon(coords).intersection(world)
    outside = Polygon([(x + shift, y) for x, y in coords]).intersection(world)
    # The part next to +180° holds the bbox's west edge; the one next to -180° its east edge.
    near_east, near_west = (outside, inside) if shift > 0 else (inside, outside)
    parts = [part for part in (near_east, near_west) if part.geom_type == "Polygon"]
    footprint = MultiPolygon(*parts, srid=4326)
    south, north = footprint.extent[1], footprint.extent[3]
    return f"SRID=4326;{footprint.wkt}", (near_east.extent[0], south, near_west.extent[2], north)


def sample_centres(connection: psycopg.Connection) -> list[tuple[float, float]]:
    """Centres of 2,000 random public rasters: searches and tiles go where the data is."""
    rows = connection.execute(
        "SELECT (bbox_west + bbox_east) / 2, (bbox_south + bbox_north) / 2 "
        "FROM rastercatalog_raster TABLESAMPLE SYSTEM (1) REPEATABLE (7) "
        "WHERE bbox_west <= bbox_east AND visibility = 'public' LIMIT 2000"
    ).fetchall()
    return [(float(x), float(y)) for x, y in rows]
