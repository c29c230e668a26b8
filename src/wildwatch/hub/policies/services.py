"""Proposing, approving and reading platform policy profiles. Every write is atomic and audited."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from wildwatch.detect.policy import PolicyError, Profile
from wildwatch.hub.accounts.models import Platform
from wildwatch.hub.accounts.roles import COALITION, Role
from wildwatch.hub.accounts.services import audit, roles_of

from .models import ProfileVersion


def parse_overrides(raw: str | list[Any]) -> list[dict[str, Any]]:
    """Validate overrides (JSON text or a list) with the engine's own profile rules; a clear error otherwise."""
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError as exc:
        raise ValidationError(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from exc
    if not isinstance(data, list) or not all(isinstance(o, dict) for o in data):
        raise ValidationError("overrides must be a JSON list of objects with 'select' and 'category'")
    try:
        Profile.from_dict("check", {"overrides": data})
    except PolicyError as exc:
        raise ValidationError(str(exc)) from exc
    return data


def _admin_of(user: Any, platform: Platform) -> bool:
    return platform.organisation.memberships.filter(user=user, role=Role.MEMBER_ADMIN).exists()


@transaction.atomic
def propose_profile(platform: Platform, overrides: str | list[Any], *, actor: Any, description: str = "") -> ProfileVersion:
    if not _admin_of(actor, platform):
        raise PermissionDenied("only the platform's member admins may propose its policy profile")
    data = parse_overrides(overrides)
    Platform.objects.select_for_update().filter(pk=platform.pk).first()  # one numbering per platform at a time
    current = ProfileVersion.objects.filter(platform=platform).aggregate(n=Max("number"))["n"]
    version = ProfileVersion.objects.create(platform=platform, number=(current or 0) + 1, overrides=data,
                                            description=description, proposed_by=actor)
    audit("profile.propose", actor=actor, organisation=platform.organisation, target=f"{platform.slug}:{version.number}")
    return version


@transaction.atomic
def decide_profile(version: ProfileVersion, *, actor: Any, approve: bool, comment: str = "") -> ProfileVersion:
    if not roles_of(actor) & COALITION:
        raise PermissionDenied("only coalition analysts approve policy profiles")
    version = ProfileVersion.objects.select_for_update().get(pk=version.pk)
    if version.state != ProfileVersion.State.PENDING:
        raise ValidationError(f"version {version.number} is already {version.state}")
    version.state = ProfileVersion.State.APPROVED if approve else ProfileVersion.State.REJECTED
    version.decided_by = actor
    version.decided_at = timezone.now()
    version.decision_comment = comment
    version.save()
    audit("profile.approve" if approve else "profile.reject", actor=actor, target=f"{version.platform.slug}:"
          f"{version.number}", organisation=None, comment=comment)
    return version


def current_profile(platform: Platform) -> Profile | None:
    """The platform's approved profile (its latest approved version), or None for the coalition model alone."""
    version = platform.profile_versions.filter(state=ProfileVersion.State.APPROVED).order_by("-number").first()
    if version is None:
        return None
    return Profile.from_dict(f"{platform.slug}-v{version.number}",
                             {"description": version.description, "overrides": version.overrides})
