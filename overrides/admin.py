"""The editors' override screens; every save goes through overrides.services and is kept in history."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from overrides import services
from overrides.models import DescriptionOverride


class DescriptionOverrideInline(admin.StackedInline):
    model = DescriptionOverride
    extra = 0
    fields = ["language", "text", "author", "updated_at"]
    readonly_fields = ["author", "updated_at"]
    verbose_name_plural = "override descriptions (win over CMS and partner; the ETL never changes them)"

    @staticmethod
    def save_through_services(request, movie, formset) -> None:
        """Stand-in for formset.save(): same bookkeeping (for the admin's change message), via services."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for form in formset.deleted_forms:
            if form.instance.pk:
                services.override_delete(override=form.instance, author=request.user)
                formset.deleted_objects.append(form.instance)
        for form in formset.forms:
            if form in formset.deleted_forms or not form.has_changed():
                continue
            data = form.cleaned_data
            is_new = form.instance.pk is None
            saved = services.override_save(movie=movie, language=data["language"], text=data["text"], author=request.user)
            if is_new:
                formset.new_objects.append(saved)
            else:
                formset.changed_objects.append((saved, form.changed_data))


@admin.register(DescriptionOverride)
class DescriptionOverrideAdmin(SimpleHistoryAdmin):
    list_display = ["movie", "language", "short_text", "author", "updated_at"]
    list_filter = ["language", ("author", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["movie__title", "text"]
    autocomplete_fields = ["movie"]
    list_select_related = ["movie", "author"]
    readonly_fields = ["author", "created_at", "updated_at"]
    fields = ["movie", "language", "text", "author", "created_at", "updated_at"]
    history_list_display = ["text"]

    @admin.display(description="text")
    def short_text(self, override: DescriptionOverride) -> str:
        return override.text if len(override.text) <= 80 else override.text[:79] + "…"

    def save_model(self, request, obj, form, change):
        if change and {"movie", "language"} & set(form.changed_data):
            old = DescriptionOverride.objects.get(pk=obj.pk)
            services.override_delete(override=old, author=request.user)
        saved = services.override_save(movie=obj.movie, language=obj.language, text=obj.text, author=request.user)
        obj.pk, obj.author = saved.pk, saved.author

    def delete_model(self, request, obj):
        services.override_delete(override=obj, author=request.user)

    def delete_queryset(self, request, queryset):
        for override in queryset.select_related("movie"):
            services.override_delete(override=override, author=request.user)
