"""Evidence packages: who may have them, exporting one (signed, audited, in the custody log), viewing one.

``officer_may_see`` is the one rule for a law-enforcement officer's jurisdiction over a case; other apps (the
officers' case lists) use it too. Verifying a package needs no Django: see ``package.verify_package``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

import wildwatch
from wildwatch.hub.accounts.models import Membership, Organisation
from wildwatch.hub.accounts.roles import COALITION, OrgKind, Role
from wildwatch.hub.accounts.services import audit, roles_of
from wildwatch.hub.library.services import public_key, signing_key
from wildwatch.hub.reports.models import Case, CaseStatus

from .contents import iso, package_files
from .jurisdiction import countries_mentioned
from .models import CustodyAction, CustodyEntry, Package
from .package import EvidenceError, Verification, key_fingerprint, verify_package, write_package

__all__ = [
    "OFFICER_STATUSES",
    "EvidenceError",
    "Exported",
    "build_package",
    "cases_an_officer_may_see",
    "hub_key_fingerprint",
    "may_export",
    "officer_countries",
    "officer_may_see",
    "record_view",
    "verify_package",
    "verify_with_hub_key",
]

#: the cases law enforcement may see: accepted at triage (held for them, in a platform's queue, or decided)
OFFICER_STATUSES = frozenset({CaseStatus.REFERRED, CaseStatus.DECIDED, CaseStatus.ON_HOLD})


def officer_countries(user: Any) -> set[str]:
    """The countries (ISO alpha-2, upper case) of the agencies where ``user`` is a law-enforcement officer."""
    if not getattr(user, "is_authenticated", False):
        return set()
    countries = Membership.objects.filter(user=user, role=Role.OFFICER, organisation__kind=OrgKind.AGENCY
                                          ).values_list("organisation__country", flat=True)
    return {c.strip().upper() for c in countries if c and c.strip()}


def officer_may_see(user: Any, case: Case) -> bool:
    """Whether a law-enforcement officer may see (and export) a case: it was accepted at triage (referred, decided
    or on hold) and it is in the jurisdiction of the officer's agency, that is the agency's country is one of the
    platform's countries or the seller's location mentions it (by name or ISO code)."""
    if case.status not in OFFICER_STATUSES:
        return False
    countries = officer_countries(user)
    if not countries:
        return False
    platform_countries = {str(c).strip().upper() for c in case.platform.countries} if case.platform else set()
    return bool(countries & platform_countries) or bool(countries & countries_mentioned(case.seller_location))


def cases_an_officer_may_see(user: Any, cases: Iterable[Case] | None = None) -> list[Case]:
    """The cases (of ``cases``, by default all) that ``officer_may_see`` allows: narrowed by status in the database,
    then checked one by one (a seller's location is free text)."""
    if not officer_countries(user):
        return []
    if cases is None:
        cases = Case.objects.filter(status__in=OFFICER_STATUSES).select_related("platform")
    return [case for case in cases if officer_may_see(user, case)]


def may_export(user: Any, case: Case) -> bool:
    """Coalition analysts may export the evidence of any case; officers that of the cases in their jurisdiction."""
    roles = roles_of(user)
    if roles & COALITION:
        return True
    return Role.OFFICER in roles and officer_may_see(user, case)


def _acting_organisation(user: Any) -> Organisation | None:
    """The organisation the user acts for here: their coalition NGO or agency, else their first one."""
    memberships = Membership.objects.filter(user=user).select_related("organisation").order_by("created_at", "pk")
    chosen = next((m for m in memberships if m.role in COALITION | {Role.OFFICER}), None)
    chosen = chosen or memberships.first()
    return chosen.organisation if chosen else None


def hub_key_fingerprint() -> str:
    return key_fingerprint(public_key())


@dataclass(frozen=True)
class Exported:
    package: Package
    data: bytes  #: the ZIP file

    @property
    def filename(self) -> str:
        return f"wildwatch-evidence-case-{self.package.case_id}-{self.package.created_at:%Y%m%dT%H%M%SZ}.zip"


def _custody(package: Package, action: str, actor: Any, organisation: Organisation | None) -> CustodyEntry:
    return CustodyEntry.objects.create(
        package=package, case_id=package.case_id, action=action, actor=actor, actor_username=actor.get_username(),
        organisation=organisation, organisation_name=organisation.name if organisation else "",
        manifest_digest=package.manifest_digest)


@transaction.atomic
def build_package(case: Case, actor: Any, *, reference: str = "") -> Exported:
    """Export the evidence of a case: a ZIP whose manifest the hub signs. The hub keeps the manifest and its
    signature, logs the export in the case's custody log, and audits it (``evidence.export`` with the manifest's
    digest). The caller checks ``may_export`` first."""
    if not getattr(actor, "is_authenticated", False):
        raise EvidenceError("only a signed-in user may export evidence")
    case = Case.objects.select_related("platform", "taxon").get(pk=case.pk)
    reference = " ".join(reference.split())[:200]
    organisation = _acting_organisation(actor)
    created_at = timezone.now()  # UTC (USE_TZ)
    header = {
        "case_id": case.pk, "case_url": case.url, "created_at": iso(created_at), "reference": reference,
        "exported_by": {"username": actor.get_username(), "organisation": organisation.name if organisation else None},
        "hub": {"software": "wildwatch", "version": wildwatch.__version__},
    }
    files = package_files(case)
    written = write_package(files, header, signing_key(), created_at)
    package = Package.objects.create(
        case=case, manifest_digest=written.manifest_digest, manifest=written.manifest.decode("utf-8"),
        signature=written.signature, files=len(files), size=len(written.data), reference=reference,
        exported_by=actor, created_at=created_at)
    _custody(package, CustodyAction.EXPORT, actor, organisation)
    audit("evidence.export", actor=actor, organisation=organisation, target=f"case:{case.pk}",
          manifest_digest=written.manifest_digest, files=len(files), bytes=len(written.data),
          reference=reference)
    return Exported(package, written.data)


@transaction.atomic
def record_view(package: Package, actor: Any) -> CustodyEntry:
    """Somebody looked at an exported package (its manifest, its files' hashes): a custody entry, audited."""
    organisation = _acting_organisation(actor)
    entry = _custody(package, CustodyAction.VIEW, actor, organisation)
    audit("evidence.view", actor=actor, organisation=organisation, target=f"case:{package.case_id}",
          manifest_digest=package.manifest_digest)
    return entry


def verify_with_hub_key(data: bytes) -> Verification:
    """``verify_package`` with the hub's own public key."""
    return verify_package(data, public_key())
