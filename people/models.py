"""Actors (people) and the credits that link them to movies."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper


class Person(models.Model):
    external_id = models.BigIntegerField(
        "partner id", unique=True, null=True, blank=True, help_text="The partner feed's actor_id; empty for people created here."
    )
    full_name = models.CharField(max_length=255)
    birth_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "people"
        ordering = ["full_name", "id"]
        indexes = [
            models.Index(fields=["full_name", "id"], name="person_name_id"),  # the default list order
            GinIndex(OpClass("full_name", name="gin_trgm_ops"), name="person_name_trgm"),
            GinIndex(OpClass(Upper("full_name"), name="gin_trgm_ops"), name="person_name_upper_trgm"),
        ]

    def __str__(self) -> str:
        return self.full_name


class Job(models.TextChoices):
    ACTOR = "actor", "actor"
    DIRECTOR = "director", "director"
    WRITER = "writer", "writer"
    PRODUCER = "producer", "producer"
    COMPOSER = "composer", "composer"


class Credit(models.Model):
    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="credits")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="credits")
    job = models.CharField(max_length=16, choices=Job.choices, default=Job.ACTOR, db_default=Job.ACTOR)
    role_name = models.CharField("role", max_length=255, blank=True, help_text="The character's name (actors).")
    billing_order = models.PositiveIntegerField(default=0, help_text="Position in the cast list, 0 first.")

    class Meta:
        ordering = ["billing_order", "id"]
        constraints = [
            # One person may hold several jobs on a movie (directing and acting).
            models.UniqueConstraint(fields=["movie", "person", "job", "role_name"], name="credit_movie_person_job_role"),
        ]
        indexes = [models.Index(fields=["movie", "billing_order"], name="credit_movie_billing")]

    def __str__(self) -> str:
        if self.job != Job.ACTOR:
            return f"{self.person}, {self.job} of {self.movie}"
        return f"{self.person} as {self.role_name or '—'} in {self.movie}"
