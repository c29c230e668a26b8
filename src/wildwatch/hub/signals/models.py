"""The signal bank: hashes of removed content shared among member companies (never raw personal data).

A ``Signal`` is one hash: a PDQ perceptual hash or an exact SHA-256 of an image, a MinHash of a listing's
normalised text, or an HMAC of a seller's normalised contact (keyed with a key the hub alone holds; ``key_id``
names it, so that keys rotate). The same value contributed by several members is one signal with one
``Contribution`` each: "removed by N members" counts them, and no answer ever names them.

``LogEntry`` is the append-only log that members pull with a cursor (``seq``). Its sequence numbers are handed
out under a row lock held until the writing transaction commits (``services.log``), so entries become visible in
``seq`` order and a cursor never skips one that commits late.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from wildwatch.hub.accounts.models import Organisation, Platform


class Kind(models.TextChoices):
    IMAGE_PDQ = "image_pdq", "image (PDQ perceptual hash)"
    IMAGE_SHA256 = "image_sha256", "image (exact SHA-256)"
    TEXT = "text_minhash", "listing text (MinHash)"
    CONTACT = "contact", "seller contact (HMAC)"


#: kinds that members may pull and keep a copy of (contacts never leave the hub)
SHAREABLE = (Kind.IMAGE_PDQ, Kind.IMAGE_SHA256, Kind.TEXT)


class Status(models.TextChoices):
    ACTIVE = "active", "active"
    DISPUTED = "disputed", "disputed (waiting for an analyst)"
    RETRACTED = "retracted", "retracted"
    EXPIRED = "expired", "expired"


class Signal(models.Model):
    kind = models.CharField(max_length=20, choices=Kind.choices)
    #: PDQ (hex, 64), SHA-256 (hex, 64), the MinHash (base64: ``TextFingerprint.to_base64``) or the contact's HMAC (hex)
    value = models.TextField()
    #: the contact HMAC key's id (contacts only)
    key_id = models.CharField(max_length=40, blank=True)
    #: a short digest of (kind, key_id, value): the unique key (``value`` may be long)
    fingerprint = models.CharField(max_length=64, unique=True)
    category = models.CharField(max_length=20)
    #: the first contributor (for retraction); never shown to other members
    contributor = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    retracted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "status"])]


class Contribution(models.Model):
    """One member's removal behind a signal (a second report by the same member adds nothing)."""

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="contributions")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    platform = models.ForeignKey(Platform, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    #: how it came: a removal reported through ``POST /decisions``, or ``POST /signals``
    source = models.CharField(max_length=20)
    item_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["signal", "organisation"], name="one_contribution_per_member")]


class Opinion(models.TextChoices):
    CONFIRM = "confirm", "confirm"
    DISPUTE = "dispute", "dispute"


class SignalOpinion(models.Model):
    """A member that matched a signal confirms it or disputes it (its latest opinion counts)."""

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="opinions")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    opinion = models.CharField(max_length=10, choices=Opinion.choices)
    comment = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["signal", "organisation"], name="one_opinion_per_member")]


class Op(models.TextChoices):
    ADD = "add", "added"
    REMOVE = "remove", "no longer to match (retracted, disputed or expired)"


class LogEntry(models.Model):
    """The pull log: append-only, in commit order (see the module)."""

    seq = models.BigIntegerField(unique=True)
    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="+")
    op = models.CharField(max_length=10, choices=Op.choices)
    created_at = models.DateTimeField(auto_now_add=True)


class Match(models.Model):
    """A member's checks matched a signal (what lets it give an opinion on it)."""

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="matches")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    count = models.PositiveIntegerField(default=0)
    first_at = models.DateTimeField(auto_now_add=True)
    last_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["signal", "organisation"], name="one_match_row_per_member")]


class LogCounter(models.Model):
    """One row: the last ``seq`` handed out. Locked (``SELECT … FOR UPDATE``) by each writer until it commits."""

    last = models.BigIntegerField(default=0)


class Sharing(models.Model):
    """A member company's participation: only companies with sharing enabled contribute, match and pull."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="signal_sharing")
    enabled = models.BooleanField(default=False)
    changed_at = models.DateTimeField(auto_now=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
