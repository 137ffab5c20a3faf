"""manage.py cleanup_uploads: delete abandoned direct-to-S3 staging objects."""

from django.core.management.base import BaseCommand

from rastercatalog.uploads.worker import uploads_cleanup


class Command(BaseCommand):
    help = (
        "Delete staging objects of direct-to-S3 uploads that were never completed (their upload "
        "URL expired) or are left over, and mark those uploads failed."
    )

    def handle(self, *args, **options) -> None:
        deleted = uploads_cleanup()
        self.stdout.write(f"deleted {deleted} abandoned staging object(s)")
