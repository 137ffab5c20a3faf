"""RasterFilterSet parses with fields built once per process (api/filters.py): the same values and
the same 400 messages as django-filter's own form of the same fields."""

from __future__ import annotations

import django_filters
import pytest
from django.http import QueryDict

from rastercatalog.api.filters import RasterFilterSet

QUERIES = [
    "",
    "bbox=%20%205.9,45.8,10.5,47.8%20&limit=100&ordering=-acquired_at",
    "bbox=170,-20,-170,-10&datetime=2024-01-01/..&collection=a,b&dtype=uint8,Float32",
    "point=7.4,46.9&ordering=distance&predicate=contains&is_cog=true&status=ready,failed",
    "intersects=POLYGON((0 0,1 0,1 1,0 0))&resolution_min=0.5&resolution_max=30&ids=3,1,2",
    "bbox=1,2,3&q=" + "x" * 201,
    "bbox=1,2,3,4&bbox=0,0,200,1",  # a repeated parameter: the last one counts
    "predicate=near&ordering=size&band_count=two&is_cog=maybe",
    "ordering=distance&datetime=yesterday&ids=1,x&dtype=Float128&status=done",
    "point=1,1&predicate=within&resolution_min=-1",
]


def _django_filter_form(data: QueryDict):
    """The form django-filter itself builds for RasterFilterSet, with our cross-field checks."""
    stock = RasterFilterSet.__new__(RasterFilterSet)
    django_filters.FilterSet.__init__(stock, data)
    stock._form = django_filters.FilterSet.form.fget(stock)
    RasterFilterSet.is_valid(stock)
    return stock._form


@pytest.mark.parametrize("query", QUERIES)
def test_parameters_parse_as_django_filters_form(query):
    data = QueryDict(query)
    ours = RasterFilterSet(data)
    valid = ours.is_valid()
    form = _django_filter_form(data)
    assert ours.errors == {name: list(messages) for name, messages in form.errors.items()}
    assert valid == (not form.errors)
    if valid:
        assert ours.form.cleaned_data == form.cleaned_data
