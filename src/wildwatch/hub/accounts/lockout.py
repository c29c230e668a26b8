"""Failed-login throttling and lockout (django-axes), and sessions that follow privilege changes.

* Five failed logins for one user name from one client address lock that pair out for 15 minutes
  (``WILDWATCH_LOGIN_FAILURES``, ``WILDWATCH_LOCKOUT_MINUTES``); the login page then answers 429 with an
  explanation, even to the right password. A success resets the count. The client address is the one the report
  form's rate limit uses (``reports.abuse.client_ip``: ``X-Forwarded-For`` only from ``WILDWATCH_TRUSTED_PROXIES``).
  Every lockout is audited (``auth.lockout``); the admin lists the attempts and lockouts (axes' models).
* :class:`LockoutBackend` checks only logins that come with a request (the login page); a programmatic
  ``authenticate()`` without one (the test client's ``login()``, scripts) has no client to throttle.
* :class:`PrivilegeSessionMiddleware` rotates a signed-in user's session key when their privileges change (a role
  granted or withdrawn, staff or superuser status, deactivation), so a session cookie captured before the change
  is not the one that carries the new rights.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest, HttpResponseBase

SESSION_KEY = "_wildwatch_privileges"


class LockoutBackend(AxesStandaloneBackend):  # type: ignore[misc]
    def authenticate(self, request: HttpRequest | None, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> None:
        if request is None:
            return None
        super().authenticate(request, username, password, **kwargs)
        return None


def client_address(request: HttpRequest) -> str | None:
    """The client address axes counts failures by (``AXES_CLIENT_IP_CALLABLE``): the report form's
    (``reports.abuse.client_ip``), or None when the request has none (a programmatic login)."""
    from wildwatch.hub.reports.abuse import client_ip

    address = client_ip(request)
    return None if address == "unknown" else address


def audit_lockout(sender: Any, request: HttpRequest | None = None, username: str | None = None,
                  ip_address: str | None = None, **kwargs: Any) -> None:
    """``axes.signals.user_locked_out`` receiver: the lockout goes to the audit log, which is append-only and kept for
    good, so it holds no personal data beyond what accountability needs: the account by id (``user:<id>``, or
    ``unknown user`` when the name typed matches none: what was typed may be a mistyped password) and the client's
    network (IPv4 /24, IPv6 /48), not its address. The full address and the name typed stay in axes' failure
    records, which the retention purge erases (``WILDWATCH_RETAIN_LOGIN_FAILURE_DAYS``)."""
    from django.contrib.auth import get_user_model

    from .services import audit, user_target

    user = get_user_model().objects.filter(username=username or "").first() if username else None
    audit("auth.lockout", target=user_target(user) if user else "unknown user", network=client_network(ip_address))


def client_network(address: str | None) -> str:
    """The network of a client address: IPv4 /24, IPv6 /48 (``""`` when there is none or it is malformed)."""
    import ipaddress

    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return ""
    return str(ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 48}", strict=False))


def privilege_stamp(user: Any) -> str:
    """A digest of what the user may do: memberships and roles, staff, superuser and active flags."""
    from .models import Membership

    roles = sorted(Membership.objects.filter(user=user).values_list("organisation_id", "role"))
    text = f"{user.pk}|{user.is_active}|{user.is_staff}|{user.is_superuser}|{roles}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class PrivilegeSessionMiddleware:
    """After ``AuthenticationMiddleware``: a new session key when the signed-in user's privileges changed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            stamp = privilege_stamp(user)
            known = request.session.get(SESSION_KEY)
            if known is not None and known != stamp:
                request.session.cycle_key()
            if known != stamp:
                request.session[SESSION_KEY] = stamp
        return self.get_response(request)
