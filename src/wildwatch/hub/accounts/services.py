"""Every write about organisations, people and keys goes through these functions; each one is audited."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from .models import ApiKey, AuditEntry, Membership, Organisation, Platform
from .roles import ROLES_BY_KIND, Role

User = get_user_model()
KEY_PREFIX = "ww"


class AccountsError(ValueError):
    """A request that breaks a rule of the accounts domain (unknown organisation, role not allowed, ...)."""


def user_target(user: Any) -> str:
    """How an audit entry names a person it is about: by account id, never by name (the log is kept for good; a
    volunteer's name must go when their account does). The audit page shows the current name beside it."""
    return f"user:{user.pk}"


def audit(action: str, *, actor: Any = None, organisation: Organisation | None = None, api_key: ApiKey | None = None,
          target: str = "", **details: Any) -> AuditEntry:
    if isinstance(actor, AnonymousUser):
        actor = None
    if organisation is None and actor is not None:
        membership = Membership.objects.filter(user=actor).select_related("organisation").first()
        organisation = membership.organisation if membership else None
    return AuditEntry.objects.create(actor=actor, organisation=organisation, api_key=api_key, action=action,
                                     target=target[:200], details=details)


@transaction.atomic
def create_organisation(slug: str, name: str, kind: str, *, country: str = "", actor: Any = None) -> Organisation:
    org, created = Organisation.objects.get_or_create(slug=slug, defaults={"name": name, "kind": kind,
                                                                            "country": country})
    if created:
        audit("organisation.create", actor=actor, organisation=org, target=slug, kind=kind)
    return org


@transaction.atomic
def add_platform(org: Organisation, slug: str, name: str, type: str, countries: list[str] | None = None,
                 *, domains: list[str] | None = None, actor: Any = None) -> Platform:
    if org.kind != "member":
        raise AccountsError(f"only member companies have platforms, and {org.slug} is a {org.kind}")
    hosts = [d.strip().lower().removeprefix("www.") for d in domains or [] if d.strip()]
    platform, created = Platform.objects.get_or_create(
        slug=slug, defaults={"organisation": org, "name": name, "type": type, "countries": countries or [],
                             "domains": hosts})
    if created:
        audit("platform.create", actor=actor, organisation=org, target=slug, type=type)
    return platform


@transaction.atomic
def add_member(org: Organisation, username: str, role: str, *, password: str | None = None, email: str = "",
               actor: Any = None) -> AbstractBaseUser:
    if role not in ROLES_BY_KIND[org.kind]:
        raise AccountsError(f"an organisation of kind {org.kind} cannot give the role {role}")
    user, created = User.objects.get_or_create(username=username, defaults={"email": email})
    if created:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    if role == Role.COALITION_ADMIN and not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True  # the Django admin, for raw data, is the coalition admins' tool
        user.save(update_fields=["is_staff", "is_superuser"])
    _, new_role = Membership.objects.get_or_create(user=user, organisation=org, role=role)
    if created or new_role:
        audit("member.add", actor=actor, organisation=org, target=user_target(user), role=role)
    return user


def roles_of(user: Any) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return set(Membership.objects.filter(user=user).values_list("role", flat=True))


def organisations_of(user: Any) -> list[Organisation]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(Organisation.objects.filter(memberships__user=user).distinct())


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@transaction.atomic
def create_api_key(org_slug: str, platform_slug: str | None = None, role: str = Role.ENGINEER, *, name: str = "",
                   actor: Any = None) -> tuple[ApiKey, str]:
    """A new key for a platform of a member company (its first platform by default). Returns the key and the
    plaintext, which is shown once and never stored."""
    try:
        org = Organisation.objects.get(slug=org_slug)
    except Organisation.DoesNotExist as exc:
        raise AccountsError(f"no organisation {org_slug!r}") from exc
    if org.kind != "member":
        raise AccountsError(f"API keys belong to member companies' platforms; {org_slug} is a {org.kind}")
    platforms = org.platforms.order_by("created_at", "id")
    platform = platforms.filter(slug=platform_slug).first() if platform_slug else platforms.first()
    if platform is None:
        raise AccountsError(f"{org_slug} has no platform {platform_slug!r}" if platform_slug
                            else f"{org_slug} has no platform yet")
    if role not in ROLES_BY_KIND[org.kind]:
        raise AccountsError(f"a key cannot have the role {role}")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(platform=platform, role=role, prefix=prefix, secret_hash=_hash(secret), name=name,
                                created_by=actor if getattr(actor, "is_authenticated", False) else None)
    audit("apikey.create", actor=actor, organisation=org, target=f"{platform.slug}:{prefix}", role=role)
    return key, f"{KEY_PREFIX}_{prefix}_{secret}"


def authenticate_key(plaintext: str) -> ApiKey | None:
    """The active key for a plaintext, or None (unknown, malformed or revoked)."""
    parts = plaintext.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    key = ApiKey.objects.select_related("platform__organisation").filter(prefix=parts[1]).first()
    if key is None or key.revoked_at is not None or not secrets.compare_digest(key.secret_hash, _hash(parts[2])):
        return None
    if key.expires_at is not None and key.expires_at <= timezone.now():
        return None
    return key


@transaction.atomic
def revoke_api_key(key: ApiKey, *, actor: Any = None) -> None:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit("apikey.revoke", actor=actor, organisation=key.platform.organisation, target=key.prefix)
        _forget_cached_keys()


#: the longest a rotated key may keep working beside its replacement
MAX_GRACE = timedelta(days=30)


@transaction.atomic
def rotate_api_key(key: ApiKey, *, grace: timedelta = timedelta(0), actor: Any = None) -> tuple[ApiKey, str]:
    """A new key with the same platform, role and name; the old one stops working now (no grace) or at the end
    of the grace period, so that a platform can deploy the new key first. Returns the new key and its plaintext."""
    if grace < timedelta(0) or grace > MAX_GRACE:
        raise AccountsError(f"the grace period is between 0 and {MAX_GRACE.days} days")
    key = ApiKey.objects.select_for_update().select_related("platform__organisation").get(pk=key.pk)
    if key.state in ("revoked", "expired"):
        raise AccountsError(f"key {key.prefix} is {key.state}: create a new key instead")
    if key.replaced_by_id is not None:
        raise AccountsError(f"key {key.prefix} was already rotated")
    new, plaintext = create_api_key(key.platform.organisation.slug, key.platform.slug, key.role, name=key.name,
                                    actor=actor)
    now = timezone.now()
    key.replaced_by = new
    if grace:
        key.expires_at = now + grace
    else:
        key.revoked_at = now
    key.save(update_fields=["replaced_by", "expires_at", "revoked_at"])
    audit("apikey.rotate", actor=actor, organisation=key.platform.organisation, target=key.prefix,
          new_key=new.prefix, grace_hours=round(grace.total_seconds() / 3600, 2))
    _forget_cached_keys()
    return new, plaintext


def keys_of_organisation(org: Organisation) -> list[ApiKey]:
    return list(ApiKey.objects.filter(platform__organisation=org).select_related("platform", "created_by",
                                                                                  "replaced_by").order_by(
        "platform__name", "-created_at"))


def _forget_cached_keys() -> None:
    """The API processes keep authenticated keys a few seconds: this one forgets them at once."""
    from wildwatch.hub.checks.auth import forget_keys

    forget_keys()
