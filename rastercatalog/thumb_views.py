"""Kept only for project/urls.py, which imports the view from here: it now lives in views.py.

Delete this module once project/urls.py imports RasterThumbnailFileView from rastercatalog.views.
"""

from .views import RasterThumbnailFileView

__all__ = ["RasterThumbnailFileView"]
