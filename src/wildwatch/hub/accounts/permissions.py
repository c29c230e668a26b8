"""Role checks for views. Every view is wrapped in ``roles_required`` (or marked ``public``); a test walks the URL
patterns and checks each against every role and the anonymous user."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from .services import roles_of

View = Callable[..., HttpResponseBase]
PUBLIC = "public"


def roles_required(roles: Iterable[str]) -> Callable[[View], View]:
    allowed = frozenset(roles)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not roles_of(request.user) & allowed:
                raise PermissionDenied("your role may not use this page")
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = allowed  # type: ignore[attr-defined]
        return wrapped

    return decorator


def public(view: View) -> View:
    """Marks a view that anyone may use, the public included."""
    view.allowed_roles = PUBLIC  # type: ignore[attr-defined]
    return view


SIGNED_IN = "signed-in"


def signed_in(view: View) -> View:
    """Marks a view for anyone signed in, whatever their role (or none: a staff account): their own account's
    pages, such as the two-factor settings."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapped.allowed_roles = SIGNED_IN  # type: ignore[attr-defined]
    return wrapped
