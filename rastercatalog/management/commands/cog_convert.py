"""manage.py cog_convert: convert catalogued rasters to COGs, with progress and a summary."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from rastercatalog.catalog.cog import COMPRESSIONS
from rastercatalog.catalog.convert import raster_convert_to_cog
from rastercatalog.catalog.leases import LeaseHeld
from rastercatalog.dispatch import raster_convert_dispatched, worker_available
from rastercatalog.errors import ConversionFailed, ConversionRefused
from rastercatalog.models import Raster


class Command(BaseCommand):
    help = (
        "Convert catalogued rasters to Cloud-Optimized GeoTIFFs written beside their originals; "
        "the catalog then reads the COG. Exits non-zero when any conversion failed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("ids", nargs="*", type=int, metavar="RASTER_ID")
        parser.add_argument(
            "--all", action="store_true", help="every ready raster that is not a valid COG"
        )
        parser.add_argument("--collection", metavar="SLUG", help="only rasters of this collection")
        parser.add_argument(
            "--compression",
            choices=COMPRESSIONS,
            default="",
            help="deflate (lossless, default: RASTERCATALOG_COG_COMPRESSION); jpeg or webp "
            "(lossy, RGB uint8 only)",
        )
        parser.add_argument(
            "--force", action="store_true", help="also rewrite rasters that are valid COGs"
        )
        parser.add_argument(
            "--async", dest="run_async", action="store_true", help="queue for a Celery worker"
        )

    def handle(self, *args, **options) -> None:
        rasters = Raster.objects.filter(status=Raster.Status.READY).order_by("pk")
        if options["ids"]:
            rasters = rasters.filter(pk__in=options["ids"])
            missing = set(options["ids"]) - set(rasters.values_list("pk", flat=True))
            if missing:
                raise CommandError(
                    f"no ready raster with id {', '.join(map(str, sorted(missing)))}"
                )
        elif not options["all"] and not options["collection"]:
            raise CommandError("nothing to convert: give raster ids, --collection SLUG or --all")
        if options["collection"]:
            rasters = rasters.filter(collection__slug=options["collection"])
        if not options["force"] and not options["ids"]:
            rasters = rasters.exclude(is_cog=True)
        queued = options["run_async"] and worker_available()
        if options["run_async"] and not queued:
            self.stderr.write("--async: no broker configured (CELERY_BROKER_URL/REDIS_URL); here")
        counts = {"converted": 0, "not-needed": 0, "queued": 0, "failed": 0}
        rasters = list(rasters)
        with tqdm(total=len(rasters), unit="raster", file=sys.stderr, disable=None) as bar:
            for raster in rasters:
                bar.set_description(raster.name[:40])
                kind, message = self._one(raster, options, queued)
                counts[kind] += 1
                style = self.style.ERROR if kind == "failed" else self.style.SUCCESS
                with tqdm.external_write_mode(file=sys.stderr):
                    self.stdout.write(
                        style(f"{kind:>10}  raster {raster.pk} ({raster.name}): {message}")
                    )
                bar.update(1)
        self.stdout.write("summary: " + ", ".join(f"{n} {k}" for k, n in counts.items() if n))
        if counts["failed"]:
            raise CommandError(f"{counts['failed']} of {len(rasters)} failed", returncode=1)

    def _one(self, raster: Raster, options, queued: bool) -> tuple[str, str]:
        started = time.monotonic()
        if queued:
            raster_convert_dispatched(raster=raster, compression=options["compression"])
            return "queued", "a worker converts it"
        try:
            raster = raster_convert_to_cog(
                raster=raster, compression=options["compression"], force=options["force"]
            )
        except LeaseHeld:
            return "failed", "being converted by another process"
        except (ConversionFailed, ConversionRefused) as exc:
            return "failed", str(exc)
        if raster.conversion_status == Raster.ConversionStatus.NOT_NEEDED:
            return "not-needed", "a valid COG already"
        seconds = time.monotonic() - started
        return "converted", f"{raster.uri} in {seconds:.1f} s ({raster.size_bytes:,} bytes)"
