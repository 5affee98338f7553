"""The editors' people and credit screens."""

from __future__ import annotations

from django.contrib import admin

from people.models import Credit, Person
from streaming.admin import PersonImageInline


class PersonCreditInline(admin.TabularInline):
    """Filmography on the person page."""

    model = Credit
    extra = 0
    fields = ["movie", "job", "role_name", "billing_order"]
    autocomplete_fields = ["movie"]
    ordering = ["movie__title"]
    verbose_name = "film"
    verbose_name_plural = "filmography"


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["full_name", "birth_date", "external_id", "credit_count"]
    search_fields = ["full_name", "=external_id"]
    list_filter = [("birth_date", admin.EmptyFieldListFilter)]
    readonly_fields = ["external_id", "created_at", "updated_at"]
    fields = ["full_name", "birth_date", "external_id", "created_at", "updated_at"]
    inlines = [PersonCreditInline, PersonImageInline]
    list_per_page = 50

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(credit_count=Count("credits"))

    @admin.display(description="films", ordering="credit_count")
    def credit_count(self, person: Person) -> int:
        return person.credit_count


@admin.register(Credit)
class CreditAdmin(admin.ModelAdmin):
    list_display = ["movie", "person", "job", "role_name", "billing_order"]
    list_filter = ["job"]
    search_fields = ["movie__title", "person__full_name", "role_name"]
    autocomplete_fields = ["movie", "person"]
    list_select_related = ["movie", "person"]
    list_per_page = 50
