"""What the volunteer programme keeps besides reports (which are ``reports.Report`` rows of kind "volunteer")."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class UsedFormToken(models.Model):
    """The one-time token of a submission form that was sent: stored in the same transaction as the reports it
    filed, so that the same form sent twice (a double click, a reload) files nothing the second time."""

    nonce = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    report_ids = models.JSONField(default=list, blank=True)
    used_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"form {self.nonce[:8]}… of {self.user_id}"
