"""The admin's "Run ETL" form: sources are picked from a list the operator configured, never typed in."""

from __future__ import annotations

from django import forms
from django.conf import settings

from etl.models import ETLRun
from etl.sources import configured_cms_source, default_cms_source

NO_CMS = "-"


def partner_source_choices() -> list[tuple[str, str]]:
    """ETL_PARTNER_SOURCE, then the partner sources of recent successful runs (started by operators)."""
    sources = [settings.ETL_PARTNER_SOURCE] if settings.ETL_PARTNER_SOURCE else []
    recent = ETLRun.objects.filter(status=ETLRun.Status.SUCCEEDED).order_by("-started_at").values_list("partner_source", flat=True)
    for source in recent[:50]:
        if source not in sources:
            sources.append(source)
    return [(source, source) for source in sources[:10]]


def cms_source_choices() -> list[tuple[str, str]]:
    sources = [default_cms_source()]
    if configured_cms_source() not in (None, *sources):
        sources.insert(0, configured_cms_source())
    recent = ETLRun.objects.filter(status=ETLRun.Status.SUCCEEDED).exclude(cms_source="").values_list("cms_source", flat=True)
    for source in recent.order_by("-started_at")[:50]:
        if source not in sources:
            sources.append(source)
    return [(source, source) for source in sources[:10]] + [(NO_CMS, "Do not read CMS documents")]


class RunETLForm(forms.Form):
    partner_source = forms.ChoiceField(
        label="Partner feed", help_text="Configured by the operator (ETL_PARTNER_SOURCE) or used by an earlier run."
    )
    cms_source = forms.ChoiceField(label="CMS documents")
    dry_run = forms.BooleanField(required=False, help_text="Check and count everything, keep nothing.")
    strict = forms.BooleanField(required=False, help_text="Load nothing if any record is rejected.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner_source"].choices = partner_source_choices()
        self.fields["cms_source"].choices = cms_source_choices()

    def task_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "partner_source": data["partner_source"],
            "cms_source": None if data["cms_source"] == NO_CMS else data["cms_source"],
            "dry_run": data["dry_run"],
            "strict": data["strict"],
        }
