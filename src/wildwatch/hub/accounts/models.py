"""Organisations, platforms, memberships, API keys and the audit log. Writes go through ``services``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from .roles import OrgKind, PlatformType, Role


class Organisation(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=OrgKind.choices)
    country = models.CharField(max_length=2, blank=True)
    #: when it joined the coalition (membership growth; the public members page); None: not yet recorded
    joined_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Platform(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="platforms")
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=20, choices=PlatformType.choices)
    countries = models.JSONField(default=list, blank=True)
    policy_profile = models.CharField(max_length=100, blank=True, default="")
    #: the web hosts of the platform ("shop.example", without "www."): a reported URL on one of them is its case
    domains = models.JSONField(default=list, blank=True)
    joined_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation.slug})"


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation", "role"], name="unique_membership")]


class ApiKey(models.Model):
    """A key of one platform. Only a SHA-256 of the secret is stored; the prefix identifies it in lists."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="api_keys")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.ENGINEER)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    name = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    #: set when the key is rotated with a grace period: it keeps working until then
    expires_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)

    @property
    def state(self) -> str:
        """``active``, ``expiring`` (rotated, in its grace period), ``expired`` or ``revoked``."""
        from django.utils import timezone

        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None:
            return "expired" if self.expires_at <= timezone.now() else "expiring"
        return "active"


class AuditImmutable(Exception):
    """An attempt to change or delete an audit entry: the log is append-only."""


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditImmutable("audit entries are append-only: they cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditImmutable("audit entries are append-only: they cannot be deleted")


class AuditEntry(models.Model):
    """Who did what, when: every write and every export of confidential data.

    Append-only: saving an existing entry, deleting one and bulk updates or deletes raise ``AuditImmutable`` (the
    admin shows entries read-only). Entries are sealed into a hash chain shortly after they are written
    (``auditchain.seal``): ``seq`` is the position in the chain, ``payload`` the canonical JSON of the entry as
    sealed, ``entry_hash`` = SHA-256(``prev_hash`` + newline + ``payload``). The chain's head is anchored outside
    the database (``auditchain.anchor``), and ``wildwatch hub auditchain verify`` checks both."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL)
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=100, db_index=True)
    target = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    seq = models.BigIntegerField(unique=True, null=True, blank=True, editable=False)
    payload = models.TextField(blank=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    entry_hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditImmutable("audit entries are append-only: they cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditImmutable("audit entries are append-only: they cannot be deleted")


class AuditHead(models.Model):
    """The sealed chain's head (a single row, locked while sealing)."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    sealed_at = models.DateTimeField(null=True, blank=True)
