"""manage.py mosaic_overviews: build (or check) the collections' mosaic overviews here and now."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from rastercatalog.catalog.overviews import collection_overview_build
from rastercatalog.models import Collection


class Command(BaseCommand):
    help = (
        "Bring the mosaic overviews of collections up to date here (the worker otherwise does it "
        "after a change): the named collections, or every one. Exits non-zero when one failed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("slugs", nargs="*", metavar="SLUG", help="collections (default: all)")
        parser.add_argument(
            "--force", action="store_true", help="rebuild even when the members did not change"
        )

    def handle(self, *args, **options) -> None:
        collections = Collection.objects.order_by("slug")
        if options["slugs"]:
            collections = collections.filter(slug__in=options["slugs"])
            missing = sorted(set(options["slugs"]) - {c.slug for c in collections})
            if missing:
                raise CommandError(f"no collection with slug {', '.join(missing)}")
        failed = 0
        for collection in collections:
            overview = collection_overview_build(
                collection_id=collection.pk, force=options["force"]
            )
            line = f"{collection.slug}: {overview.status}"
            if overview.status == "ready":
                line += f", {overview.raster_count} rasters up to zoom {overview.zoom}"
                line += f", {overview.size_bytes / 1e6:.1f} MB"
            if overview.error:
                failed += 1
                line += f" ({overview.error})"
            self.stdout.write(line)
        if failed:
            raise CommandError(f"{failed} overview(s) failed", returncode=1)
