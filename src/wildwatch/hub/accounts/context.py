"""Template context: the signed-in user's roles, so that the navigation offers only the pages they may use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .roles import COALITION, LIBRARY_READERS, MEMBERS, Role
from .services import roles_of


def roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    mine = roles_of(user) if user is not None and user.is_authenticated else set()
    if mine and _owes_second_factor(request):
        mine = set()  # half signed in: the navigation offers nothing the second factor has not opened yet
    return {"nav": {
        "usage": bool(mine & (COALITION | MEMBERS)),
        "api_keys": Role.MEMBER_ADMIN in mine,
        "triage": bool(mine & COALITION),
        "review_queue": bool(mine & {Role.REVIEWER, Role.MEMBER_ADMIN}),
        "volunteer": Role.VOLUNTEER in mine,
        "enforcement": Role.OFFICER in mine,
        "library": bool(mine & LIBRARY_READERS),
        "members": bool(mine - {Role.VOLUNTEER}),
        "plans": bool(mine & {Role.ANALYST, Role.REVIEWER, Role.MEMBER_ADMIN, Role.ENGINEER}),
        "campaigns": bool(mine & (COALITION | MEMBERS)),
        "metrics": bool(mine & (COALITION | MEMBERS)),
        "signals": bool(mine & (COALITION | {Role.MEMBER_ADMIN})),
    }}


def _owes_second_factor(request: HttpRequest) -> bool:
    from .twofactor import enabled_for, is_verified, required_for

    return not is_verified(request) and (enabled_for(request.user) or required_for(request.user))
