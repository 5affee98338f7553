"""Admin bases shared by the apps: screens of rows that only the pipeline writes."""

from __future__ import annotations

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the pipeline only: editors look, nobody adds or edits by hand.

    `allow_delete` False also takes deleting away (rows the pipeline still needs).
    """

    allow_delete = True

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self.allow_delete and super().has_delete_permission(request, obj)
