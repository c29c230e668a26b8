"""The curated keyword library. Writes go through ``services``; a published ``Release`` is immutable.

The fields mirror the engine's library (``wildwatch.detect.library``): taxa and common names form the public layer,
terms (with rules, profiles and messages) the confidential one.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from wildwatch.detect.categories import BENIGN_CONTEXTS, CATEGORIES, PRODUCTS, TERM_KINDS

CATEGORY_CHOICES = [(c, c) for c in CATEGORIES]
KIND_CHOICES = [(k, k) for k in TERM_KINDS if k != "name"]
PRODUCT_CHOICES = [(p, p) for p in PRODUCTS]
CONTEXT_CHOICES = [(c, c) for c in BENIGN_CONTEXTS]


class Taxon(models.Model):
    taxon_id = models.SlugField(max_length=120, unique=True)
    scientific_name = models.CharField(max_length=200, db_index=True)
    rank = models.CharField(max_length=40, default="species")
    group = models.CharField(max_length=80, blank=True, db_index=True)
    cites_appendix = models.CharField(max_length=8, blank=True)
    category = models.CharField(max_length=20, choices=CATEGORY_CHOICES)
    products = models.JSONField(default=list, blank=True)
    synonyms = models.JSONField(default=list, blank=True)
    source = models.TextField(blank=True)

    class Meta:
        ordering = ["scientific_name"]

    def __str__(self) -> str:
        return self.scientific_name


class CommonName(models.Model):
    """A common name (public layer, CC-BY-SA where it comes from the species-names dataset)."""

    name_id = models.CharField(max_length=200, unique=True)
    taxon = models.ForeignKey(Taxon, on_delete=models.CASCADE, related_name="names")
    lang = models.CharField(max_length=16, db_index=True)
    name = models.CharField(max_length=200, db_index=True)
    ambiguous = models.BooleanField(default=False)
    source = models.TextField(blank=True)

    class Meta:
        ordering = ["lang", "name"]


class Term(models.Model):
    """A confidential detection term, with its effectiveness counters."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        RETIRED = "retired"

    term_id = models.CharField(max_length=200, unique=True)
    term = models.CharField(max_length=300, db_index=True)
    lang = models.CharField(max_length=16, db_index=True)
    kind = models.CharField(max_length=20, choices=KIND_CHOICES, db_index=True)
    taxon = models.ForeignKey(Taxon, null=True, blank=True, on_delete=models.PROTECT, related_name="terms")
    group = models.CharField(max_length=80, blank=True)
    product = models.CharField(max_length=40, blank=True, choices=PRODUCT_CHOICES)
    category = models.CharField(max_length=20, blank=True, choices=CATEGORY_CHOICES)
    ambiguous = models.BooleanField(default=False)
    context = models.CharField(max_length=20, blank=True, choices=CONTEXT_CHOICES)
    tags = models.JSONField(default=list, blank=True)
    source = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    # effectiveness, fed by review decisions and member feedback
    hits = models.PositiveIntegerField(default=0)
    confirmed = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "lang", "term"]

    @property
    def precision(self) -> float | None:
        decided = self.confirmed + self.rejected
        return self.confirmed / decided if decided else None


class LibraryDocument(models.Model):
    """The library's JSON documents other than taxa, names and terms: rules, profiles, messages."""

    key = models.CharField(max_length=40, unique=True)  # "rules", "profiles", "messages"
    value = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)


class Proposal(models.Model):
    """A curation proposal: an analyst proposes, a second analyst approves or rejects."""

    class Action(models.TextChoices):
        ADD = "add"
        EDIT = "edit"
        RETIRE = "retire"

    class State(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        REJECTED = "rejected"

    action = models.CharField(max_length=10, choices=Action.choices)
    term = models.ForeignKey(Term, null=True, blank=True, on_delete=models.CASCADE, related_name="proposals")
    payload = models.JSONField(default=dict)  # the proposed term fields (add, edit)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-proposed_at"]


class ReleaseImmutable(Exception):
    """A published release cannot be changed or deleted."""


class ReleaseQuerySet(models.QuerySet["Release"]):
    """Bulk updates and deletes of releases are refused as well."""

    def update(self, **kwargs: Any) -> int:
        raise ReleaseImmutable("published releases cannot change")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ReleaseImmutable("published releases cannot be deleted")


class Release(models.Model):
    """An immutable, numbered, signed release of the whole library."""

    objects = ReleaseQuerySet.as_manager()

    number = models.PositiveIntegerField(unique=True)
    library_version = models.CharField(max_length=40)
    content_digest = models.CharField(max_length=80)
    bundle = models.BinaryField()
    signature = models.CharField(max_length=200)  # base64 Ed25519 signature of the content digest
    changelog = models.TextField(blank=True)
    term_snapshot = models.JSONField(default=dict)  # term_id -> content hash, for diffs
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and Release.objects.filter(pk=self.pk).exists():
            raise ReleaseImmutable(f"release {self.number} is published and cannot change")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ReleaseImmutable(f"release {self.number} is published and cannot be deleted")


class Download(models.Model):
    """A copy of a release handed to an organisation: watermarked with its own canary terms."""

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="downloads")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    api_key = models.ForeignKey("accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL)
    etag = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)


class Canary(models.Model):
    """A plausible decoy term given to one organisation only: it names the source of a leaked copy."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="canaries")
    term = models.CharField(max_length=200, unique=True)
    lang = models.CharField(max_length=16, default="en")
    created_at = models.DateTimeField(auto_now_add=True)


class RejectedCandidate(models.Model):
    """A keyword-discovery candidate an analyst turned down: never proposed again (``term`` is normalised)."""

    term = models.CharField(max_length=300, unique=True)
    rejected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    rejected_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)
