"""The editors' movie screen: cast, overrides and CMS descriptions inline, and what a viewer will read."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html, format_html_join

from catalog import services
from catalog.models import CmsDescription, Movie
from overrides import services as override_services
from overrides.forms import OverrideForm
from overrides.models import DescriptionOverride
from overrides.selectors import resolve_description
from people.models import Credit
from streaming.admin import HasPosterFilter, MovieImageInline, has_poster


class DescriptionOverrideInline(admin.StackedInline):
    model = DescriptionOverride
    form = OverrideForm
    extra = 0
    fields = ["language", "text", "version", "author", "updated_at"]
    readonly_fields = ["author", "updated_at"]
    verbose_name_plural = "override descriptions (win over CMS and partner; the ETL never changes them)"

    @staticmethod
    def save_through_services(request, movie: Movie, formset) -> None:
        """Stand-in for formset.save(): same bookkeeping (for the admin's change message), via overrides.services."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for form in formset.deleted_forms:
            if form.instance.pk:
                override_services.override_delete(override=form.instance, author=request.user)
                formset.deleted_objects.append(form.instance)
        for form in formset.forms:
            if form in formset.deleted_forms or not form.has_changed():
                continue
            data = form.cleaned_data
            if form.instance.pk is None:
                saved = override_services.override_create(movie=movie, language=data["language"], text=data["text"], author=request.user)
                formset.new_objects.append(saved)
            else:
                saved = override_services.override_update(
                    override=form.instance, text=data["text"], author=request.user, expected_versions=form.expected_versions()
                )
                formset.changed_objects.append((saved, form.changed_data))


class CmsDescriptionInline(admin.TabularInline):
    model = CmsDescription
    extra = 0
    can_delete = False
    fields = ["language", "text", "document_key", "updated_at"]
    readonly_fields = fields
    verbose_name_plural = "CMS descriptions (written by the ETL, read-only)"

    def has_add_permission(self, request, obj=None):
        return False


class MovieCreditInline(admin.TabularInline):
    """Cast on the movie page."""

    model = Credit
    extra = 0
    fields = ["person", "role_name", "billing_order"]
    autocomplete_fields = ["person"]
    ordering = ["billing_order", "id"]
    verbose_name = "cast member"
    verbose_name_plural = "cast"


@admin.register(Movie)
class MovieAdmin(admin.ModelAdmin):
    list_display = ["title", "language", "external_id", "source_used", "is_published", "credit_count", has_poster, "updated_at"]
    list_filter = ["language", "source_used", "is_published", HasPosterFilter]
    search_fields = ["title", "=external_id"]
    list_per_page = 50
    date_hierarchy = "created_at"
    readonly_fields = ["viewer_descriptions", "external_id", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "language", "is_published", "external_id"]}),
        ("Descriptions", {"fields": ["viewer_descriptions", "partner_description"]}),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    inlines = [DescriptionOverrideInline, CmsDescriptionInline, MovieCreditInline, MovieImageInline]

    def get_queryset(self, request):
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
        services.movie_save(movie=obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is DescriptionOverride:
            DescriptionOverrideInline.save_through_services(request, form.instance, formset)
        else:
            super().save_formset(request, form, formset, change)
