"""Forms for the admin's add-raster page."""

from __future__ import annotations

from django import forms
from django.conf import settings

from .catalog.cog import COMPRESSIONS
from .catalog.sources import SourceRefused, source_resolve
from .models import Raster


class RasterIngestForm(forms.ModelForm):
    """Add a raster by uploading a file or by giving a URI; ingestion fills in everything else."""

    upload = forms.FileField(required=False, help_text="A GeoTIFF or COG from your computer.")
    uri = forms.CharField(
        required=False,
        max_length=2048,
        label="or URI",
        help_text="A path under an allowed directory, an http(s):// URL or an s3:// URI.",
    )

    to_cog = forms.BooleanField(
        required=False,
        label="Convert to COG",
        help_text="Write a Cloud-Optimized GeoTIFF beside the original and serve that.",
    )
    cog_compression = forms.ChoiceField(
        choices=[(c, c) for c in COMPRESSIONS],
        required=False,
        label="COG compression",
        help_text="deflate is lossless; jpeg and webp are lossy, for RGB uint8 rasters only.",
    )

    class Meta:
        model = Raster
        fields = ["name", "collection"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
        self.fields["name"].help_text = "Defaults to the file name."
        self.fields["to_cog"].initial = settings.RASTERCATALOG_INGEST_TO_COG
        self.fields["cog_compression"].initial = settings.RASTERCATALOG_COG_COMPRESSION

    def clean(self) -> dict:
        data = super().clean()
        upload, uri = data.get("upload"), (data.get("uri") or "").strip()
        if bool(upload) == bool(uri):
            raise forms.ValidationError(
                "Give either a file to upload or a URI, not both and not neither."
            )
        if uri:
            try:
                source_resolve(uri, trusted=False)
            except SourceRefused as exc:
                self.add_error("uri", str(exc))
        data["uri"] = uri
        return data
