"""Viewer accounts on Django's auth: the profile (verified email), my list, and the sessions a viewer can end.

Viewing history is not stored here: it is the activity app's resume positions under `user:<pk>`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models


class ViewerManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(is_staff=False, is_superuser=False)


class Viewer(get_user_model()):
    """A viewer's account as the admin lists it: a user without staff rights."""

    objects = ViewerManager()

    class Meta:
        proxy = True
        verbose_name = "viewer"
        permissions = [("view_viewer_history", "Can see a viewer's list and viewing history")]


class Profile(models.Model):
    """What a viewer account has beyond Django's user: whether its email address was confirmed."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="viewer_profile")
    email_verified_at = models.DateTimeField(null=True, blank=True, help_text="When the viewer followed the confirmation link.")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"profile of {self.user_id}"

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None


class MyListItem(models.Model):
    """A movie the viewer saved to watch later."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="my_list")
    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "my list item"
        constraints = [models.UniqueConstraint(fields=["user", "movie"], name="my_list_user_movie")]
        indexes = [models.Index(fields=["user", "-added_at"], name="my_list_recent")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.movie_id}"


class UserSession(models.Model):
    """A signed-in browser: the session key Django issued at sign-in, so the viewer can list and end it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    remember = models.BooleanField(default=False, help_text="Survives a browser restart.")
    user_agent = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d %H:%M}"
