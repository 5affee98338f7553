"""The cheap per-request machinery of core/api.py behaves as DRF's and django-filter's own: the filter
backend's FilterSets keep their filters to themselves, and FastListSerializer writes DRF's output."""

from __future__ import annotations

import pytest
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from catalog.api import MovieFilter
from catalog.models import Movie
from core.api import FastListSerializer, FilterBackend
from overrides.models import DescriptionOverride
from tests.factories import EditorFactory, MovieFactory, OverrideFactory

pytestmark = pytest.mark.django_db


class _View:
    filterset_class = MovieFilter


def _filterset(query: str):
    request = APIRequestFactory().get("/api/v1/movies/?" + query)
    from rest_framework.request import Request

    drf_request = Request(request)
    return FilterBackend().get_filterset(drf_request, Movie.objects.all(), _View())


def test_each_request_gets_its_own_filters_bound_to_its_own_filterset():
    first, second = _filterset("q=night"), _filterset("year_from=1990")
    assert type(first).__name__ == "MovieFilter" and isinstance(first, MovieFilter)
    for filterset in (first, second):
        for filter_ in filterset.filters.values():
            assert filter_.parent is filterset and filter_.model is Movie
    assert first.filters["q"] is not second.filters["q"]
    # A method= filter calls the method of the FilterSet it belongs to, not of another request's.
    assert first.filters["q"].filter.f is first.filters["q"]
    assert MovieFilter.base_filters["q"].__dict__.get("parent") is None


def test_the_shared_form_class_still_validates_each_request_on_its_own():
    good, bad = _filterset("ordering=title"), _filterset("ordering=nonsense")
    assert type(good.form) is type(bad.form)
    assert good.is_valid() and not bad.is_valid() and "ordering" in bad.errors
    assert good.is_valid()  # the other request's errors did not leak into this one


class _OverrideSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", default=None, allow_null=True)  # dotted source
    movie_title = serializers.SerializerMethodField()
    missing = serializers.CharField(source="not_an_attribute", default="fallback")  # a default for a missing attribute
    as_text = serializers.CharField(source="__str__")  # a method: DRF calls it

    class Meta:
        model = DescriptionOverride
        fields = ["id", "language", "text", "author", "movie_title", "missing", "as_text", "updated_at"]

    def get_movie_title(self, override) -> str:
        return override.movie.title


def test_fast_list_serializer_writes_what_drf_writes():
    editor = EditorFactory()
    overrides = [OverrideFactory(author=editor), OverrideFactory(author=None), OverrideFactory()]
    drf = _OverrideSerializer(overrides, many=True).data
    _OverrideSerializer.Meta.list_serializer_class = FastListSerializer
    try:
        fast = _OverrideSerializer(overrides, many=True).data
        assert type(_OverrideSerializer(overrides, many=True)) is FastListSerializer
    finally:
        del _OverrideSerializer.Meta.list_serializer_class
    assert fast == drf and [list(row) for row in fast] == [list(row) for row in drf]
    assert drf[1]["author"] is None and drf[0]["missing"] == "fallback" and not drf[0]["as_text"].startswith("<bound")
