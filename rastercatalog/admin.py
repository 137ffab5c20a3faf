"""The admin: collections, rasters with their footprint on a Leaflet map, ingestion by upload or URI."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from leaflet.admin import LeafletGeoAdmin

from .catalog.cog_validation import raster_revalidate_cog
from .catalog.convert import raster_convert_requested
from .catalog.ingest import (
    IngestError,
    raster_create_pending,
    raster_ingest,
)
from .dispatch import (
    collection_overviews_refresh,
    ingest_runs_on_worker,
    raster_convert_dispatched,
    raster_ingest_later,
    raster_reingest_dispatched,
    worker_available,
)
from .forms import RasterIngestForm
from .models import Band, Collection, Raster
from .search.visible import raster_footprints_geojson
from .uploads.local import upload_discard, upload_save

COG_CONVERSION_FIELDS = ["conversion_status", "conversion_error", "original_uri"]
COG_CONVERSION_FIELDS += ["original_checksum_sha256", "conversion_profile"]


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "license", "raster_count"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}

    @admin.display(description="rasters")
    def raster_count(self, obj: Collection) -> int:
        return obj.rasters.count()


class BandInline(admin.TabularInline):
    model = Band
    extra = 0
    can_delete = False
    fields = [
        "index",
        "dtype",
        "color_interpretation",
        "nodata",
        "min",
        "max",
        "mean",
        "std",
        "p2",
        "p98",
        "approximate",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Raster)
class RasterAdmin(LeafletGeoAdmin):
    modifiable = False  # the footprint is computed from the pixels, not drawn
    list_display = [
        "name",
        "collection",
        "status",
        "visibility",
        "dtype",
        "band_count",
        "is_cog",
        "conversion_status",
        "crs_epsg",
        "acquired_at",
        "created",
    ]
    list_filter = ["status", "visibility", "collection", "is_cog", "dtype", "band_count"]
    list_filter += ["conversion_status"]
    raw_id_fields = ["owner"]
    search_fields = ["name", "=checksum_sha256", "uri"]
    date_hierarchy = "created"
    list_select_related = ["collection"]
    actions = ["reingest_selected", "revalidate_cog_selected", "convert_to_cog_selected"]
    inlines = [BandInline]
    readonly_fields = [
        "uri",
        "status",
        "error",
        "checksum_sha256",
        "size_bytes",
        "bbox",
        "crs_epsg",
        "crs_wkt",
        "width",
        "height",
        "band_count",
        "dtype",
        "nodata",
        "geotransform",
        "resolution_x",
        "resolution_y",
        "ground_resolution_m",
        "stats_width",
        "stats_height",
        "is_cog",
        "cog_errors",
        "cog_warnings",
        *COG_CONVERSION_FIELDS,
        "created",
        "updated",
    ]
    fieldsets = [
        (None, {"fields": ["name", "collection", "acquired_at", "status", "error", "uri"]}),
        ("Access", {"fields": ["visibility", "owner"]}),
        ("Where", {"fields": ["footprint", "bbox"]}),
        (
            "File",
            {"fields": ["checksum_sha256", "size_bytes", "is_cog", "cog_errors", "cog_warnings"]},
        ),
        (
            "Grid",
            {
                "fields": [
                    "crs_epsg",
                    "width",
                    "height",
                    "band_count",
                    "dtype",
                    "nodata",
                    "resolution_x",
                    "resolution_y",
                    "ground_resolution_m",
                    "geotransform",
                    "stats_width",
                    "stats_height",
                    "crs_wkt",
                ],
                "classes": ["collapse"],
            },
        ),
        ("Conversion to COG", {"fields": COG_CONVERSION_FIELDS}),
        ("Record", {"fields": ["created", "updated"]}),
    ]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:  # not a redirect: show this page's footprints on a map
            response.context_data["footprints_geojson"] = raster_footprints_geojson(
                changelist.result_list,
                url_for=lambda r: reverse("admin:rastercatalog_raster_change", args=[r.pk]),
            )
        return response

    # --- adding = ingesting -------------------------------------------------------------------
    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            return RasterIngestForm
        form = super().get_form(request, obj, change=change, **kwargs)
        # Shown on the map but computed from the pixels: a posted geometry is ignored.
        form.base_fields["footprint"].disabled = True
        return form

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            fields = ["upload", "uri", "name", "collection", "to_cog", "cog_compression"]
            return [(None, {"fields": fields})]
        return self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        return [] if obj is None else self.inlines

    def save_model(self, request, obj, form, change) -> None:
        if change:
            before = Raster.objects.filter(pk=obj.pk).values_list("collection_id", flat=True)
            super().save_model(request, obj, form, change)
            # Its visibility or collection may have changed: both collections' mosaics follow.
            collection_overviews_refresh(collection_ids=[*before, obj.collection_id])
            return
        upload = form.cleaned_data.get("upload")
        uri = str(upload_save(upload)) if upload else form.cleaned_data["uri"]
        # An upload was written by this server under MEDIA_ROOT: the allow-lists have nothing to add.
        pending = raster_create_pending(
            uri=uri,
            name=form.cleaned_data["name"],
            collection=form.cleaned_data["collection"],
            trusted=bool(upload),
            to_cog=form.cleaned_data["to_cog"],
            cog_compression=form.cleaned_data["cog_compression"],
        )
        obj.pk = pending.pk
        obj.refresh_from_db()
        if ingest_runs_on_worker(received_bytes=upload.size if upload else None):
            raster_ingest_later(pending)
            messages.info(
                request,
                f"Queued for ingestion by a worker: {pending.name}. Refresh to see its status.",
            )
            return
        try:
            result = raster_ingest(uri=uri, trusted=True, placeholder=pending)
        except IngestError as exc:
            messages.error(request, f"Ingestion failed: {exc.reason}")
            obj.refresh_from_db()
            return
        if not result.created:
            request._rastercatalog_existing = result.raster
            if upload:
                upload_discard(uri)
            return
        converted = raster_convert_requested(raster=result.raster)
        if converted.conversion_status == Raster.ConversionStatus.FAILED:
            messages.error(request, f"Catalogued, but not converted: {converted.conversion_error}")
        obj.refresh_from_db()

    def response_add(self, request, obj, post_url_continue=None):
        existing = getattr(request, "_rastercatalog_existing", None)
        if existing is not None:
            messages.warning(
                request, f"These bytes are already catalogued as “{existing.name}” (same sha256)."
            )
            return HttpResponseRedirect(
                reverse("admin:rastercatalog_raster_change", args=[existing.pk])
            )
        if obj.status == Raster.Status.FAILED:
            # The row records the failure; "added successfully" would mislead.
            return HttpResponseRedirect(reverse("admin:rastercatalog_raster_change", args=[obj.pk]))
        return super().response_add(request, obj, post_url_continue)

    def log_addition(self, request, obj, message):
        if getattr(request, "_rastercatalog_existing", None) is not None:
            return None  # nothing was added
        return super().log_addition(request, obj, message)

    def delete_model(self, request, obj) -> None:
        collection_id = obj.collection_id
        super().delete_model(request, obj)
        collection_overviews_refresh(collection_ids=[collection_id])

    def delete_queryset(self, request, queryset) -> None:
        collection_ids = list(queryset.values_list("collection_id", flat=True).distinct())
        super().delete_queryset(request, queryset)
        collection_overviews_refresh(collection_ids=collection_ids)

    # --- actions --------------------------------------------------------------------------------
    @admin.action(description="Re-ingest selected rasters", permissions=["change"])
    def reingest_selected(self, request, queryset) -> None:
        done, failed = 0, []
        for raster in queryset:
            try:
                raster_reingest_dispatched(raster=raster)
                done += 1
            except IngestError as exc:
                failed.append(f"{raster.name}: {exc.reason}")
        verb = "queued" if worker_available() else "re-ingested"
        messages.info(request, f"{done} {verb}.")
        for failure in failed:
            messages.error(request, failure)

    @admin.action(description="Re-validate COG of selected rasters", permissions=["change"])
    def revalidate_cog_selected(self, request, queryset) -> None:
        valid = 0
        for raster in queryset:
            try:
                valid += bool(raster_revalidate_cog(raster=raster).is_cog)
            except IngestError as exc:
                messages.error(request, f"{raster.name}: {exc.reason}")
        messages.info(request, f"{queryset.count()} checked: {valid} valid COGs.")

    @admin.action(description="Convert selected rasters to COG", permissions=["change"])
    def convert_to_cog_selected(self, request, queryset) -> None:
        outcomes: dict[str, int] = {}
        for raster in queryset:
            raster_convert_dispatched(raster=raster)
            raster.refresh_from_db()
            outcomes[raster.conversion_status] = outcomes.get(raster.conversion_status, 0) + 1
            if raster.conversion_status == Raster.ConversionStatus.FAILED:
                messages.error(request, f"{raster.name}: {raster.conversion_error}")
        summary = ", ".join(
            f"{count} {status or 'unchanged'}" for status, count in outcomes.items()
        )
        messages.info(request, f"Conversion to COG: {summary or 'nothing selected'}.")
