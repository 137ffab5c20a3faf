"""One URL served by one view class per HTTP method.

Django resolves a URL to one callable whatever the method, so a URL whose GET and POST do unrelated
things (search the catalog, upload a raster) would otherwise need one class doing both.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


def method_router(*views: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Return a view that hands each request to the first of `views` (as_view()s) allowing its method.

    A method none of them allows goes to the first view, which answers 405 as DRF does.
    `views_by_method` names the class behind each method (tests and readers look it up there).
    """
    by_method: dict[str, Callable[..., HttpResponse]] = {}
    for view in views:
        for method in view.cls().allowed_methods:
            by_method.setdefault(method, view)

    def route(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        view = by_method.get(request.method or "", views[0])
        return view(request, *args, **kwargs)

    # The views are DRF views: they enforce CSRF for session logins themselves (as_view does this).
    route.csrf_exempt = True  # type: ignore[attr-defined]
    # Where the views live (the metrics name a request's endpoint family by its view's module).
    route.__module__ = views[0].__module__
    route.views_by_method = {  # type: ignore[attr-defined]
        method: view.cls for method, view in by_method.items()
    }
    return route
