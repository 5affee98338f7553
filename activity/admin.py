"""Editors' read-only screens: the Kafka outbox backlog and the per-movie daily statistics."""

from __future__ import annotations

from django.contrib import admin, messages

from activity import selectors
from activity.models import MovieDailyStats, OutboxEvent, OutboxUnsent
from core.admin import ReadOnlyAdmin


class SentFilter(admin.SimpleListFilter):
    title = "delivery"
    parameter_name = "sent"

    def lookups(self, request, model_admin):
        return [("no", "Waiting for Kafka"), ("yes", "Confirmed by Kafka")]

    def queryset(self, request, queryset):
        if self.value() == "no":  # the relay's queue, not a scan of the table for sent_at IS NULL
            return queryset.filter(pk__in=OutboxUnsent.objects.values("outbox_id"))
        if self.value() == "yes":
            return queryset.exclude(pk__in=OutboxUnsent.objects.values("outbox_id"))
        return queryset


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    allow_delete = False
    list_display = ["id", "event_type", "event_id", "session_id", "created_at", "sent_at", "attempts", "last_error"]
    list_filter = [SentFilter, "event_type"]
    search_fields = ["=event_id", "=session_id"]
    ordering = ["-id"]
    show_full_result_count = False  # the table can be large; a count(*) per page view is wasted

    @admin.display(description="sent at", ordering="sent_at", empty_value="waiting")
    def sent_at(self, obj: OutboxEvent):
        return obj.sent_at  # from the confirmed runs (OutboxEvent.objects)

    def changelist_view(self, request, extra_context=None):
        backlog = selectors.outbox_backlog()
        if backlog["count"]:
            messages.warning(
                request,
                f"Backlog: {backlog['count']} event(s) not yet confirmed by Kafka; "
                f"the oldest has waited {backlog['oldest_age_seconds']:.0f} s.",
            )
        else:
            messages.info(request, "Backlog: every event has been confirmed by Kafka.")
        return super().changelist_view(request, extra_context)


@admin.register(MovieDailyStats)
class MovieDailyStatsAdmin(ReadOnlyAdmin):
    allow_delete = False
    list_display = ["day", "movie", "plays", "unique_viewers", "watch_hours", "completions", "starts", "errors"]
    list_filter = ["day"]
    search_fields = ["movie__title"]
    date_hierarchy = "day"
    ordering = ["-day", "-plays"]
    list_select_related = ["movie"]

    @admin.display(description="watch time (h)", ordering="watch_seconds")
    def watch_hours(self, obj: MovieDailyStats) -> str:
        return f"{obj.watch_seconds / 3600:.1f}"
