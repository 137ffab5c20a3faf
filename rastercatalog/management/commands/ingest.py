"""manage.py ingest: catalogue rasters from paths, directories, URLs and lists, with a summary."""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime
from tqdm import tqdm

from rastercatalog.catalog.cog import COMPRESSIONS
from rastercatalog.catalog.convert import raster_convert_now, to_cog_requested
from rastercatalog.catalog.ingest import IngestError, raster_create_pending, raster_ingest
from rastercatalog.catalog.sources import SourceRefused, source_resolve, source_size
from rastercatalog.dispatch import (
    collection_overviews_refresh,
    raster_ingest_later,
    worker_available,
)
from rastercatalog.models import Collection

logger = logging.getLogger(__name__)
RASTER_SUFFIXES = {".tif", ".tiff", ".gtif", ".gtiff"}


class Command(BaseCommand):
    help = (
        "Ingest rasters into the catalog. Arguments are local files, directories, http(s):// URLs or "
        "s3:// URIs. Exits non-zero when any of them failed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("sources", nargs="*", metavar="PATH|URL|DIR")
        parser.add_argument(
            "--recursive", "-r", action="store_true", help="descend into subdirectories"
        )
        parser.add_argument(
            "--collection", metavar="SLUG", help="add to this collection (made if missing)"
        )
        parser.add_argument(
            "--from-file", metavar="LIST", help="read sources from a file, one a line ('-' = stdin)"
        )
        parser.add_argument(
            "--async", dest="run_async", action="store_true", help="queue for a Celery worker"
        )
        parser.add_argument(
            "--name", default="", help="raster name (one source only; default: file name)"
        )
        parser.add_argument(
            "--acquired-at", default="", help="acquisition time, ISO 8601 (overrides tags)"
        )
        parser.add_argument(
            "--to-cog",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="convert to a COG beside the original (default: RASTERCATALOG_INGEST_TO_COG)",
        )
        parser.add_argument(
            "--cog-compression",
            choices=COMPRESSIONS,
            default="",
            help="deflate (lossless, default); jpeg or webp (lossy, RGB uint8 only)",
        )

    def handle(self, *args, **options) -> None:
        self.verbosity = options["verbosity"]
        self.to_cog = to_cog_requested(options["to_cog"])
        self.cog_compression = options["cog_compression"]
        uris = list(_expand(options["sources"], recursive=options["recursive"]))
        if options["from_file"]:
            uris.extend(_read_list(options["from_file"]))
        if not uris:
            raise CommandError(
                "nothing to ingest: give paths, directories, URLs or --from-file LIST"
            )
        if options["name"] and len(uris) > 1:
            raise CommandError(f"--name applies to a single source; got {len(uris)}")
        acquired_at = None
        if options["acquired_at"]:
            acquired_at = parse_datetime(options["acquired_at"])
            if acquired_at is None:
                raise CommandError(
                    f"--acquired-at: not an ISO 8601 date-time: {options['acquired_at']!r}"
                )
        collection = self._collection(options["collection"])

        if options["run_async"] and not worker_available():
            self.stderr.write(
                "--async: no broker configured (CELERY_BROKER_URL/REDIS_URL); ingesting here"
            )
        if options["run_async"] and worker_available():
            outcomes = [self._queue(uri, options["name"], collection, acquired_at) for uri in uris]
        else:
            outcomes = self._ingest_all(uris, options["name"], collection, acquired_at)
            if collection is not None and not worker_available():
                self._overview(collection)
        self._summarise(outcomes)

    def _overview(self, collection: Collection) -> None:
        """Without a worker, bring the collection's mosaic overview up to date here, once."""
        for _ in collection_overviews_refresh(collection_ids=[collection.pk]):
            collection.refresh_from_db()
            overview = getattr(collection, "overview", None)
            if overview is not None and overview.status == "ready":
                self.stdout.write(
                    f"overview of collection {collection.slug}: {overview.raster_count} rasters "
                    f"up to zoom {overview.zoom}"
                )

    def _collection(self, slug: str | None) -> Collection | None:
        if not slug:
            return None
        collection, created = Collection.objects.get_or_create(slug=slug, defaults={"name": slug})
        if created:
            self.stdout.write(f"created collection {slug}")
        return collection

    def _ingest_all(self, uris, name, collection, acquired_at) -> list[tuple[str, str, str]]:
        outcomes = []
        with tqdm(total=len(uris), unit="file", file=sys.stderr, disable=None) as files:
            for uri in uris:
                files.set_description(Path(uri).name[:40])
                with tqdm(
                    total=_size_or_none(uri),
                    unit="B",
                    unit_scale=True,
                    leave=False,
                    file=sys.stderr,
                    disable=None,
                ) as progress:
                    try:
                        result = raster_ingest(
                            uri=uri,
                            name=name,
                            collection=collection,
                            acquired_at=acquired_at,
                            trusted=True,
                            progress=progress.update,
                        )
                        outcome = (
                            "ingested" if result.created else "already present",
                            uri,
                            result.message,
                        )
                        if result.created and self.to_cog:
                            outcome = self._convert(result.raster, uri, result.message)
                    except IngestError as exc:
                        outcome = ("failed", uri, exc.reason)
                        self._traceback(exc)
                outcomes.append(outcome)
                files.update(1)
        return outcomes

    def _queue(self, uri: str, name: str, collection, acquired_at) -> tuple[str, str, str]:
        try:
            raster = raster_create_pending(
                uri=uri,
                name=name,
                collection=collection,
                acquired_at=acquired_at,
                trusted=True,
                to_cog=self.to_cog,
                cog_compression=self.cog_compression,
            )
            raster_ingest_later(raster)
        except SourceRefused as exc:
            return ("failed", uri, str(exc))
        except Exception as exc:  # noqa: BLE001 - one file's trouble never stops the batch
            logger.exception("cannot queue %s", uri)
            self._traceback(exc)
            reason = f"internal error while queueing ({exc.__class__.__name__}: {exc})"
            return ("failed", uri, reason)
        return ("queued", uri, f"queued as raster {raster.pk}")

    def _convert(self, raster, uri: str, message: str) -> tuple[str, str, str]:
        raster = raster_convert_now(raster=raster, compression=self.cog_compression)
        if raster.conversion_status == "failed":
            return ("failed", uri, f"{message}, but not converted: {raster.conversion_error}")
        if raster.conversion_status == "not-needed":
            return ("ingested", uri, f"{message}, a valid COG already")
        return ("ingested", uri, f"{message}, converted to COG {raster.uri}")

    def _traceback(self, exc: BaseException) -> None:
        """At -v 2 and above, print the traceback of an internal error (it is always logged)."""
        if isinstance(exc, IngestError):
            exc = exc.__cause__ if exc.internal else None
        if exc is not None and self.verbosity >= 2:
            self.stderr.write("".join(traceback.format_exception(exc)))

    def _summarise(self, outcomes: list[tuple[str, str, str]]) -> None:
        for kind, uri, message in outcomes:
            style = self.style.ERROR if kind == "failed" else self.style.SUCCESS
            self.stdout.write(style(f"{kind:>15}  {uri}: {message}"))
        counts = {
            kind: sum(1 for o in outcomes if o[0] == kind)
            for kind in ("ingested", "already present", "queued", "failed")
        }
        summary = ", ".join(
            f"{n} {kind}" for kind, n in counts.items() if n or kind in ("ingested", "failed")
        )
        self.stdout.write(f"summary: {summary}")
        if counts["failed"]:
            raise CommandError(f"{counts['failed']} of {len(outcomes)} failed", returncode=1)


def _expand(arguments: Iterable[str], *, recursive: bool) -> Iterator[str]:
    """Directories become the raster files in them; anything else passes through as given."""
    for argument in arguments:
        path = Path(argument)
        if "://" not in argument and path.is_dir():
            files = path.rglob("*") if recursive else path.glob("*")
            yield from sorted(
                str(f) for f in files if f.is_file() and f.suffix.lower() in RASTER_SUFFIXES
            )
        else:
            yield argument


def _read_list(name: str) -> list[str]:
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text()
    except OSError as exc:
        raise CommandError(f"--from-file: cannot read {name}: {exc.strerror}") from exc
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _size_or_none(uri: str) -> int | None:
    try:
        return source_size(source_resolve(uri, trusted=True))
    except Exception:  # noqa: BLE001 - only a progress bar's total; ingestion reports the real problem
        return None
