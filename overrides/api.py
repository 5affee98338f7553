"""/api/v1/overrides: override descriptions; everyone reads, editors write (model permissions)."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import DjangoModelPermissionsOrAnonReadOnly

from catalog.models import Movie
from overrides import services
from overrides.models import DescriptionOverride


class OverrideFilter(django_filters.FilterSet):
    class Meta:
        model = DescriptionOverride
        fields = ["movie", "language"]


class OverrideSerializer(serializers.ModelSerializer):
    movie = serializers.PrimaryKeyRelatedField(queryset=Movie.objects.all())
    author = serializers.CharField(source="author.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = DescriptionOverride
        fields = ["id", "movie", "language", "text", "author", "created_at", "updated_at"]
        read_only_fields = ["author", "created_at", "updated_at"]
        validators = []  # uniqueness is checked in validate() with a message that says what to do

    def validate_text(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("An override needs some text; delete it to fall back to the CMS or partner description.")
        return value.strip()

    def validate(self, attrs):
        if self.instance is not None:
            for field in ("movie", "language"):
                if field in attrs and attrs[field] != getattr(self.instance, field):
                    raise serializers.ValidationError({field: ["Cannot be changed; delete this override and create another."]})
        elif DescriptionOverride.objects.filter(movie=attrs["movie"], language=attrs["language"]).exists():
            raise serializers.ValidationError(
                {"language": [f"This movie already has an override in {attrs['language']!r}; update that one."]}
            )
        return attrs


@extend_schema_view(
    list=extend_schema(summary="List override descriptions"),
    retrieve=extend_schema(summary="An override description"),
    create=extend_schema(summary="Write an override description (editors)"),
    update=extend_schema(summary="Replace an override's text (editors)"),
    partial_update=extend_schema(summary="Change an override's text (editors)"),
    destroy=extend_schema(summary="Delete an override; the CMS or partner description shows again (editors)"),
)
class OverrideViewSet(viewsets.ModelViewSet):
    queryset = DescriptionOverride.objects.select_related("author").order_by("movie_id", "language")
    serializer_class = OverrideSerializer
    permission_classes = [DjangoModelPermissionsOrAnonReadOnly]
    filterset_class = OverrideFilter

    def get_queryset(self):
        overrides = super().get_queryset()
        if not self.request.user.is_staff:
            overrides = overrides.filter(movie__is_published=True)
        return overrides

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.override_save(
            movie=data["movie"], language=data["language"], text=data["text"], author=self.request.user
        )

    def perform_update(self, serializer):
        serializer.instance = services.override_update(
            override=serializer.instance,
            text=serializer.validated_data.get("text", serializer.instance.text),
            author=self.request.user,
        )

    def perform_destroy(self, instance):
        services.override_delete(override=instance, author=self.request.user)
