"""Writes of viewer accounts: sign-up and email verification, sign-in/out and sessions, password reset,
my list, history removal, and account deletion. Emails leave through a Celery task after the commit."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from rest_framework.authtoken.models import Token

from accounts.models import MyListItem, Profile, UserSession
from activity.identity import viewer_key_for
from activity.services.merge import forget_positions, merge_viewer_positions
from catalog.models import Movie
from core.exceptions import DomainError

User = get_user_model()


class InvalidCredentials(DomainError):
    """Wrong email or password."""

    code = "invalid_credentials"


class EmailNotVerified(DomainError):
    """Confirm your email address first: follow the link we sent you (or ask for a new one)."""

    status_code = 403
    code = "email_unverified"


class InvalidLink(DomainError):
    """This link is invalid, already used or expired. Ask for a new one."""

    code = "invalid_link"


class StaffAccount(DomainError):
    """Staff accounts are managed in the admin."""

    status_code = 403
    code = "staff_account"


class NotFound(DomainError):
    """Not found."""

    status_code = 404
    code = "not_found"


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """Django's signed, expiring tokens for the confirmation link; confirming changes the hashed state,
    so a link works once."""

    key_salt = "accounts.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        profile = Profile.objects.filter(user=user).first()
        verified = profile.email_verified_at if profile else None
        return f"{user.pk}{user.email}{verified}{timestamp}"


verification_token_generator = EmailVerificationTokenGenerator()


def normalize_email(email: str) -> str:
    """One spelling per address: the account's username is its email in lower case."""
    return email.strip().lower()


def user_key(user) -> str:
    return viewer_key_for(user=user)


# --- Sign-up and verification ---------------------------------------------------------------


def sign_up(*, email: str, password: str) -> None:
    """Create an unverified account and email the confirmation link; for a known address, email its owner
    instead. The caller gets the same answer either way, so sign-up does not tell who has an account."""
    email = normalize_email(email)
    validate_password(password, user=User(username=email, email=email))
    existing = User.objects.filter(username=email).first()
    if existing is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(username=email, email=email, password=password, is_staff=False)
                Profile.objects.create(user=user)
        except IntegrityError:  # the same address signed up at the same moment
            existing = User.objects.get(username=email)
        else:
            _send_email(kind="verify_email", user_id=user.pk)
            return
    make_password(password)  # the hashing a new account costs, so the answer's timing does not tell either
    profile = Profile.objects.filter(user=existing).first()
    _send_email(kind="verify_email" if profile and not profile.is_verified else "already_registered", user_id=existing.pk)


def resend_verification(*, email: str) -> None:
    user = User.objects.filter(username=normalize_email(email), is_active=True, viewer_profile__email_verified_at__isnull=True).first()
    if user is not None:
        _send_email(kind="verify_email", user_id=user.pk)


def verify_email(*, uid: str, token: str):
    """Mark the account's email as confirmed if `token` is valid for it; InvalidLink otherwise."""
    user = _user_from_uid(uid)
    if user is None or not verification_token_generator.check_token(user, token):
        raise InvalidLink()
    Profile.objects.filter(user=user).update(email_verified_at=timezone.now())
    return user


def link_parameters(user, *, kind: str) -> dict[str, str]:
    generator = verification_token_generator if kind == "verify_email" else default_token_generator
    return {"uid": urlsafe_base64_encode(force_bytes(user.pk)), "token": generator.make_token(user)}


def _user_from_uid(uid: str):
    try:
        pk = int(force_str(urlsafe_base64_decode(uid)))
    except (ValueError, TypeError, OverflowError):
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


def _send_email(*, kind: str, user_id: int) -> None:
    from accounts.tasks import send_account_email_task

    # The task builds the link itself: no token travels through the broker, and a rolled-back
    # sign-up sends nothing.
    send_account_email_task.delay_on_commit(kind=kind, user_id=user_id)


# --- Sign-in, sign-out, sessions --------------------------------------------------------------


def check_credentials(*, request, email: str, password: str):
    """The verified viewer account with these credentials; InvalidCredentials / EmailNotVerified otherwise."""
    user = authenticate(request, username=normalize_email(email), password=password)
    profile = Profile.objects.filter(user=user).first() if user is not None else None
    if profile is None:  # no such account, a wrong password, or a staff account (not a viewer)
        raise InvalidCredentials()
    if not profile.is_verified:
        raise EmailNotVerified()
    return user


def sign_in(*, request, email: str, password: str, remember: bool, viewer_id: str | None = None):
    """Log the browser in (a session that ends with the browser unless `remember`), record the session,
    and merge the browser's anonymous viewing into the account."""
    user = check_credentials(request=request, email=email, password=password)
    login(request, user)
    request.session.set_expiry(settings.SESSION_COOKIE_AGE if remember else 0)
    request.session.save()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "remember": remember,
            "user_agent": request.headers.get("User-Agent", "")[:200],
            "ip_address": request.META.get("REMOTE_ADDR") or None,
        },
    )
    if viewer_id:
        merge_viewer_positions(source_key=viewer_key_for(viewer_id=viewer_id), target_key=user_key(user))
    return user


def issue_token(*, request, email: str, password: str) -> Token:
    """An API token for clients other than the web app (the same checks as sign-in)."""
    user = check_credentials(request=request, email=email, password=password)
    token, _ = Token.objects.get_or_create(user=user)
    return token


def sign_out(*, request) -> None:
    """End this browser's session, or revoke the token the request was made with."""
    if isinstance(request.auth, Token):
        request.auth.delete()
        return
    if request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()
    logout(request)


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def end_session(*, user, session_id: int) -> None:
    """End one of the viewer's signed-in sessions (another browser, or this one)."""
    record = UserSession.objects.filter(user=user, pk=session_id).first()
    if record is None:
        raise NotFound()
    _session_store()().delete(record.session_key)
    record.delete()


def end_all_sessions(*, user) -> None:
    store = _session_store()()
    for key in UserSession.objects.filter(user=user).values_list("session_key", flat=True):
        store.delete(key)
    UserSession.objects.filter(user=user).delete()


# --- Password reset ---------------------------------------------------------------------------


def request_password_reset(*, email: str) -> None:
    """Email a reset link to the account with this address, if there is one (the caller is not told)."""
    user = User.objects.filter(username=normalize_email(email), is_active=True, viewer_profile__isnull=False).first()
    if user is not None:
        _send_email(kind="password_reset", user_id=user.pk)


def reset_password(*, uid: str, token: str, password: str) -> None:
    """Set a new password from a reset link; every session and token of the account ends (it may have
    been someone else's). Following the emailed link also proves the address."""
    user = _user_from_uid(uid)
    if user is None or not default_token_generator.check_token(user, token):
        raise InvalidLink()
    validate_password(password, user=user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        Profile.objects.filter(user=user, email_verified_at__isnull=True).update(email_verified_at=timezone.now())
        Token.objects.filter(user=user).delete()
    end_all_sessions(user=user)


# --- My list and history ----------------------------------------------------------------------


def add_to_list(*, user, movie_id: int) -> tuple[MyListItem, bool]:
    """Add a published movie to the viewer's list (adding it again changes nothing); returns (item, created)."""
    if not Movie.objects.filter(pk=movie_id, is_published=True).exists():
        raise NotFound()
    return MyListItem.objects.get_or_create(user=user, movie_id=movie_id)


def remove_from_list(*, user, movie_id: int) -> None:
    MyListItem.objects.filter(user=user, movie_id=movie_id).delete()


def remove_history_entry(*, user, movie_id: int) -> None:
    forget_positions(viewer_key=user_key(user), movie_id=movie_id)


def clear_history(*, user) -> int:
    return forget_positions(viewer_key=user_key(user))


# --- Deletion ---------------------------------------------------------------------------------


def delete_account(*, user, password: str) -> None:
    """Delete a viewer's account with everything stored about it: profile, list, history and positions,
    sessions and tokens. Events already sent to Kafka stay, pseudonymous (docs/security.md)."""
    if user.is_staff or user.is_superuser:
        raise StaffAccount()
    if not user.check_password(password):
        raise InvalidCredentials("The password is not correct.")
    end_all_sessions(user=user)
    with transaction.atomic():
        forget_positions(viewer_key=user_key(user))
        user.delete()  # cascades: profile, list, session records, token
