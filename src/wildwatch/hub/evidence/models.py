"""Evidence packages exported from the hub, and their chain of custody.

The hub keeps each package's signed manifest (not the ZIP itself: the screenshots stay where they are), so that a
package shown in court can be matched to the export that made it. Every export and every view of a package is a
custody entry; the entries are never changed or deleted, and outlive the accounts of the people who made them.
Writes go through ``services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wildwatch.hub.accounts.models import Organisation
from wildwatch.hub.reports.models import Case


class Package(models.Model):
    """One exported package: its manifest (exact bytes, UTF-8) and the hub's signature of them."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence_packages")
    manifest_digest = models.CharField(max_length=71, unique=True, help_text="sha256:… of manifest.json")
    manifest = models.TextField(help_text="manifest.json, exactly as exported")
    signature = models.CharField(max_length=200, help_text="manifest.sig: base64 Ed25519 signature of manifest.json")
    files = models.PositiveIntegerField(help_text="files listed in the manifest")
    size = models.PositiveBigIntegerField(help_text="bytes of the ZIP file")
    reference = models.CharField(max_length=200, blank=True, help_text="the exporter's reference (optional)")
    exported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(help_text="the manifest's created_at")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"evidence of case {self.case_id} ({self.manifest_digest[:19]}…)"

    @property
    def hex_digest(self) -> str:
        return self.manifest_digest.removeprefix("sha256:")


class CustodyAction(models.TextChoices):
    EXPORT = "export", _("Exported")
    VIEW = "view", _("Viewed")


class CustodyEntry(models.Model):
    """Who exported or viewed a package, when, for which organisation, and which package (its manifest digest)."""

    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="custody")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20, choices=CustodyAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    #: the user name at the time: kept when the account is deleted
    actor_username = models.CharField(max_length=150)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    organisation_name = models.CharField(max_length=200, blank=True)
    manifest_digest = models.CharField(max_length=71, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "custody entries"

    def __str__(self) -> str:
        return f"{self.action} of {self.manifest_digest[:19]}… by {self.actor_username}"
