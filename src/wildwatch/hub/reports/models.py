"""Cases and the reports that make them.

A **case** is one listing (one canonical URL) that somebody reported or a check flagged; every **report** about the
same listing, whatever the spelling of its URL, joins the same case and keeps its reporter. A case moves through
triage (coalition analysts), referral to the member platform's queue (after the law-enforcement check), a review
decision, and perhaps a reopening. Writes go through ``services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wildwatch.hub.accounts.models import Platform
from wildwatch.hub.library.models import Taxon


class CaseStatus(models.TextChoices):
    TRIAGE = "triage", _("Waiting for triage")
    REJECTED = "rejected", _("Rejected at triage")
    OUTREACH = "outreach", _("Not a member platform: for outreach")
    ON_HOLD = "on_hold", _("Held for law enforcement")
    REFERRED = "referred", _("In the platform's review queue")
    DECIDED = "decided", _("Decided")


class ReportKind(models.TextChoices):
    PUBLIC = "public", _("Member of the public")
    VOLUNTEER = "volunteer", _("Cyber spotter")
    FORWARDED = "forwarded", _("Forwarded by the platform")
    AUTOMATED = "automated", _("Automated flag")


class Case(models.Model):
    canonical_url = models.CharField(max_length=2048, unique=True)
    url = models.URLField(max_length=2048, help_text="the URL as first reported, for display")
    host = models.CharField(max_length=255, db_index=True)
    platform = models.ForeignKey(Platform, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(max_length=20, choices=CaseStatus.choices, default=CaseStatus.TRIAGE, db_index=True)
    # what is sold, as the reports and checks describe it
    listing_text = models.TextField(blank=True)
    taxon = models.ForeignKey(Taxon, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    species_text = models.CharField(max_length=300, blank=True)
    product = models.CharField(max_length=40, blank=True)
    category = models.CharField(max_length=20, blank=True, help_text="policy category (from a check or the taxon)")
    live_animal = models.BooleanField(default=False)
    quantity_text = models.CharField(max_length=100, blank=True)
    seller_handle = models.CharField(max_length=200, blank=True)
    seller_contacts = models.JSONField(default=list, blank=True)
    seller_location = models.CharField(max_length=100, blank=True)
    #: ids of the library terms that flagged it (automated flags): a decision confirms or rejects them
    term_ids = models.JSONField(default=list, blank=True)
    # severity, recomputed whenever the facts change
    severity = models.PositiveSmallIntegerField(default=0, db_index=True)
    #: the hub's classifier's probability that the listing is wildlife trade, when it was referred (None: no
    #: model, or no listing text); orders the queue of members that chose active learning
    model_score = models.FloatField(null=True, blank=True)
    severity_reasons = models.JSONField(default=list, blank=True)
    #: what the member may learn of a law-enforcement hold on the case (``HoldNotice.to_dict()``), while held
    hold_notice = models.JSONField(default=dict, blank=True)
    # triage
    triaged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    triaged_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.TextField(blank=True)
    # the member platform's queue (the review app claims and decides)
    referred_at = models.DateTimeField(null=True, blank=True, db_index=True)
    due_at = models.DateTimeField(null=True, blank=True, help_text="referred_at + the member's SLA")
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    claimed_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-severity", "created_at"]
        indexes = [models.Index(fields=["platform", "status", "claimed_by"])]

    def __str__(self) -> str:
        return f"case {self.pk} ({self.host})"


class Report(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    #: what the reporter uses to follow the report at /reports/<code> (public and volunteer reports)
    tracking_code = models.CharField(max_length=20, unique=True, null=True, blank=True)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="wildlife_reports")
    reporter_email = models.EmailField(blank=True, help_text="for updates; never shown to platforms")
    platform = models.ForeignKey(Platform, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 help_text="the member platform that forwarded or flagged it")
    external_id = models.CharField(max_length=200, blank=True, help_text="the platform's own id (forwarded, flags)")
    url = models.CharField(max_length=2048)
    species_text = models.CharField(max_length=300, blank=True)
    product = models.CharField(max_length=40, blank=True)
    listing_text = models.TextField(blank=True)
    seller_handle = models.CharField(max_length=200, blank=True)
    seller_contacts = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True)
    screenshot = models.FileField(upload_to="screenshots/%Y/%m/", blank=True)
    screenshot_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["platform", "kind", "external_id"],
                                               condition=~models.Q(external_id=""),
                                               name="unique_platform_report")]
        indexes = [models.Index(fields=["kind", "created_at"], name="report_kind_created")]  # the metrics


class Action(models.TextChoices):
    REMOVED_LISTING = "removed_listing", _("Listing removed")
    REMOVED_ACCOUNT = "removed_account", _("Account removed")
    REMOVED_POST = "removed_post", _("Post removed")
    REMOVED_GROUP = "removed_group", _("Group removed")
    NO_VIOLATION = "no_violation", _("No violation")


class Decision(models.Model):
    """A reviewer's decision on a case. Final, unless a member admin reopens it (the decision stays, marked)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="decisions")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    category = models.CharField(max_length=20)
    action = models.CharField(max_length=20, choices=Action.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reopen_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    @property
    def confirmed(self) -> bool:
        """The reported listing broke a rule (any removal)."""
        return self.action != Action.NO_VIOLATION


class MemberSettings(models.Model):
    """A member company's review settings."""

    organisation = models.OneToOneField("accounts.Organisation", on_delete=models.CASCADE,
                                        related_name="review_settings")
    sla_hours = models.PositiveIntegerField(default=24)
    #: checks through the API whose verdict is ``review`` become cases in the member's queue
    send_reviews_to_queue = models.BooleanField(default=False)

    class QueueOrder(models.TextChoices):
        URGENT = "urgent", "most urgent first (overdue, severity, due time)"
        UNCERTAIN = "uncertain", "overdue first, then the cases the classifier is least sure of (active learning)"

    #: how the review queue is ordered
    queue_order = models.CharField(max_length=10, choices=QueueOrder.choices, default=QueueOrder.URGENT)
