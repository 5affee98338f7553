"""/api/v1/movies: the catalog for viewers and other consumers (thin views over catalog.selectors)."""

from __future__ import annotations

import django_filters
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from activity.identity import request_viewer_key
from activity.selectors import resume_position
from catalog import facets, selectors
from catalog.models import COUNTRY_CODES, YEAR_MAX, YEAR_MIN, AgeRating, DescriptionSource, Genre, Movie, language_code_validator
from core.api import (
    FastListSerializer,
    FieldsBuiltOnceMixin,
    ImageSourceSerializer,
    SearchRateThrottle,
    StrictLimitOffsetPagination,
    conditional_response,
    remember_interpretation,
    with_interpretation,
)
from core.cache import shared_part
from core.integers import int_param, parse_id
from people.models import Credit
from streaming.selectors import movie_poster_columns, movie_poster_of

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


def _listed(request, name: str) -> list[str]:
    """`?name=a,b&name=c` -> ["a", "b", "c"] (blank items ignored)."""
    return [item.strip() for raw in request.query_params.getlist(name) for item in raw.split(",") if item.strip()]


class CatalogOrdering(django_filters.OrderingFilter):
    """Ordering with `popularity` (plays over the last 30 days) and a stable tie-break (title, id) for paging."""

    def filter(self, qs, value):
        if value and any(item.lstrip("-") == "popularity" for item in value):
            qs = selectors.with_popularity(qs)
        qs = super().filter(qs, value)
        return qs.order_by(*qs.query.order_by, "title", "id") if value else qs


class MovieFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", max_length=100,
        help_text="Search titles, then cast names, then descriptions (typos, word forms, transliteration and "
        "wrong keyboard layout allowed). At most 1000 matches are ranked and counted.",
    )
    language = django_filters.CharFilter(validators=[language_code_validator], help_text="Original language, e.g. `en`.")
    genre = django_filters.CharFilter(
        method="catalog_filters", help_text="Genre slugs, comma-separated or repeated: movies in any of them."
    )
    year_from = django_filters.CharFilter(method="catalog_filters", help_text=f"Released in or after this year ({YEAR_MIN}-{YEAR_MAX}).")
    year_to = django_filters.CharFilter(method="catalog_filters", help_text=f"Released in or before this year ({YEAR_MIN}-{YEAR_MAX}).")
    country = django_filters.CharFilter(
        method="catalog_filters", help_text="ISO 3166-1 alpha-2 codes, comma-separated or repeated: produced in any of them."
    )
    age_rating = django_filters.CharFilter(
        method="catalog_filters", help_text=f"Age ratings ({', '.join(AgeRating.values)}), comma-separated or repeated."
    )
    has_video = django_filters.ChoiceFilter(
        method="catalog_filters", choices=[("true", "true"), ("false", "false")],
        help_text="Only movies with (`true`) or without (`false`) a video.",
    )
    person = django_filters.CharFilter(method="catalog_filters", help_text="A person's id: movies they worked on in any job.")
    ordering = CatalogOrdering(
        fields=(
            ("title", "title"), ("created_at", "created"), ("updated_at", "updated"), ("id", "id"), ("year", "year"),
            ("popularity", "popularity"),
        ),
        help_text="Sort by `title`, `created`, `updated`, `id`, `year` or `popularity` (plays over the last 30 days); "
        "prefix `-` for descending. Without it, search results come best match first, others by title.",
    )

    class Meta:
        model = Movie
        fields = ["q", "language", "genre", "year_from", "year_to", "country", "age_rating", "has_video", "person", "ordering"]

    def catalog_filters(self, queryset, name, value):
        # Every catalog filter at once (run for the first one present, then remembered): one home for the parsing.
        if getattr(self, "_catalog_filtered", False):
            return queryset
        self._catalog_filtered = True
        request = self.request
        countries = [code.upper() for code in _listed(request, "country")]
        if unknown := [code for code in countries if code not in COUNTRY_CODES]:
            raise exceptions.ValidationError({"country": [f"Unknown ISO 3166-1 alpha-2 code(s): {', '.join(unknown)[:100]}."]})
        ratings = _listed(request, "age_rating")
        if unknown := [rating for rating in ratings if rating not in AgeRating.values]:
            raise exceptions.ValidationError({"age_rating": [f"Use {', '.join(AgeRating.values)}; got {', '.join(unknown)[:100]}."]})
        person = request.query_params.get("person")
        person_id = None
        if person:
            person_id = parse_id(person)
            if person_id is None:
                raise exceptions.ValidationError({"person": [f"A person's id is a whole number, got {person[:40]!r}."]})
        return selectors.filter_movies(
            queryset,
            genres=_listed(request, "genre"),
            year_from=int_param(request, "year_from", minimum=YEAR_MIN, maximum=YEAR_MAX, optional=True),
            year_to=int_param(request, "year_to", minimum=YEAR_MIN, maximum=YEAR_MAX, optional=True),
            countries=countries,
            age_ratings=ratings,
            has_video={"true": True, "false": False}.get(request.query_params.get("has_video", "")),
            person_id=person_id,
        )

    def search(self, queryset, name, value):
        page = selectors.movie_search(queryset, value)
        remember_interpretation(self.request, page)
        return page.queryset


class OverrideSummarySerializer(FieldsBuiltOnceMixin, serializers.Serializer):
    id = serializers.IntegerField()
    language = serializers.CharField()
    text = serializers.CharField()
    author = serializers.CharField(source="author.username", default=None, allow_null=True)
    updated_at = serializers.DateTimeField()


class PersonRefSerializer(FieldsBuiltOnceMixin, serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()


class MovieCreditSerializer(FieldsBuiltOnceMixin, serializers.ModelSerializer):
    person = PersonRefSerializer()

    class Meta:
        model = Credit
        fields = ["id", "person", "job", "role_name", "billing_order"]


class GenreRefSerializer(FieldsBuiltOnceMixin, serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.SerializerMethodField(help_text="In the requested language (`?lang=ru`: Russian, otherwise English).")
    name_en = serializers.CharField()
    name_ru = serializers.CharField()

    def get_name(self, genre: Genre) -> str:
        return genre.name_in(self.context.get("lang"))


class GenreSerializer(GenreRefSerializer):
    id = serializers.IntegerField()
    movie_count = serializers.IntegerField(help_text="Movies in this genre you may see.")


class CrewSerializer(FieldsBuiltOnceMixin, serializers.Serializer):
    directors = PersonRefSerializer(many=True, source="director")
    writers = PersonRefSerializer(many=True, source="writer")
    producers = PersonRefSerializer(many=True, source="producer")
    composers = PersonRefSerializer(many=True, source="composer")


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="The filter value (a genre slug, a year, a country code, an age rating).")
    label = serializers.CharField()
    count = serializers.IntegerField(help_text="Movies with this value within the current filters and search.")


class FacetsSerializer(serializers.Serializer):
    genre = FacetValueSerializer(many=True, required=False)
    year = FacetValueSerializer(many=True, required=False)
    country = FacetValueSerializer(many=True, required=False)
    age_rating = FacetValueSerializer(many=True, required=False)


class MoviePagination(StrictLimitOffsetPagination):
    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["facets"] = {
            "type": "object",
            "description": "Only with `?facets=`: for each facet asked for, the count of each value.",
            "additionalProperties": {"type": "array", "items": {"type": "object", "properties": {
                "value": {"type": "string"}, "label": {"type": "string"}, "count": {"type": "integer"}}}},
        }
        return response


class VideoSummarySerializer(FieldsBuiltOnceMixin, serializers.Serializer):
    stream_url = serializers.CharField(help_text="GET/HEAD with byte ranges.")
    size = serializers.IntegerField(help_text="Bytes.")
    content_type = serializers.CharField()
    duration = serializers.FloatField(allow_null=True, help_text="Seconds.")
    etag = serializers.CharField(help_text="The stream's entity tag (changes when the video is replaced).")


class ResumeSerializer(FieldsBuiltOnceMixin, serializers.Serializer):
    position = serializers.FloatField(help_text="Seconds into the video to resume from.")
    duration = serializers.FloatField(allow_null=True)
    updated_at = serializers.DateTimeField(help_text="When the viewer last played it.")


class MovieListSerializer(FieldsBuiltOnceMixin, serializers.ModelSerializer):
    """A movie as `catalog.selectors.movie_list` gives it: the description already resolved for the language."""

    description = serializers.CharField(source="shown_description")
    age_rating = serializers.CharField(help_text="0+, 6+, 12+, 16+ or 18+; empty when unknown.")
    description_language = serializers.SerializerMethodField()
    source_used = serializers.ChoiceField(source="shown_source", choices=DescriptionSource.choices)
    matched = serializers.ChoiceField(
        choices=["title", "cast", "description"], source="search_matched", default=None, read_only=True, allow_null=True,
        help_text="Why a search (`?q=`) found this movie; null when not searching.",
    )
    poster = serializers.SerializerMethodField(help_text="The poster's widths for `srcset`; empty without one.")

    class Meta:
        model = Movie
        list_serializer_class = FastListSerializer  # the hot list: fields walked once per page
        fields = [
            "id",
            "external_id",
            "title",
            "language",
            "description",
            "description_language",
            "source_used",
            "year",
            "runtime",
            "age_rating",
            "countries",
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
        # The list's movies carry their poster (every caller annotates streaming.selectors.movie_poster_columns).
        return movie_poster_of(movie)


class MovieDetailSerializer(MovieListSerializer):
    """A movie's page: `catalog.selectors.movie_page` (the context's `page`, with its video), its images and
    the viewer's resume."""

    override = serializers.SerializerMethodField()
    available_languages = serializers.SerializerMethodField()
    genres = serializers.SerializerMethodField()
    crew = serializers.SerializerMethodField(help_text="Directors, writers, producers and composers (before the cast).")
    credits = serializers.SerializerMethodField(help_text="The cast, in billing order.")
    video = serializers.SerializerMethodField()
    resume = serializers.SerializerMethodField()
    backdrop = serializers.SerializerMethodField(help_text="The backdrop's widths for `srcset`; empty without one.")
    trickplay_url = serializers.SerializerMethodField(help_text="The seek previews' WebVTT thumbnails track, or null.")

    class Meta(MovieListSerializer.Meta):
        fields = MovieListSerializer.Meta.fields + [
            "partner_description", "override", "available_languages", "genres", "crew", "credits", "video", "resume",
        ]
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

    @extend_schema_field(GenreRefSerializer(many=True))
    def get_genres(self, movie: Movie):
        return GenreRefSerializer(self.context["page"].genres, many=True, context=self.context).data

    @extend_schema_field(CrewSerializer)
    def get_crew(self, movie: Movie):
        crew = self.context["page"].crew
        return CrewSerializer({job: [credit.person for credit in credits] for job, credits in crew.items()}).data

    @extend_schema_field(MovieCreditSerializer(many=True))
    def get_credits(self, movie: Movie):
        return MovieCreditSerializer(self.context["page"].credits, many=True).data

    @extend_schema_field(VideoSummarySerializer(allow_null=True))
    def get_video(self, movie: Movie):
        video = self.context["page"].video
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
        return viewer_resume(self.context.get("resume"))


def viewer_resume(resume) -> dict | None:
    return ResumeSerializer(resume).data if resume is not None else None


FACETS_PARAMETER = OpenApiParameter(
    "facets", OpenApiTypes.STR,
    description="Comma-separated facets to count within the current filters and search: "
    f"{', '.join(facets.FACETS)}. Adds `facets` beside `count` and `results`.",
)


def requested_facets(request) -> list[str]:
    names = _listed(request, "facets")
    if unknown := [name for name in names if name not in facets.FACETS]:
        raise exceptions.ValidationError({"facets": [f"Unknown facet(s) {', '.join(unknown)[:100]}; use {', '.join(facets.FACETS)}."]})
    return names


@extend_schema_view(
    list=extend_schema(summary="List and search movies", parameters=[LANG_PARAMETER, FACETS_PARAMETER]),
    retrieve=extend_schema(summary="A movie with its description, override and cast", parameters=[LANG_PARAMETER]),
)
class MovieViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    throttle_classes = [SearchRateThrottle]
    filterset_class = MovieFilter
    serializer_class = MovieListSerializer
    pagination_class = MoviePagination

    def get_queryset(self):
        movies = selectors.movie_list(user=self.request.user, language=requested_language(self.request))
        return movies.annotate(**movie_poster_columns()) if self.action == "list" else movies

    def get_serializer_class(self):
        return MovieDetailSerializer if self.action == "retrieve" else MovieListSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["lang"] = requested_language(self.request)
        return context

    def _movie_id(self) -> int:
        movie_id = parse_id(self.kwargs["pk"])
        if movie_id is None:
            raise selectors.MovieNotFound(f"No movie with id {self.kwargs['pk']!r}.")
        return movie_id

    def list(self, request, *args, **kwargs):
        asked = requested_facets(request)
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        if asked:
            response.data["facets"] = facets.movie_facets(queryset, names=asked, language=requested_language(request))
        return with_interpretation(request, response)

    def _shared_detail(self, *, movie_id: int, user, language: str | None) -> dict:
        """The detail as `user` sees it without their own part (`resume` null), and when it last changed."""
        page = selectors.movie_page(movie_id=movie_id, user=user, language=language)
        context = {**self.get_serializer_context(), "page": page, "media": page.media, "resume": None}
        stamps = [page.last_modified] + ([page.video.updated_at] if page.video is not None else [])
        return {"data": dict(MovieDetailSerializer(page.movie, context=context).data), "last_modified": max(stamps)}

    def retrieve(self, request, *args, **kwargs):
        movie_id, language = self._movie_id(), requested_language(request)
        if selectors.sees_unpublished(request.user):
            shared = self._shared_detail(movie_id=movie_id, user=request.user, language=language)
        else:  # the public catalog: the same for every viewer, from the shared cache
            shared = shared_part(
                request, ("movie", movie_id, language or ""),
                lambda: self._shared_detail(movie_id=movie_id, user=None, language=language),
            )
        # The viewer's own part, per request (no query without a viewer).
        resume = resume_position(viewer_key=request_viewer_key(request, strict=False), movie_id=movie_id)
        data = {**shared["data"], "resume": viewer_resume(resume)}
        stamps = [shared["last_modified"]] + ([resume.updated_at] if resume is not None else [])
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

    @extend_schema(
        summary="More like this: published movies sharing genres, people and years", parameters=[LANG_PARAMETER],
        responses=MovieListSerializer(many=True),
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def similar(self, request, pk=None):
        movies = selectors.similar_movies(movie_id=self._movie_id(), user=request.user)
        ids = [movie.pk for movie in movies]
        listed = selectors.movie_list(user=None, language=requested_language(request)).annotate(**movie_poster_columns())
        described = {movie.pk: movie for movie in listed.filter(pk__in=ids)}
        return Response(MovieListSerializer([described[pk] for pk in ids if pk in described], many=True, context=self.get_serializer_context()).data)


@extend_schema_view(
    list=extend_schema(summary="Genres with their movie counts", parameters=[LANG_PARAMETER]),
)
class GenreViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [AllowAny]
    serializer_class = GenreSerializer
    pagination_class = None
    filterset_class = None

    def get_queryset(self):
        return selectors.genre_list(user=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "lang": requested_language(self.request)}
