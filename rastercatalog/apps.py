from django.apps import AppConfig


class RastercatalogConfig(AppConfig):
    name = "rastercatalog"
    verbose_name = "Raster catalog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .catalog.reader import gdal_configure

        gdal_configure()
