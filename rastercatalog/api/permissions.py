"""Who may call the API: reads are public unless configured otherwise, writes need staff or a token.

Which rasters a reader sees (private ones: their owner and staff only) is decided in the selectors,
not here: a private raster someone may not see is absent (404), not forbidden (403).
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import SAFE_METHODS, BasePermission


class CatalogAccess(BasePermission):
    """Reads: anyone, or logged-in users if RASTERCATALOG_PUBLIC_READ is false. Writes: staff, tokens."""

    message = "This needs a staff login or an API token (Authorization: Token <key>)."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS or getattr(view, "post_is_read", False):
            # request.user is read only when needed: on a public read it would load the session
            # (two queries for a logged-in viewer) for every map tile.
            if settings.RASTERCATALOG_PUBLIC_READ or (
                request.user and request.user.is_authenticated
            ):
                return True
            raise NotAuthenticated(
                "Reading the catalog needs a login or an API token (RASTERCATALOG_PUBLIC_READ is "
                "false): send Authorization: Token <key>."
            )
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        # A token is issued by staff in the admin, so holding one is the authorisation to write.
        return user.is_staff or isinstance(request.auth, Token)
