"""manage.py load_demo: write the demo rasters (if missing), ingest them, make a local admin user."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from rastercatalog.catalog.demo import demo_write_all
from rastercatalog.catalog.ingest import IngestError, raster_ingest
from rastercatalog.models import Collection


class Command(BaseCommand):
    help = "Generate and ingest the demo rasters into the 'demo' collection (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--no-admin", action="store_true", help="don't create the admin/admin user"
        )

    def handle(self, *args, **options) -> None:
        collection, _ = Collection.objects.get_or_create(
            slug="demo",
            defaults={
                "name": "Demo rasters",
                "description": "Synthetic rasters written by rastercatalog.demo: four kinds, four CRSs.",
                "license": "CC0-1.0",
            },
        )
        failures = 0
        for path in demo_write_all(settings.RASTERCATALOG_DEMO_DIR):
            try:
                result = raster_ingest(uri=str(path), collection=collection, trusted=True)
                self.stdout.write(f"{path.name}: {result.message}")
            except IngestError as exc:
                failures += 1
                self.stderr.write(f"{path.name}: failed: {exc.reason}")
        if not options["no_admin"]:
            self._admin_user()
        if failures:
            raise CommandError(f"{failures} demo rasters failed to ingest")

    def _admin_user(self) -> None:
        users = get_user_model()
        if users.objects.filter(is_superuser=True).exists():
            return
        # A known password is acceptable only because runserver listens on 127.0.0.1.
        users.objects.create_superuser("admin", "admin@example.invalid", "admin")
        self.stdout.write(
            "created superuser admin (password: admin) - change it for anything but a demo"
        )
