"""/api/v1/movies: the catalog for viewers and other consumers (thin views over catalog.selectors)."""

from __future__ import annotations

import django_filters
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny

from activity.identity import request_viewer_key
from activity.selectors import resume_position
from catalog import selectors
from catalog.models import DescriptionSource, Movie, language_code_validator
from core.api import SearchRateThrottle, conditional_response, remember_interpretation, with_interpretation
from core.integers import parse_id
from people.models import Credit
from streaming.media_api import ImageSourceSerializer
from streaming.selectors import movie_media, movie_posters, movie_video

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


class VideoSummarySerializer(serializers.Serializer):
    stream_url = serializers.CharField(help_text="GET/HEAD with byte ranges.")
    size = serializers.IntegerField(help_text="Bytes.")
    content_type = serializers.CharField()
    duration = serializers.FloatField(allow_null=True, help_text="Seconds.")
    etag = serializers.CharField(help_text="The stream's entity tag (changes when the video is replaced).")


class ResumeSerializer(serializers.Serializer):
    position = serializers.FloatField(help_text="Seconds into the video to resume from.")
    duration = serializers.FloatField(allow_null=True)
    updated_at = serializers.DateTimeField(help_text="When the viewer last played it.")


class MovieListSerializer(serializers.ModelSerializer):
    """A movie as `catalog.selectors.movie_list` gives it: the description already resolved for the language."""

    description = serializers.CharField(source="shown_description")
    description_language = serializers.SerializerMethodField()
    source_used = serializers.ChoiceField(source="shown_source", choices=DescriptionSource.choices)
    matched = serializers.ChoiceField(
        choices=["title", "cast", "description"], source="search_matched", default=None, read_only=True, allow_null=True,
        help_text="Why a search (`?q=`) found this movie; null when not searching.",
    )
    poster = serializers.SerializerMethodField(help_text="The poster's widths for `srcset`; empty without one.")

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
            "poster",
        ]

    def get_description_language(self, movie: Movie) -> str:
        return self.context.get("lang") or movie.language

    @extend_schema_field(ImageSourceSerializer(many=True))
    def get_poster(self, movie: Movie):
        # The list view looks up the page's posters in one query (streaming.selectors.movie_posters).
        return self.context.get("posters", {}).get(movie.pk, [])


class MovieDetailSerializer(MovieListSerializer):
    """A movie's page: `catalog.selectors.movie_page` (the context's `page`), its video and the viewer's resume."""

    override = serializers.SerializerMethodField()
    available_languages = serializers.SerializerMethodField()
    credits = serializers.SerializerMethodField()
    video = serializers.SerializerMethodField()
    resume = serializers.SerializerMethodField()
    backdrop = serializers.SerializerMethodField(help_text="The backdrop's widths for `srcset`; empty without one.")
    trickplay_url = serializers.SerializerMethodField(help_text="The seek previews' WebVTT thumbnails track, or null.")

    class Meta(MovieListSerializer.Meta):
        fields = MovieListSerializer.Meta.fields + ["partner_description", "override", "available_languages", "credits", "video", "resume"]
        fields += ["backdrop", "trickplay_url"]

    @extend_schema_field(ImageSourceSerializer(many=True))
    def get_poster(self, movie: Movie):
        return self.context["media"]["poster"]

    @extend_schema_field(ImageSourceSerializer(many=True))
    def get_backdrop(self, movie: Movie):
        return self.context["media"]["backdrop"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_trickplay_url(self, movie: Movie) -> str | None:
        return self.context["media"]["trickplay_url"]

    @extend_schema_field(OverrideSummarySerializer(allow_null=True))
    def get_override(self, movie: Movie):
        override = self.context["page"].override
        return OverrideSummarySerializer(override).data if override else None

    def get_available_languages(self, movie: Movie) -> list[str]:
        return self.context["page"].available_languages

    @extend_schema_field(MovieCreditSerializer(many=True))
    def get_credits(self, movie: Movie):
        return MovieCreditSerializer(self.context["page"].credits, many=True).data

    @extend_schema_field(VideoSummarySerializer(allow_null=True))
    def get_video(self, movie: Movie):
        video = self.context["video"]
        if video is None:
            return None
        url = reverse("v1:movie-stream", args=[movie.pk])
        request = self.context.get("request")
        return VideoSummarySerializer(
            {
                "stream_url": request.build_absolute_uri(url) if request is not None else url,
                "size": video.size,
                "content_type": video.content_type,
                "duration": video.duration,
                "etag": video.etag,
            }
        ).data

    @extend_schema_field(ResumeSerializer(allow_null=True))
    def get_resume(self, movie: Movie):
        """Where the requesting viewer (user, else X-Viewer-Id) should resume; null under 5%, past 90%, finished."""
        resume = self.context["resume"]
        return ResumeSerializer(resume).data if resume is not None else None


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
        return selectors.movie_list(user=self.request.user, language=requested_language(self.request))

    def get_serializer_class(self):
        return MovieDetailSerializer if self.action == "retrieve" else MovieListSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["lang"] = requested_language(self.request)
        context["posters"] = getattr(self, "posters", {})
        return context

    def _movie_id(self) -> int:
        movie_id = parse_id(self.kwargs["pk"])
        if movie_id is None:
            raise selectors.MovieNotFound(f"No movie with id {self.kwargs['pk']!r}.")
        return movie_id

    def list(self, request, *args, **kwargs):
        return with_interpretation(request, super().list(request, *args, **kwargs))

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if self.action == "list" and page is not None:
            self.posters = movie_posters(movie_ids=[movie.pk for movie in page])
        return page

    def retrieve(self, request, *args, **kwargs):
        page = selectors.movie_page(movie_id=self._movie_id(), user=request.user, language=requested_language(request))
        video = movie_video(movie_id=page.movie.pk)
        resume = resume_position(viewer_key=request_viewer_key(request, strict=False), movie_id=page.movie.pk)
        media = movie_media(movie_id=page.movie.pk)
        context = {**self.get_serializer_context(), "page": page, "video": video, "resume": resume, "media": media}
        data = MovieDetailSerializer(page.movie, context=context).data
        stamps = [page.last_modified] + [item.updated_at for item in (video, resume) if item is not None]
        response = conditional_response(request, data, last_modified=max(stamps))
        # `resume` is the viewer's own: no shared cache may keep it, browsers revalidate with the ETag.
        patch_vary_headers(response, ["X-Viewer-Id", "Cookie"])
        patch_cache_control(response, private=True, no_cache=True)
        return response

    @extend_schema(summary="A movie's credits (cast, in billing order)", responses=MovieCreditSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None)
    def credits(self, request, pk=None):
        movie_id = self._movie_id()
        if not selectors.visible_movies(user=request.user).filter(pk=movie_id).exists():
            raise selectors.MovieNotFound(f"No movie with id {movie_id}.")
        page = self.paginate_queryset(selectors.movie_credits(movie_id=movie_id))
        return self.get_paginated_response(MovieCreditSerializer(page, many=True).data)
