"""The editors' movie screens: cast and overrides inline, and what a viewer will read."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.utils.html import format_html, format_html_join

from catalog.models import CmsDescription, Movie
from catalog.services import movie_refresh_description
from overrides.admin import DescriptionOverrideInline
from overrides.selectors import resolve_description
from people.admin import MovieCreditInline


class CmsDescriptionInline(admin.TabularInline):
    model = CmsDescription
    extra = 0
    can_delete = False
    fields = ["language", "text", "document_key", "updated_at"]
    readonly_fields = fields
    verbose_name_plural = "CMS descriptions (written by the ETL, read-only)"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Movie)
class MovieAdmin(admin.ModelAdmin):
    list_display = ["title", "language", "external_id", "source_used", "is_published", "credit_count", "updated_at"]
    list_filter = ["language", "source_used", "is_published"]
    search_fields = ["title", "=external_id"]
    list_per_page = 50
    date_hierarchy = "created_at"
    readonly_fields = ["viewer_descriptions", "external_id", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "language", "is_published", "external_id"]}),
        ("Descriptions", {"fields": ["viewer_descriptions", "partner_description"]}),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    inlines = [DescriptionOverrideInline, CmsDescriptionInline, MovieCreditInline]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(credit_count=Count("credits"))

    @admin.display(description="credits", ordering="credit_count")
    def credit_count(self, movie: Movie) -> int:
        return movie.credit_count

    @admin.display(description="What viewers see")
    def viewer_descriptions(self, movie: Movie) -> str:
        if movie.pk is None:
            return "—"
        languages = sorted({movie.language, *settings.CONTENT_LANGUAGES})
        rows = []
        for language in languages:
            text, source = resolve_description(movie, language)
            rows.append((language, source, text or "(empty)"))
        return format_html(
            "<table><thead><tr><th>language</th><th>from</th><th>text</th></tr></thead><tbody>{}</tbody></table>",
            format_html_join("", "<tr><td>{}</td><td><strong>{}</strong></td><td>{}</td></tr>", rows),
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        movie_refresh_description(movie=obj)

    def save_formset(self, request, form, formset, change):
        if formset.model.__name__ == "DescriptionOverride":
            DescriptionOverrideInline.save_through_services(request, form.instance, formset)
        else:
            super().save_formset(request, form, formset, change)
