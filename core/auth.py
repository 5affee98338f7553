"""What the admin login lockout (django-axes) needs from us: the client's address, as the throttles see it."""

from __future__ import annotations

from rest_framework.throttling import BaseThrottle


def client_address(request) -> str:
    """The peer address, or the one API_NUM_PROXIES of our own proxies put in X-Forwarded-For.

    The same rule as the API throttles (DRF's get_ident with NUM_PROXIES), so a client cannot escape
    the lockout by writing X-Forwarded-For itself.
    """
    return BaseThrottle().get_ident(request) or ""
