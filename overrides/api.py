"""/api/v1/overrides: override descriptions; everyone reads, editors write (model permissions).

Optimistic concurrency: every override read carries `ETag` (its version) and `Last-Modified`;
PUT, PATCH and DELETE honour `If-Match` and answer 412, with the current text, when the override
changed since the client read it. Without `If-Match` a write applies to the current version (last
write wins), as before this header was honoured; clients that edit concurrently should send it.
"""

from __future__ import annotations

import django_filters
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import DjangoModelPermissionsOrAnonReadOnly
from rest_framework.response import Response

from catalog.models import Movie
from catalog.selectors import visible_movies
from core.integers import IdFilter, StrictIdLookupMixin, StrictPrimaryKeyRelatedField
from overrides import selectors, services
from overrides.models import DescriptionOverride

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag of the override as you read it: the write is refused with 412 if it has changed since. "
    "Optional; without it the write applies to the current version.",
)
STALE = OpenApiResponse(description="The override changed since the ETag given in If-Match (the body has the current text).")


class OverrideFilter(django_filters.FilterSet):
    movie = IdFilter(field_name="movie_id", help_text="A movie's id.")

    class Meta:
        model = DescriptionOverride
        fields = ["movie", "language"]


class OverrideSerializer(serializers.ModelSerializer):
    """Parses and shows an override; the rules of writing one live in overrides.services."""

    movie = StrictPrimaryKeyRelatedField(queryset=Movie.objects.none())  # the movies the user may see: __init__
    author = serializers.CharField(source="author.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = DescriptionOverride
        fields = ["id", "movie", "language", "text", "author", "created_at", "updated_at"]
        read_only_fields = ["author", "created_at", "updated_at"]
        validators = []  # one override per (movie, language): overrides.services answers with the existing one

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        # An unpublished movie is, to anyone but staff, a movie that does not exist.
        self.fields["movie"].queryset = visible_movies(user=getattr(request, "user", None))

    def validate_text(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("An override needs some text; delete it to fall back to the CMS or partner description.")
        return value.strip()

    def validate(self, attrs):
        if self.instance is not None:
            for field in ("movie", "language"):
                if field in attrs and attrs[field] != getattr(self.instance, field):
                    raise serializers.ValidationError({field: ["Cannot be changed; delete this override and create another."]})
        return attrs


def _if_match(request) -> list[str] | None:
    """The versions named by If-Match (None: absent or `*`, i.e. any current version)."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    # Strong comparison (RFC 9110 13.1.1): a weak tag never matches.
    return [tag.strip()[1:-1] for tag in header.split(",") if tag.strip().startswith('"') and tag.strip().endswith('"')]


def _validators(response, override: DescriptionOverride):
    response["ETag"] = f'"{selectors.override_version(override)}"'
    response["Last-Modified"] = http_date(override.updated_at.timestamp())
    return response


@extend_schema_view(
    list=extend_schema(summary="List override descriptions"),
    retrieve=extend_schema(summary="An override description (with its ETag)"),
    create=extend_schema(summary="Write an override description (editors)"),
    update=extend_schema(summary="Replace an override's text (editors)", parameters=[IF_MATCH], responses={200: OverrideSerializer, 412: STALE}),
    partial_update=extend_schema(summary="Change an override's text (editors)", parameters=[IF_MATCH], responses={200: OverrideSerializer, 412: STALE}),
    destroy=extend_schema(summary="Delete an override; the CMS or partner description shows again (editors)", parameters=[IF_MATCH], responses={204: None, 412: STALE}),
)
class OverrideViewSet(StrictIdLookupMixin, viewsets.ModelViewSet):
    serializer_class = OverrideSerializer
    permission_classes = [DjangoModelPermissionsOrAnonReadOnly]
    filterset_class = OverrideFilter

    def get_queryset(self):
        return selectors.override_list(visible_movies=visible_movies(user=self.request.user))

    def retrieve(self, request, *args, **kwargs):
        override = self.get_object()
        etag = f'"{selectors.override_version(override)}"'
        not_modified = get_conditional_response(request, etag=etag, last_modified=int(override.updated_at.timestamp()))
        if not_modified is not None:
            return _validators(Response(status=not_modified.status_code), override)
        return _validators(Response(self.get_serializer(override).data), override)

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        return _validators(response, self._written)

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            serializer.instance = services.override_create(
                movie=data["movie"], language=data["language"], text=data["text"], author=self.request.user
            )
        except services.OverrideExists as exc:
            exc.extra["existing"] = self.request.build_absolute_uri(reverse("v1:override-detail", args=[exc.existing.pk]))
            raise
        self._written = serializer.instance

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        return _validators(response, self._written)

    def perform_update(self, serializer):
        serializer.instance = self._written = services.override_update(
            override=serializer.instance,
            text=serializer.validated_data.get("text", serializer.instance.text),
            author=self.request.user,
            expected_versions=_if_match(self.request),
        )

    def perform_destroy(self, instance):
        services.override_delete(override=instance, author=self.request.user, expected_versions=_if_match(self.request))
