"""A published progress report: frozen. Its figures, its HTML and its PDF are stored when it is published and never
change afterwards, even when the figures they came from are corrected (a correction shows in the next report).

Imported by ``metrics/models.py`` so that Django finds the model; written only by ``publication.publish``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportFrozen(Exception):
    """A published report cannot be changed or deleted."""


class FrozenQuerySet(models.QuerySet["ProgressReport"]):
    def update(self, **kwargs: Any) -> int:
        raise ReportFrozen("a published report never changes")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ReportFrozen("a published report is never deleted")


class ProgressReport(models.Model):
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    period_start = models.DateField(_("start of the period"))
    period_end = models.DateField(_("end of the period"))
    #: the figures as published: headline, since the last report, cumulative, highlights, methodology, trends
    figures = models.JSONField(default=dict)
    html = models.TextField()
    pdf = models.BinaryField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = FrozenQuerySet.as_manager()

    class Meta:
        app_label = "metrics"
        ordering = ["-published_at", "-pk"]
        verbose_name = _("progress report")

    def __str__(self) -> str:
        return f"{self.period_start} – {self.period_end} ({self.language})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or not self._state.adding:
            raise ReportFrozen("a published report never changes")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ReportFrozen("a published report is never deleted")
