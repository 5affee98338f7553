"""The editors' view of the ETL: the run history (read-only), every rejected record, and "Run ETL"."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from core.admin import ReadOnlyAdmin
from etl.forms import RunETLForm
from etl.models import ETLRun, RejectedRecord
from etl.services import summary_line
from etl.tasks import run_etl_task

RECORDS_ON_RUN_PAGE = 100


@admin.register(ETLRun)
class ETLRunAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "status", "started_at", "duration_display", "partner_source", "cms_source",
                    "created", "updated", "unchanged", "rejected", "dry_run", "triggered_by", "user"]
    list_filter = ["status", "dry_run", "triggered_by"]
    search_fields = ["partner_source", "cms_source", "error"]
    date_hierarchy = "started_at"
    list_select_related = ["user"]
    fields = ["status", "partner_source", "cms_source", "dry_run", "strict", "triggered_by", "user", "started_at",
              "finished_at", "duration_display", "summary", "created", "updated", "unchanged", "rejected", "error",
              "records_table"]
    readonly_fields = fields

    def get_urls(self):
        run = self.admin_site.admin_view(self.run_view)
        return [path("run/", run, name="etl_etlrun_run"), *super().get_urls()]

    def has_run_permission(self, request) -> bool:
        return request.user.has_perm("etl.run_etl")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_run_etl": self.has_run_permission(request)}
        return super().changelist_view(request, extra_context)

    def run_view(self, request):
        if not self.has_run_permission(request):
            raise PermissionDenied
        form = RunETLForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                run_etl_task.delay_on_commit(**form.task_kwargs(), triggered_by="admin", user_id=request.user.pk)
            except Exception as exc:  # eager mode runs the task here; a broker outage fails the enqueue
                self.message_user(request, f"The ETL run could not be started: {exc}", messages.ERROR)
            else:
                self.message_user(request, "ETL run started; it is listed below (refresh until it has finished).")
            return redirect("admin:etl_etlrun_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": "Run ETL",
            "opts": self.model._meta,
            "form": form,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/etl/etlrun/run.html", context)

    @admin.display(description="duration")
    def duration_display(self, run: ETLRun) -> str:
        return f"{run.duration.total_seconds():.1f} s" if run.duration else "—"

    @admin.display(description="summary")
    def summary(self, run: ETLRun) -> str:
        return summary_line(run)

    @admin.display(description="rejected and reported records")
    def records_table(self, run: ETLRun) -> str:
        records = list(run.records.all()[:RECORDS_ON_RUN_PAGE])
        if not records:
            return "—"
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((r.get_outcome_display(), r.source, r.record_id or "?", r.position, r.reason) for r in records),
        )
        link = reverse("admin:etl_rejectedrecord_changelist") + f"?run__id__exact={run.pk}"
        return format_html(
            '<table><thead><tr><th>outcome</th><th>source</th><th>id</th><th>where</th><th>reason</th></tr></thead>'
            '<tbody>{}</tbody></table><p><a href="{}">All {} records of this run</a></p>',
            rows, link, run.records.count(),
        )


@admin.register(RejectedRecord)
class RejectedRecordAdmin(ReadOnlyAdmin):
    list_display = ["run", "outcome", "source", "record_id", "position", "reason"]
    list_filter = ["outcome", "source", "run"]
    search_fields = ["record_id", "reason", "position"]
    list_select_related = ["run"]
