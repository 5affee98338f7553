"""Run history of the ETL: one ETLRun per run, and the records it rejected or reported."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ETLRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    partner_source = models.CharField(max_length=1024, help_text="Local path or s3://bucket/key of the partner feed.")
    cms_source = models.CharField(
        "CMS source", max_length=1024, blank=True, help_text="s3://bucket/prefix of the CMS documents; empty when not read."
    )
    dry_run = models.BooleanField(default=False, help_text="Everything was checked and counted, nothing was kept.")
    strict = models.BooleanField(default=False, help_text="Any rejected record fails the whole run.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    triggered_by = models.CharField(max_length=64, blank=True, help_text="command, task, schedule, admin or demo.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created = models.PositiveIntegerField(default=0, help_text="Rows created (movies, people, credits, CMS descriptions).")
    updated = models.PositiveIntegerField(default=0, help_text="Rows whose content changed.")
    unchanged = models.PositiveIntegerField(default=0, help_text="Rows already up to date (not written).")
    rejected = models.PositiveIntegerField(default=0, help_text="Records rejected with a reason (see below).")
    counts = models.JSONField(default=dict, blank=True, help_text="Counts per kind of row.")
    error = models.TextField(blank=True, help_text="Why the run failed.")

    class Meta:
        verbose_name = "ETL run"
        ordering = ["-started_at", "-id"]
        permissions = [("run_etl", "Can start an ETL run")]

    def __str__(self) -> str:
        return f"ETL run #{self.pk} ({self.status})"

    @property
    def duration(self):
        return (self.finished_at - self.started_at) if self.finished_at else None


class RejectedRecord(models.Model):
    """A record the run did not load (`rejected`), or loaded with a problem worth a look (`reported`)."""

    class Outcome(models.TextChoices):
        REJECTED = "rejected", "Rejected"
        REPORTED = "reported", "Loaded, reported"

    run = models.ForeignKey(ETLRun, on_delete=models.CASCADE, related_name="records")
    source = models.CharField(max_length=16, help_text="partner or cms.")
    record_id = models.CharField("id", max_length=255, blank=True, help_text="The record's id as given (may be invalid).")
    position = models.CharField(max_length=1024, blank=True, help_text="Record number in the feed or the CMS object key.")
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.REJECTED)
    reason = models.TextField()

    class Meta:
        verbose_name = "rejected record"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.source} {self.record_id or '?'}: {self.reason}"


class CmsImage(models.Model):
    """The CMS object a movie's poster or backdrop was imported from, and its ETag then: an image whose
    object is unchanged is not imported again. Goes with its image (an editor's upload replaces both)."""

    image = models.OneToOneField("streaming.Image", on_delete=models.CASCADE, related_name="cms_origin")
    source_url = models.CharField("CMS object", max_length=1024, help_text="s3://bucket/prefix/key it was read from.")
    etag = models.CharField("ETag", max_length=128, help_text="The object's ETag when it was read (locally: mtime-size).")
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "image from the CMS"
        verbose_name_plural = "images from the CMS"

    def __str__(self) -> str:
        return f"{self.image} from {self.source_url}"
