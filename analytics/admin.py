"""The editors' analytics screens: a catalog-wide dashboard (the changelist of "viewing analytics")
and one movie's retention curve and playback quality (its change page, read-only)."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse

from analytics import charts, selectors
from analytics.models import MovieAnalytics
from catalog.models import Movie

DAYS = 30


def _percent(value):
    return "—" if value is None else f"{value:.1f} %"


def _seconds(value):
    return "—" if value is None else f"{value:.2f} s"


def _hours(value):
    return f"{(value or 0) / 3600:,.1f} h"


def _cards(figures: dict) -> list[tuple[str, str]]:
    return [
        ("Views", f"{figures['views']:,}"),
        ("Watch time", _hours(figures["watch_seconds"])),
        ("Startup time p50 / p95", f"{_seconds(figures['startup_time_p50'])} / {_seconds(figures['startup_time_p95'])}"),
        ("Startup failures", _percent(figures["startup_failure_percentage"])),
        ("Rebuffering", _percent(figures["rebuffer_percentage"])),
        ("Stalls per minute", "—" if figures["rebuffer_frequency"] is None else f"{figures['rebuffer_frequency']:.3f}"),
        ("Playback failures", _percent(figures["playback_failure_percentage"])),
        ("Completion rate", _percent(figures["completion_rate"])),
    ]


def _daily_charts(by_day: list[dict]) -> list[dict]:
    labels = [row["day"].strftime("%d %b") for row in by_day]
    series = [
        ("Views per day", [row["views"] for row in by_day], lambda v: f"{v:g}"),
        ("Startup time p50 (s)", [row["startup_time_p50"] for row in by_day], lambda v: f"{v:.1f} s"),
        ("Rebuffering (%)", [row["rebuffer_percentage"] for row in by_day], lambda v: f"{v:.1f} %"),
        ("Playback failures (%)", [row["playback_failure_percentage"] for row in by_day], lambda v: f"{v:.1f} %"),
    ]
    return [
        {"title": title, "headings": ["Day", title], "chart": charts.line_chart(values, labels, fmt=fmt), "rows": list(zip(labels, [fmt(v) if v is not None else "—" for v in values]))}
        for title, values, fmt in series
    ]


@admin.register(MovieAnalytics)
class MovieAnalyticsAdmin(admin.ModelAdmin):
    """Read-only (editors have the view permission, analytics/migrations/0003); nothing here writes."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        summaries = selectors.sessions(movies=Movie.objects.all(), days=DAYS)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Viewing analytics, last {DAYS} days",
            "opts": self.model._meta,
            "days": DAYS,
            "cards": _cards(selectors.qoe_summary(summaries)),
            "charts": _daily_charts(selectors.qoe_by_day(summaries, days=DAYS)),
            "renditions": selectors.renditions(summaries),
            "movies": selectors.qoe_by_movie(summaries, limit=50),
        }
        return TemplateResponse(request, "admin/analytics/dashboard.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        movie = Movie.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        if movie is None:
            raise Http404
        summaries = selectors.sessions(movies=Movie.objects.filter(pk=movie.pk), days=DAYS)
        retention = selectors.retention(summaries)
        points = retention["points"]
        curve = charts.line_chart([p["watching"] for p in points], [f"{p['percent']} %" for p in points], fmt=lambda v: f"{v:.0f} %", top=100)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{movie.title}: viewing, last {DAYS} days",
            "opts": self.model._meta,
            "movie": movie,
            "days": DAYS,
            "cards": _cards(selectors.qoe_summary(summaries)),
            "retention": retention,
            "curve": curve,
            "retention_headings": ["Point of the runtime", "Still watching", "Rewatched (next 5 %)"],
            "retention_rows": [
                (f"{p['percent']} %", f"{p['watching']:.1f} %", "—" if p["rewatched"] is None else f"{p['rewatched']:.1f} %") for p in points
            ],
            "charts": _daily_charts(selectors.qoe_by_day(summaries, days=DAYS)),
            "renditions": selectors.renditions(summaries),
        }
        return TemplateResponse(request, "admin/analytics/movie.html", context)
