"""/api/v1/auth/... (sign-up, verification, sign-in/out, tokens, password reset) and /api/v1/me/...
(account, sessions, my list, history, export, deletion): thin views over accounts.services/selectors."""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from activity.identity import VIEWER_HEADER_PARAMETER, header_viewer_id, viewer_key_for
from core.api import SharedRateThrottle

# --- Throttles: POSTs only, shared by every worker through the default cache -------------------------


class _PostThrottle(SharedRateThrottle):
    def allow_request(self, request, view):
        return request.method != "POST" or super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SignInThrottle(_PostThrottle):
    """Sign-in and token attempts per client address."""

    scope = "sign_in"


class SignInEmailThrottle(_PostThrottle):
    """Sign-in attempts per account, whatever address they come from (slows a distributed guesser)."""

    scope = "sign_in_email"

    def get_cache_key(self, request, view):
        email = request.data.get("email") if isinstance(request.data, dict) else None
        if not isinstance(email, str) or not email:
            return None
        digest = hashlib.blake2b(services.normalize_email(email).encode(), digest_size=16).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}


class SignUpThrottle(_PostThrottle):
    scope = "sign_up"


class AccountEmailThrottle(_PostThrottle):
    """Requests that send an email (reset, new confirmation link) per client address."""

    scope = "account_email"


def _password_errors(exc: DjangoValidationError) -> exceptions.ValidationError:
    return exceptions.ValidationError({"password": list(exc.messages)})


# --- Serializers ------------------------------------------------------------------------------------


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class AccountSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    # Viewers always have one; a staff account made in the admin may have none (blank).
    email = serializers.CharField(help_text="The sign-in email address (blank for staff accounts created without one).")
    email_verified = serializers.SerializerMethodField()
    date_joined = serializers.DateTimeField()
    viewer_id = serializers.SerializerMethodField(help_text="The viewer_id the player sends in events while signed in.")

    def get_email_verified(self, user) -> bool:
        profile = selectors.profile_of(user=user)
        return bool(profile and profile.is_verified)

    def get_viewer_id(self, user) -> str:
        return viewer_key_for(user=user)


class SessionStateSerializer(serializers.Serializer):
    user = AccountSerializer(allow_null=True, help_text="The signed-in account, null when signed out.")


class CredentialsSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class SignInSerializer(CredentialsSerializer):
    remember_me = serializers.BooleanField(default=False, help_text="Keep the session after the browser closes.")


class EmailSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=150)


class LinkSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)


class ResetConfirmSerializer(LinkSerializer):
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class PasswordSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=128, trim_whitespace=False, help_text="The current password, to confirm.")


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")


class SavedMovieSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class ListItemSerializer(serializers.Serializer):
    movie = SavedMovieSerializer()
    added_at = serializers.DateTimeField()


class HistoryEntrySerializer(serializers.Serializer):
    movie = SavedMovieSerializer()
    position = serializers.FloatField(help_text="Seconds watched into the film.")
    duration = serializers.FloatField(allow_null=True)
    progress = serializers.SerializerMethodField(help_text="position / duration (0..1), null when the duration is unknown.")
    watched = serializers.BooleanField(help_text="Finished (past 90% or played to the end).")
    last_watched_at = serializers.DateTimeField(source="updated_at")

    def get_progress(self, obj) -> float | None:
        return round(min(obj.position / obj.duration, 1.0), 4) if obj.duration else None


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    signed_in_at = serializers.DateTimeField(source="created_at")
    user_agent = serializers.CharField()
    ip_address = serializers.IPAddressField(allow_null=True)
    remember = serializers.BooleanField()
    current = serializers.SerializerMethodField(help_text="This browser's session.")

    def get_current(self, obj) -> bool:
        return obj.session_key == self.context["current_key"]


def _parse(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _private(response):
    patch_vary_headers(response, ["Cookie", "Authorization"])
    patch_cache_control(response, private=True, no_cache=True)
    return response


# --- /api/v1/auth/ ----------------------------------------------------------------------------------


class SessionView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary="Who is signed in (also sets the CSRF cookie the web app's writes need)", responses=SessionStateSerializer)
    @method_decorator(ensure_csrf_cookie)
    def get(self, request):
        user = request.user if request.user.is_authenticated else None
        return _private(Response({"user": AccountSerializer(user).data if user else None}))


class SignUpView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [SignUpThrottle]

    @extend_schema(
        summary="Create an account (email + password); a confirmation link is emailed",
        description="The answer is the same whether or not the address already has an account (its owner gets an email instead).",
        request=CredentialsSerializer,
        responses={202: DetailSerializer},
    )
    def post(self, request):
        data = _parse(CredentialsSerializer, request)
        try:
            services.sign_up(email=data["email"], password=data["password"])
        except DjangoValidationError as exc:
            raise _password_errors(exc) from None
        return Response({"detail": "Check your inbox: we sent a link to confirm the address."}, status=status.HTTP_202_ACCEPTED)


class VerifyEmailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary="Confirm an email address with the emailed link's uid and token", request=LinkSerializer, responses=DetailSerializer)
    def post(self, request):
        data = _parse(LinkSerializer, request)
        services.verify_email(uid=data["uid"], token=data["token"])
        return Response({"detail": "Your email address is confirmed. You can sign in now."})


class ResendVerificationView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [AccountEmailThrottle]

    @extend_schema(summary="Email a new confirmation link (same answer for any address)", request=EmailSerializer, responses={202: DetailSerializer})
    def post(self, request):
        services.resend_verification(email=_parse(EmailSerializer, request)["email"])
        return Response({"detail": "If the address has an unconfirmed account, a new link is on its way."}, status=status.HTTP_202_ACCEPTED)


class SignInView(APIView):
    """Session sign-in for the web app; CSRF-checked even before a session exists (login CSRF)."""

    permission_classes = [AllowAny]
    throttle_classes = [SignInThrottle, SignInEmailThrottle]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        SessionAuthentication().enforce_csrf(request)

    @extend_schema(
        summary="Sign in (session cookie); merges this browser's anonymous viewing into the account",
        description="The positions stored under the X-Viewer-Id header move to the account once; per movie the newer one is kept.",
        request=SignInSerializer,
        parameters=[VIEWER_HEADER_PARAMETER],
        responses=SessionStateSerializer,
    )
    def post(self, request):
        data = _parse(SignInSerializer, request)
        viewer_id = header_viewer_id(request)
        user = services.sign_in(
            request=request._request, email=data["email"], password=data["password"], remember=data["remember_me"], viewer_id=viewer_id
        )
        return _private(Response({"user": AccountSerializer(user).data}))


class TokenView(APIView):
    """Token sign-in for API clients other than the web app."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [SignInThrottle, SignInEmailThrottle]

    @extend_schema(summary="Get an API token for an account (clients other than the web app)", request=CredentialsSerializer, responses=TokenSerializer)
    def post(self, request):
        data = _parse(CredentialsSerializer, request)
        token = services.issue_token(request=request._request, email=data["email"], password=data["password"])
        return _private(Response({"token": token.key}))


class SignOutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Sign out: end this session, or revoke the token used", request=None, responses={204: None})
    def post(self, request):
        services.sign_out(request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [AccountEmailThrottle]

    @extend_schema(summary="Email a password reset link (same answer for any address)", request=EmailSerializer, responses={202: DetailSerializer})
    def post(self, request):
        services.request_password_reset(email=_parse(EmailSerializer, request)["email"])
        return Response({"detail": "If the address has an account, a reset link is on its way."}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary="Set a new password with the emailed link's uid and token; ends every session", request=ResetConfirmSerializer, responses=DetailSerializer)
    def post(self, request):
        data = _parse(ResetConfirmSerializer, request)
        try:
            services.reset_password(uid=data["uid"], token=data["token"], password=data["password"])
        except DjangoValidationError as exc:
            raise _password_errors(exc) from None
        return Response({"detail": "Your password is changed. Sign in with it now."})


# --- /api/v1/me/ ------------------------------------------------------------------------------------


class AccountView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="The signed-in account", responses=AccountSerializer)
    def get(self, request):
        return _private(Response(AccountSerializer(request.user).data))

    @extend_schema(
        summary="Delete the account and everything stored about it",
        description="Removes the profile, my list, history and resume positions, sessions and tokens. "
        "Events already sent to Kafka stay, pseudonymous (docs/security.md). Staff accounts are refused (403).",
        request=PasswordSerializer,
        responses={204: None},
    )
    def delete(self, request):
        services.delete_account(user=request.user, password=_parse(PasswordSerializer, request)["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="The account's signed-in sessions", responses=SessionSerializer(many=True))
    def get(self, request):
        sessions = selectors.active_sessions(user=request.user)
        context = {"current_key": request.session.session_key}
        return _private(Response(SessionSerializer(sessions, many=True, context=context).data))


class SessionDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="End one signed-in session (sign that browser out)", responses={204: None})
    def delete(self, request, pk: int):
        services.end_session(user=request.user, session_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyListView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ListItemSerializer
    filter_backends: list = []

    @extend_schema(summary="My list: saved movies, last added first")
    def get(self, request, *args, **kwargs):
        return _private(super().get(request, *args, **kwargs))

    def get_queryset(self):
        return selectors.my_list(user=self.request.user)


class MyListItemView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Add a movie to my list (201; 200 when it is already there)", request=None, responses={200: ListItemSerializer, 201: ListItemSerializer})
    def put(self, request, movie_id: int):
        item, created = services.add_to_list(user=request.user, movie_id=movie_id)
        return Response(ListItemSerializer(item).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(summary="Remove a movie from my list", responses={204: None})
    def delete(self, request, movie_id: int):
        services.remove_from_list(user=request.user, movie_id=movie_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class HistoryView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = HistoryEntrySerializer
    filter_backends: list = []

    @extend_schema(summary="What I watched, how far and when, last watched first")
    def get(self, request, *args, **kwargs):
        return _private(super().get(request, *args, **kwargs))

    def get_queryset(self):
        return selectors.viewing_history(user=self.request.user)

    @extend_schema(operation_id="v1_me_history_clear", summary="Clear my whole viewing history (and resume positions)", responses={204: None})
    def delete(self, request):
        services.clear_history(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class HistoryEntryView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Remove one movie from my viewing history", responses={204: None})
    def delete(self, request, movie_id: int):
        services.remove_history_entry(user=request.user, movie_id=movie_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Download everything stored about my account (JSON)",
        description="Profile, my list, history, signed-in sessions and a summary of the playback events, as an attachment.",
        responses={200: {"type": "object", "properties": {
            "exported_at": {"type": "string", "format": "date-time"},
            "profile": {"type": "object"}, "my_list": {"type": "array"}, "history": {"type": "array"},
            "sessions": {"type": "array"}, "events_summary": {"type": "object"},
        }}},
    )
    def get(self, request):
        response = Response(selectors.export_data(user=request.user))
        response["Content-Disposition"] = 'attachment; filename="kinoteka-my-data.json"'
        return _private(response)
