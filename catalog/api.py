"""/api/v1/movies: the catalog for viewers and other consumers (thin views over catalog.selectors)."""

from __future__ import annotations

import django_filters
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny

from activity.api import ResumeSerializer, resume_for_request
from catalog import selectors
from catalog.models import DescriptionSource, Movie, language_code_validator
from core.api import SearchRateThrottle, conditional_response
from search.api import remember_interpretation, with_interpretation
from overrides.selectors import override_for, resolve_description
from people.models import Credit
from streaming.serializers import VideoSummarySerializer, movie_video, video_summary

LANG_PARAMETER = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    description="Language of the description (e.g. `en`, `ru`); defaults to the movie's own language. "
    "Falls back from the editor's override to the CMS document to the partner description.",
)


def requested_language(request) -> str | None:
    lang = request.query_params.get("lang")
    if lang is None or lang == "":
        return None
    try:
        language_code_validator(lang)
    except Exception:
        raise exceptions.ValidationError({"lang": [f"Unknown language code {lang!r}; use e.g. 'en' or 'ru'."]}) from None
    return lang


class MovieFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", max_length=100,
        help_text="Search titles, then cast names, then descriptions (typos, word forms, transliteration and "
        "wrong keyboard layout allowed). At most 1000 matches are ranked and counted.",
    )
    language = django_filters.CharFilter(validators=[language_code_validator], help_text="Original language, e.g. `en`.")
    ordering = django_filters.OrderingFilter(
        fields=(("title", "title"), ("created_at", "created"), ("updated_at", "updated"), ("id", "id")),
        help_text="Sort by `title`, `created`, `updated` or `id` (prefix `-` for descending). "
        "Without it, search results come best match first, others by title.",
    )

    class Meta:
        model = Movie
        fields = ["q", "language", "ordering"]

    def search(self, queryset, name, value):
        page = selectors.movie_search(queryset, value)
        remember_interpretation(self.request, page)
        return page.queryset


class OverrideSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    language = serializers.CharField()
    text = serializers.CharField()
    author = serializers.CharField(source="author.username", default=None, allow_null=True)
    updated_at = serializers.DateTimeField()


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()


class MovieCreditSerializer(serializers.ModelSerializer):
    person = PersonRefSerializer()

    class Meta:
        model = Credit
        fields = ["id", "person", "role_name", "billing_order"]


class MovieListSerializer(serializers.ModelSerializer):
    description = serializers.SerializerMethodField()
    description_language = serializers.SerializerMethodField()
    source_used = serializers.SerializerMethodField()
    matched = serializers.ChoiceField(
        choices=["title", "cast", "description"], source="search_matched", default=None, read_only=True, allow_null=True,
        help_text="Why a search (`?q=`) found this movie; null when not searching.",
    )

    class Meta:
        model = Movie
        fields = [
            "id",
            "external_id",
            "title",
            "language",
            "description",
            "description_language",
            "source_used",
            "is_published",
            "created_at",
            "updated_at",
            "matched",
        ]

    def _language(self, movie: Movie) -> str:
        return self.context.get("lang") or movie.language

    def _resolved(self, movie: Movie) -> tuple[str, str]:
        cache = self.context.setdefault("_resolved", {})
        key = (movie.pk, self._language(movie))
        if key not in cache:
            cache[key] = resolve_description(movie, self._language(movie))
        return cache[key]

    def get_description(self, movie: Movie) -> str:
        return self._resolved(movie)[0]

    def get_description_language(self, movie: Movie) -> str:
        return self._language(movie)

    @extend_schema_field(serializers.ChoiceField(choices=DescriptionSource.choices))
    def get_source_used(self, movie: Movie) -> str:
        return self._resolved(movie)[1]


class MovieDetailSerializer(MovieListSerializer):
    override = serializers.SerializerMethodField()
    available_languages = serializers.SerializerMethodField()
    credits = MovieCreditSerializer(many=True)
    video = serializers.SerializerMethodField()
    resume = serializers.SerializerMethodField()

    class Meta(MovieListSerializer.Meta):
        fields = MovieListSerializer.Meta.fields + ["partner_description", "override", "available_languages", "credits", "video", "resume"]

    @extend_schema_field(ResumeSerializer(allow_null=True))
    def get_resume(self, movie: Movie):
        """Where the requesting viewer (user, else X-Viewer-Id) should resume; null under 5%, past 90%, finished."""
        request = self.context.get("request")
        return resume_for_request(request, movie.pk) if request is not None else None

    @extend_schema_field(VideoSummarySerializer(allow_null=True))
    def get_video(self, movie: Movie):
        return video_summary(movie, request=self.context.get("request"))

    @extend_schema_field(OverrideSummarySerializer(allow_null=True))
    def get_override(self, movie: Movie):
        override = override_for(movie, self._language(movie))
        return OverrideSummarySerializer(override).data if override else None

    def get_available_languages(self, movie: Movie) -> list[str]:
        languages = {movie.language}
        languages.update(o.language for o in movie.overrides.all())
        languages.update(d.language for d in movie.cms_descriptions.all())
        return sorted(languages)


@extend_schema_view(
    list=extend_schema(summary="List and search movies", parameters=[LANG_PARAMETER]),
    retrieve=extend_schema(summary="A movie with its description, override and cast", parameters=[LANG_PARAMETER]),
)
class MovieViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    throttle_classes = [SearchRateThrottle]
    filterset_class = MovieFilter
    serializer_class = MovieListSerializer

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.movie_detail_queryset(user=self.request.user).select_related("video")
        return selectors.with_descriptions(selectors.visible_movies(user=self.request.user))

    def get_serializer_class(self):
        return MovieDetailSerializer if self.action == "retrieve" else MovieListSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["lang"] = requested_language(self.request)
        return context

    def list(self, request, *args, **kwargs):
        return with_interpretation(request, super().list(request, *args, **kwargs))

    def retrieve(self, request, *args, **kwargs):
        movie = self.get_object()
        data = self.get_serializer(movie).data
        last_modified = _last_modified(movie)
        if data.get("resume"):
            last_modified = max(last_modified, parse_datetime(data["resume"]["updated_at"]))
        response = conditional_response(request, data, last_modified=last_modified)
        # `resume` is the viewer's own: no shared cache may keep it, browsers revalidate with the ETag.
        patch_vary_headers(response, ["X-Viewer-Id", "Cookie"])
        patch_cache_control(response, private=True, no_cache=True)
        return response

    @extend_schema(summary="A movie's credits (cast, in billing order)", responses=MovieCreditSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None)
    def credits(self, request, pk=None):
        movie = self.get_object()
        page = self.paginate_queryset(selectors.movie_credits(movie))
        return self.get_paginated_response(MovieCreditSerializer(page, many=True).data)


def _last_modified(movie: Movie):
    stamps = [movie.updated_at]
    stamps += [o.updated_at for o in movie.overrides.all()]
    stamps += [d.updated_at for d in movie.cms_descriptions.all()]
    stamps += [video.updated_at for video in [movie_video(movie)] if video]
    return max(stamps)
