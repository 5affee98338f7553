"""The editors' override screen; every write goes through overrides.services and is kept in history."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from overrides import services
from overrides.forms import OverrideForm
from overrides.models import DescriptionOverride


@admin.register(DescriptionOverride)
class DescriptionOverrideAdmin(SimpleHistoryAdmin):
    form = OverrideForm
    list_display = ["movie", "language", "short_text", "author", "updated_at"]
    list_filter = ["language", ("author", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["movie__title", "text"]
    autocomplete_fields = ["movie"]
    list_select_related = ["movie", "author"]
    readonly_fields = ["author", "created_at", "updated_at"]
    fields = ["movie", "language", "text", "version", "author", "created_at", "updated_at"]
    history_list_display = ["text"]

    @admin.display(description="text")
    def short_text(self, override: DescriptionOverride) -> str:
        return override.text if len(override.text) <= 80 else override.text[:79] + "…"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = services.override_update(
                override=obj, text=data["text"], author=request.user, expected_versions=form.expected_versions()
            )
        else:
            saved = services.override_create(movie=data["movie"], language=data["language"], text=data["text"], author=request.user)
        obj.pk, obj.author, obj.updated_at, obj.created_at = saved.pk, saved.author, saved.updated_at, saved.created_at

    def delete_model(self, request, obj):
        services.override_delete(override=obj, author=request.user)

    def delete_queryset(self, request, queryset):
        for override in queryset.order_by("movie_id", "pk"):
            services.override_delete(override=override, author=request.user)
