"""Movies and the editorial (CMS) descriptions that come with them."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Upper

language_code_validator = RegexValidator(
    r"^[a-z]{2,3}$", "Use a two- or three-letter lowercase language code, e.g. 'en' or 'ru'."
)


class DescriptionSource(models.TextChoices):
    OVERRIDE = "override", "Editor override"
    CMS = "cms", "CMS document"
    PARTNER = "partner", "Partner feed"


class Movie(models.Model):
    external_id = models.BigIntegerField(
        "partner id", unique=True, null=True, blank=True, help_text="The partner feed's movie_id; empty for movies created here."
    )
    title = models.CharField(max_length=255)
    language = models.CharField(max_length=3, validators=[language_code_validator], help_text="Original language of the movie.")
    partner_description = models.TextField(blank=True, help_text="As received from the partner feed (cleaned).")
    description = models.TextField(
        blank=True, editable=False, help_text="What viewers see in the movie's own language (resolved)."
    )
    source_used = models.CharField(
        max_length=16, choices=DescriptionSource.choices, default=DescriptionSource.PARTNER, editable=False
    )
    is_published = models.BooleanField("published", default=True, help_text="Unpublished movies are visible to staff only.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        indexes = [
            # Search: `%>` (word similarity) on the column, and UPPER(title) LIKE for substrings.
            GinIndex(OpClass("title", name="gin_trgm_ops"), name="movie_title_trgm"),
            GinIndex(OpClass(Upper("title"), name="gin_trgm_ops"), name="movie_title_upper_trgm"),
            models.Index(fields=["title", "id"], name="movie_title_id"),  # the default list order
            models.Index(fields=["language", "title"], name="movie_language_title"),
            models.Index(fields=["-created_at"], name="movie_created"),
        ]

    def __str__(self) -> str:
        return self.title


class CmsDescription(models.Model):
    """The CMS document's editorial description of a movie in one language (written by the ETL)."""

    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="cms_descriptions")
    language = models.CharField(max_length=3, validators=[language_code_validator])
    text = models.TextField()
    document_key = models.CharField(max_length=512, blank=True, help_text="Object key of the CMS document.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "CMS description"
        constraints = [models.UniqueConstraint(fields=["movie", "language"], name="cms_description_movie_language")]

    def __str__(self) -> str:
        return f"{self.movie} [{self.language}]"
