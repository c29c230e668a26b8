"""What goes into a case's evidence package: the files, as bytes, in a fixed order.

Privacy: the package holds what the listing showed (its text, its seller's handle, contacts and location, the
screenshots) and what the hub did with it. It never holds the reporters' e-mail addresses, accounts or tracking
codes (a tracking code is what lets its holder follow a report), nor the user names of the platforms' reviewers:
none of them is evidence of the listing, and an investigator who needs a witness asks the coalition, which can
answer under the law that applies. The person who exported the package is named in its manifest (custody).
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from datetime import UTC, datetime
from typing import Any

from wildwatch.hub.reports.models import Case, Decision, Report

from .package import canonical_json

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def iso(moment: datetime | None) -> str | None:
    """A time in UTC, ISO 8601 with microseconds (``None`` stays ``None``)."""
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def screenshot_path(report: Report) -> str:
    """``screenshots/<report id>-<name>``: the uploaded name, without the report's tracking code, made safe."""
    base = posixpath.basename(report.screenshot.name.replace("\\", "/"))
    if report.tracking_code:
        base = base.replace(f"{report.tracking_code}-", "").replace(report.tracking_code, "")
    base = base.removeprefix(f"{report.pk}-")
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = ext, ""
    stem = _UNSAFE.sub("_", stem).strip("._-")[:80] or "screenshot"
    ext = _UNSAFE.sub("", ext).lower()[:10]
    return f"screenshots/{report.pk}-{stem}" + (f".{ext}" if ext else "")


def _case(case: Case) -> dict[str, Any]:
    platform = case.platform
    return {
        "id": case.pk, "url": case.url, "canonical_url": case.canonical_url, "host": case.host,
        "platform": None if platform is None else {"slug": platform.slug, "name": platform.name,
                                                   "countries": list(platform.countries)},
        "status": case.status,
        "taxon": None if case.taxon is None else {"taxon_id": case.taxon.taxon_id,
                                                  "scientific_name": case.taxon.scientific_name,
                                                  "cites_appendix": case.taxon.cites_appendix},
        "species_text": case.species_text, "product": case.product, "category": case.category,
        "live_animal": case.live_animal, "quantity_text": case.quantity_text,
        "seller_handle": case.seller_handle, "seller_contacts": list(case.seller_contacts),
        "seller_location": case.seller_location,
        "severity": case.severity, "severity_reasons": list(case.severity_reasons),
        "created_at": iso(case.created_at), "triaged_at": iso(case.triaged_at), "reject_reason": case.reject_reason,
        "referred_at": iso(case.referred_at), "decided_at": iso(case.decided_at),
    }


def _screenshot(report: Report, files: dict[str, bytes]) -> dict[str, Any] | None:
    if not report.screenshot:
        return None
    recorded = report.screenshot_sha256 or None
    try:
        with report.screenshot.open("rb") as f:
            data = f.read()
    except OSError:
        return {"path": None, "missing": True, "sha256_at_upload": recorded}
    path = screenshot_path(report)
    files[path] = data
    sha = hashlib.sha256(data).hexdigest()
    return {"path": path, "sha256": sha, "bytes": len(data), "sha256_at_upload": recorded,
            "matches_upload": None if recorded is None else recorded.lower() == sha}


def _report(report: Report, files: dict[str, bytes]) -> dict[str, Any]:
    return {
        "id": report.pk, "kind": report.kind, "created_at": iso(report.created_at), "url": report.url,
        "platform": report.platform.slug if report.platform else None, "external_id": report.external_id,
        "species_text": report.species_text, "product": report.product, "listing_text": report.listing_text,
        "seller_handle": report.seller_handle, "seller_contacts": list(report.seller_contacts),
        "notes": report.notes, "screenshot": _screenshot(report, files),
    }


def _decision(decision: Decision) -> dict[str, Any]:
    return {
        "id": decision.pk, "created_at": iso(decision.created_at), "category": decision.category,
        "action": decision.action, "confirmed": decision.confirmed, "comment": decision.comment,
        "reopened_at": iso(decision.reopened_at), "reopen_reason": decision.reopen_reason,
    }


def package_files(case: Case) -> dict[str, bytes]:
    """Every file of the case's package but the manifest and its signature: path → bytes."""
    files: dict[str, bytes] = {}
    reports = [_report(r, files) for r in case.reports.select_related("platform").order_by("created_at", "id")]
    decisions = [_decision(d) for d in case.decisions.order_by("created_at", "id")]
    files["case.json"] = canonical_json(_case(case))
    files["listing.txt"] = case.listing_text.encode("utf-8")
    files["reports.json"] = canonical_json(reports)
    files["decisions.json"] = canonical_json(decisions)
    return files

