"""The editors' list of viewer accounts: who signed up, confirmed, active, last sign-in. History and
the list are shown only to an editor holding `accounts.view_viewer_history`."""

from __future__ import annotations

from django.contrib import admin

from accounts import selectors
from accounts.models import Viewer


@admin.register(Viewer)
class ViewerAdmin(admin.ModelAdmin):
    list_display = ["email", "is_active", "email_verified", "last_login", "date_joined"]
    list_filter = ["is_active", "last_login", "date_joined"]
    search_fields = ["email"]
    ordering = ["-date_joined"]
    # Viewers manage their own accounts; editors may switch one off (is_active), nothing else.
    fields = ["email", "is_active", "email_verified", "last_login", "date_joined"]
    readonly_fields = ["email", "email_verified", "last_login", "date_joined"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("viewer_profile")

    @admin.display(boolean=True, description="email confirmed")
    def email_verified(self, obj) -> bool:
        profile = getattr(obj, "viewer_profile", None)
        return bool(profile and profile.is_verified)

    def has_add_permission(self, request):
        return False  # viewers sign up in the web app

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and request.user.has_perm("accounts.view_viewer_history"):
            fields += ["viewing_history", "saved_movies"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and request.user.has_perm("accounts.view_viewer_history"):
            readonly += ["viewing_history", "saved_movies"]
        return readonly

    @admin.display(description="viewing history")
    def viewing_history(self, obj) -> str:
        rows = [f"{p.movie.title}: {p.position:.0f}s ({p.updated_at:%Y-%m-%d %H:%M})" for p in selectors.viewing_history(user=obj)[:50]]
        return "; ".join(rows) or "—"

    @admin.display(description="my list")
    def saved_movies(self, obj) -> str:
        return "; ".join(item.movie.title for item in selectors.my_list(user=obj)[:50]) or "—"
