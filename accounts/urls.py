"""URLs of viewer accounts (mounted under /api/v1/ by cinema_project.urls)."""

from django.urls import path

from accounts import api

urlpatterns = [
    path("auth/session", api.SessionView.as_view(), name="auth-session"),
    path("auth/sign-up", api.SignUpView.as_view(), name="auth-sign-up"),
    path("auth/verify-email", api.VerifyEmailView.as_view(), name="auth-verify-email"),
    path("auth/verify-email/resend", api.ResendVerificationView.as_view(), name="auth-verify-email-resend"),
    path("auth/sign-in", api.SignInView.as_view(), name="auth-sign-in"),
    path("auth/sign-out", api.SignOutView.as_view(), name="auth-sign-out"),
    path("auth/token", api.TokenView.as_view(), name="auth-token"),
    path("auth/password-reset", api.PasswordResetView.as_view(), name="auth-password-reset"),
    path("auth/password-reset/confirm", api.PasswordResetConfirmView.as_view(), name="auth-password-reset-confirm"),
    path("me/account", api.AccountView.as_view(), name="me-account"),
    path("me/sessions", api.SessionListView.as_view(), name="me-sessions"),
    path("me/sessions/<id:pk>", api.SessionDetailView.as_view(), name="me-session"),
    path("me/list", api.MyListView.as_view(), name="me-list"),
    path("me/list/<id:movie_id>", api.MyListItemView.as_view(), name="me-list-item"),
    path("me/history", api.HistoryView.as_view(), name="me-history"),
    path("me/history/<id:movie_id>", api.HistoryEntryView.as_view(), name="me-history-entry"),
    path("me/export", api.ExportView.as_view(), name="me-export"),
]
