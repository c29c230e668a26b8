"""Law-enforcement holds, the notifications officers see, and their subscriptions to new cases.

A **hold** is an agency's request that the coalition's members leave a listing or a seller alone (``do not act``) or
remove it but keep its data (``remove and preserve``) until a date. Its identifiers (a listing URL, a seller account
on a platform, phone numbers, e-mail addresses, messaging handles) are stored only as keyed hashes of their
normalised form (see ``identifiers``): a dump of the database does not reveal whom an agency investigates. Writes go
through ``services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wildwatch.hub.accounts.models import Organisation, Platform
from wildwatch.hub.library.models import Taxon
from wildwatch.hub.reports.models import Case


class HoldKind(models.TextChoices):
    DO_NOT_ACT = "do_not_act", _("Do not act (leave the listing up until the date)")
    REMOVE_AND_PRESERVE = "remove_and_preserve", _("Remove and preserve (the platform keeps the data for the agency)")


class IdentifierKind(models.TextChoices):
    URL = "url", _("Listing URL")
    SELLER = "seller", _("Seller account on a platform")
    PHONE = "phone", _("Phone number")
    EMAIL = "email", _("E-mail address")
    HANDLE = "handle", _("Messaging handle")


class Hold(models.Model):
    agency = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="holds")
    kind = models.CharField(max_length=20, choices=HoldKind.choices)
    #: the agency's own reference; shown only to the agency's officers
    case_reference = models.CharField(max_length=100)
    #: the hold ends on this date: from then on it no longer matches
    until = models.DateField(db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    class Meta:
        ordering = ["until", "id"]

    def __str__(self) -> str:
        return f"hold {self.pk}"

    @property
    def active(self) -> bool:
        return self.lifted_at is None and self.until > timezone.localdate()


class HoldIdentifier(models.Model):
    """One identifier of a hold: never its plaintext, only an HMAC-SHA256 of its normalised form and a hint that
    does not identify anyone (the kind of identifier, the platform's host, the last two digits of a number)."""

    hold = models.ForeignKey(Hold, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(max_length=10, choices=IdentifierKind.choices)
    digest = models.CharField(max_length=64, db_index=True)
    hint = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["hold", "digest"], name="unique_hold_identifier")]


class NotificationKind(models.TextChoices):
    HOLD_MATCH = "hold_match", _("A check matched a hold")
    NEW_CASE = "new_case", _("New case for a subscription")


class Notification(models.Model):
    """What an agency's officers see on their page: a check that matched one of the agency's holds, or a new case
    that one of their subscriptions asked for. ``recipient`` is empty for the whole agency."""

    agency = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="enforcement_notifications")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="+")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    hold = models.ForeignKey(Hold, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    #: the member platform that asked (hold matches)
    platform = models.ForeignKey(Platform, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    #: ``case`` (a case was checked: at its referral, or when a member's report joined it), ``api`` (a member asked
    #: before acting) or ``subscription``
    source = models.CharField(max_length=20, blank=True)
    #: the hints of the hold's identifiers that matched (never the identifiers)
    matched = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    @property
    def matched_display(self) -> str:
        """The matched identifiers as an officer reads them: their kinds and hints."""
        labels = []
        for item in self.matched or []:
            kind = item.get("kind", "")
            label = str(IdentifierKind(kind).label) if kind in IdentifierKind.values else kind
            labels.append(f"{label} {item['hint']}" if item.get("hint") else label)
        return ", ".join(labels)


class Subscription(models.Model):
    """An officer's wish to hear of new cases in the agency's jurisdiction for a species or a country."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="enforcement_subscriptions")
    taxon = models.ForeignKey(Taxon, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    #: ISO 3166 alpha-2: the platform's countries or the seller's stated location
    country = models.CharField(max_length=2, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=~models.Q(taxon=None, country=""),
                                              name="subscription_taxon_or_country")]
