"""/api/v1/people: actors and their filmographies."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from core.api import (
    FieldsBuiltOnceMixin,
    ImageSourceSerializer,
    SearchRateThrottle,
    conditional_response,
    remember_interpretation,
    with_interpretation,
)
from catalog.selectors import sees_unpublished
from core.cache import shared_part
from core.integers import parse_id
from people import selectors
from people.models import Credit, Job, Person
from streaming.selectors import person_photo_of


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", max_length=100, help_text="Search names (typos, transliteration and wrong keyboard layout allowed).")
    ordering = django_filters.OrderingFilter(
        fields=(("full_name", "name"), ("birth_date", "birth_date"), ("id", "id")),
        help_text="Sort by `name`, `birth_date` or `id` (prefix `-` for descending). "
        "Without it, search results come best match first, others by name.",
    )

    class Meta:
        model = Person
        fields = ["q", "ordering"]

    def search(self, queryset, name, value):
        page = selectors.person_search(queryset, value)
        remember_interpretation(self.request, page)
        return page.queryset


class PersonSerializer(serializers.ModelSerializer):
    movie_count = serializers.IntegerField(read_only=True)
    matched = serializers.ChoiceField(
        choices=["name"], source="search_matched", default=None, read_only=True, allow_null=True,
        help_text="Why a search (`?q=`) found this person; null when not searching.",
    )

    class Meta:
        model = Person
        fields = ["id", "external_id", "full_name", "birth_date", "movie_count", "matched"]


class MovieRefSerializer(FieldsBuiltOnceMixin, serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    language = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)


class FilmographyEntrySerializer(FieldsBuiltOnceMixin, serializers.ModelSerializer):
    movie = MovieRefSerializer()

    class Meta:
        model = Credit
        fields = ["id", "movie", "job", "role_name", "billing_order"]


class JobFilmographySerializer(serializers.Serializer):
    job = serializers.ChoiceField(choices=Job.choices)
    credits = FilmographyEntrySerializer(many=True)


class PersonDetailSerializer(FieldsBuiltOnceMixin, serializers.ModelSerializer):
    filmography = FilmographyEntrySerializer(many=True)
    photo = serializers.SerializerMethodField(help_text="The photo's widths for `srcset`; empty without one.")
    filmography_by_job = serializers.SerializerMethodField(help_text="The filmography grouped by job (acting first).")

    class Meta:
        model = Person
        fields = ["id", "external_id", "full_name", "birth_date", "filmography", "filmography_by_job", "updated_at", "photo"]

    @extend_schema_field(JobFilmographySerializer(many=True))
    def get_filmography_by_job(self, person: Person):
        return None  # grouped from the serialized filmography in to_representation

    def to_representation(self, person: Person):
        data = super().to_representation(person)
        groups = [{"job": job, "credits": [c for c in data["filmography"] if c["job"] == job]} for job in Job.values]
        data["filmography_by_job"] = [group for group in groups if group["credits"]]
        return data

    @extend_schema_field(ImageSourceSerializer(many=True))
    def get_photo(self, person: Person):
        return person_photo_of(person)


@extend_schema_view(
    list=extend_schema(summary="List and search people"),
    retrieve=extend_schema(summary="A person with their filmography"),
)
class PersonViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    throttle_classes = [SearchRateThrottle]
    filterset_class = PersonFilter

    def get_queryset(self):
        return selectors.person_list(user=self.request.user).order_by("full_name", "id")

    def get_serializer_class(self):
        return PersonDetailSerializer if self.action == "retrieve" else PersonSerializer

    def list(self, request, *args, **kwargs):
        return with_interpretation(request, super().list(request, *args, **kwargs))

    def _shared_detail(self, *, person_id: int, user) -> dict:
        """The person's page as `user` sees it, and when it last changed."""
        person = selectors.person_detail(person_id=person_id, user=user)
        data = dict(self.get_serializer(person).data)
        return {"data": data, "last_modified": max([person.updated_at] + [credit.movie.updated_at for credit in person.filmography])}

    def retrieve(self, request, *args, **kwargs):
        person_id = parse_id(kwargs["pk"])
        if person_id is None:  # `1.5`, `１`, ` 1`: never another person
            raise selectors.PersonNotFound(f"No person with id {kwargs['pk']!r}.")
        if sees_unpublished(request.user):
            shared = self._shared_detail(person_id=person_id, user=request.user)
        else:  # the public catalog's filmography: the same for everyone, from the shared cache
            shared = shared_part(request, ("person", person_id), lambda: self._shared_detail(person_id=person_id, user=None))
        return conditional_response(request, shared["data"], last_modified=shared["last_modified"])
