"""Per-language description overrides written by editors; the ETL never writes them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from catalog.models import language_code_validator


class DescriptionOverride(models.Model):
    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="overrides")
    language = models.CharField(max_length=3, validators=[language_code_validator])
    text = models.TextField(help_text="Shown to viewers in this language instead of the CMS or partner description.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by overrides.services, never backwards: it is the override's version and Last-Modified.
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = "override description"
        ordering = ["movie_id", "language"]
        constraints = [
            models.UniqueConstraint(fields=["movie", "language"], name="override_movie_language"),
            models.CheckConstraint(condition=models.Q(text__regex=r"\S"), name="override_text_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.movie} [{self.language}]"
