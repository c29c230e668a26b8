"""Platform policy profiles: a member platform's overrides on top of the coalition's model policy.

A member admin proposes a version; an analyst approves or rejects it. The approved version with the highest number
is the platform's profile; the API checks that platform's listings with it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ProfileVersion(models.Model):
    class State(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        REJECTED = "rejected"

    platform = models.ForeignKey("accounts.Platform", on_delete=models.CASCADE, related_name="profile_versions")
    number = models.PositiveIntegerField()
    description = models.TextField(blank=True)
    overrides = models.JSONField(default=list)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["platform", "-number"]
        constraints = [models.UniqueConstraint(fields=["platform", "number"], name="unique_profile_version")]
