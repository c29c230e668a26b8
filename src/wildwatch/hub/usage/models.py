"""What checks leave behind: counts by organisation, platform, day, verdict, policy category and term.

Never a row per check: the API adds to an in-process buffer that is written in bulk (``services.flush``), and an
embedded engine sends its own daily totals (``POST /api/v1/usage``). Full listing texts are stored only for
items that become review cases (the reports-and-review app), never here.
"""

from __future__ import annotations

from django.db import models

from wildwatch.hub.accounts.models import Organisation, Platform


class Source(models.TextChoices):
    API = "api", "hub API"
    LOCAL = "local", "embedded engine"


class Metric(models.TextChoices):
    LISTINGS = "listings", "listings checked"
    TERM_HITS = "term_hits", "listings with a hit of the term"
    SEARCHES = "searches", "searches checked"
    POPUPS = "search_popups", "search pop-ups shown"
    #: the pop-ups that showed an awareness campaign's message (``term_id`` is the campaign's slug)
    CAMPAIGN_POPUPS = "campaign_popups", "campaign pop-ups shown"


class DailyCount(models.Model):
    """One counter. ``verdict``/``category`` are set for listings and term hits, ``term_id`` for term hits (and the
    campaign's slug for campaign pop-ups);
    the empty string stands for "not applicable" so that the unique key works the same on every database."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    source = models.CharField(max_length=10, choices=Source.choices)
    metric = models.CharField(max_length=20, choices=Metric.choices)
    verdict = models.CharField(max_length=10, blank=True, default="")
    category = models.CharField(max_length=20, blank=True, default="")
    term_id = models.CharField(max_length=200, blank=True, default="")
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["platform", "day", "source", "metric", "verdict", "category", "term_id"],
            name="unique_daily_count")]
        indexes = [models.Index(fields=["organisation", "day"]), models.Index(fields=["day", "metric"])]


class UsageReport(models.Model):
    """One ``POST /api/v1/usage`` accepted from an embedded engine (what was sent, for the audit trail)."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="+")
    library_version = models.CharField(max_length=64, blank=True)
    days = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
