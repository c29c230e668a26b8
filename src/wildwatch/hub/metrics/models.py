"""Attested figures (versioned, locked once accepted) and the coalition's model policy with its adoptions.

Writes go through ``attestations`` and ``policy``. An accepted attestation never changes: a correction is a new
version that points at the one it corrects (``supersedes``); the newest accepted version of a chain counts.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wildwatch.hub.accounts.models import Organisation, Platform


class AttestationLocked(Exception):
    """An accepted attestation cannot change: correct it with a new version."""


class AttestationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for review")
    RETURNED = "returned", _("Sent back")
    ACCEPTED = "accepted", _("Accepted")


class Attestation(models.Model):
    """A member company's figures for a period (one platform, or the whole company when ``platform`` is empty)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    platform = models.ForeignKey(Platform, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    #: indicator key -> number (``indicators.ATTESTED_KEYS`` only)
    figures = models.JSONField(default=dict)
    note = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=AttestationState.choices, default=AttestationState.DRAFT,
                             db_index=True)
    version = models.PositiveIntegerField(default=1)
    supersedes = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="corrections")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-period_end", "organisation_id", "-version", "-id"]

    def __str__(self) -> str:
        return f"attestation {self.pk} v{self.version} ({self.period_start}–{self.period_end})"

    @property
    def locked(self) -> bool:
        return self.state == AttestationState.ACCEPTED

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and Attestation.objects.filter(pk=self.pk, state=AttestationState.ACCEPTED).exists():
            raise AttestationLocked(f"attestation {self.pk} is accepted and cannot change")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if Attestation.objects.filter(pk=self.pk, state=AttestationState.ACCEPTED).exists():
            raise AttestationLocked(f"attestation {self.pk} is accepted and cannot be deleted")
        return super().delete(*args, **kwargs)


class ModelPolicy(models.Model):
    """A version of the coalition's model policy: what member platforms prohibit, in English and French."""

    version = models.PositiveIntegerField(unique=True)
    categories_en = models.TextField()
    categories_fr = models.TextField()
    species_groups_en = models.TextField()
    species_groups_fr = models.TextField()
    products_en = models.TextField()
    products_fr = models.TextField()
    published_on = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"model policy v{self.version}"


class PolicyAdoption(models.Model):
    """A platform states it adopted a version of the model policy; a coalition analyst confirms it."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="+")
    policy = models.ForeignKey(ModelPolicy, on_delete=models.PROTECT, related_name="adoptions")
    public_url = models.URLField(max_length=500)
    adopted_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["platform", "policy"], name="unique_policy_adoption")]


# the dashboard engineer's published progress reports (their own module): imported here so that Django finds them
from .report_models import ProgressReport  # noqa: E402

__all__ = ["Attestation", "AttestationLocked", "AttestationState", "ModelPolicy", "PolicyAdoption", "ProgressReport"]
