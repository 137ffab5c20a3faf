"""Page and health views. The REST API lives in rastercatalog/api/."""

from django.db import connection
from django.http import JsonResponse
from django.views import View
from django.views.generic import TemplateView

from .selectors import raster_counts_by_status


class ViewerPage(TemplateView):
    """The single-page viewer (frontend/index.html)."""

    template_name = "index.html"


class HealthApi(View):
    """Liveness plus what the database holds: for load balancers and for `make run` users."""

    def get(self, request):
        return JsonResponse(
            {"status": "ok", "database": connection.vendor, "rasters": raster_counts_by_status()}
        )
