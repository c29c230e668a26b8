"""A volunteer's data: what the hub holds about them (``export``, the "Download my data" file) and its erasure
(``erase``: on their request, or by the retention purge after a year without activity).

Erasure keeps the reports, anonymous: the cases stay for the platforms' review and for the metrics (which count
reports by kind and date, never by reporter). What goes: the account's name, e-mail address and password (a new
random user name ``deleted-<id>``, no usable password, inactive), its memberships, quiz attempts, used form tokens
and login records (django-axes), and the link from each report to the account with the e-mail address it left.
What a report says about the listing (address, species, seller, notes, screenshot) is the case's content: it
follows the case's retention (``review.retention``), and stays while a hold or an evidence package needs it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from wildwatch.hub.accounts.models import AuditEntry, Membership
from wildwatch.hub.accounts.roles import Role
from wildwatch.hub.accounts.services import audit
from wildwatch.hub.reports import services as reports
from wildwatch.hub.reports.models import Report
from wildwatch.hub.training.models import Attempt

from .models import UsedFormToken

#: the version of the export's layout
EXPORT_FORMAT = 1
ERASED_PREFIX = "deleted-"


class ErasureRefused(ValueError):
    """The account is not only a volunteer's (a member's, staff's or another role's): its organisation's
    administrators handle it."""


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def may_erase_self(user: Any) -> bool:
    """Only an account that is a volunteer's and nothing else may delete itself."""
    if user.is_staff or user.is_superuser:
        return False
    roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    return roles == {Role.VOLUNTEER}


def _login_records(username: str) -> list[dict[str, Any]]:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    rows: list[dict[str, Any]] = []
    for log in AccessLog.objects.filter(username=username).order_by("attempt_time"):
        rows.append({"kind": "login", "at": _iso(log.attempt_time), "logout_at": _iso(log.logout_time),
                     "ip_address": log.ip_address, "user_agent": log.user_agent})
    for failure in AccessFailureLog.objects.filter(username=username).order_by("attempt_time"):
        rows.append({"kind": "failed_login", "at": _iso(failure.attempt_time), "ip_address": failure.ip_address,
                     "user_agent": failure.user_agent, "locked_out": failure.locked_out})
    for attempt in AccessAttempt.objects.filter(username=username).order_by("attempt_time"):
        rows.append({"kind": "failed_logins", "at": _iso(attempt.attempt_time), "ip_address": attempt.ip_address,
                     "user_agent": attempt.user_agent, "failures": attempt.failures_since_start})
    return rows


def export(user: Any) -> dict[str, Any]:
    """Everything the hub holds about ``user``, as JSON-ready data: the account, its memberships, training
    records, login records, the user's own reports (with what they wrote) and what the audit log records of their
    actions. Nothing about anybody else: no other reporter of the same listing, no reviewer, no hold."""
    memberships = [{"organisation": m.organisation.name, "role": m.role, "since": _iso(m.created_at)}
                   for m in Membership.objects.filter(user=user).select_related("organisation").order_by("id")]
    attempts = [{"quiz": a.quiz.slug, "title": a.quiz.title, "score": a.score, "total": a.total,
                 "pass_mark": a.pass_mark, "passed": a.passed, "answers": a.answers,
                 "started_at": _iso(a.started_at), "submitted_at": _iso(a.submitted_at)}
                for a in Attempt.objects.filter(user=user).select_related("quiz").order_by("submitted_at", "id")]
    own_reports = []
    for report in Report.objects.filter(reporter=user).select_related("case").order_by("created_at", "id"):
        own_reports.append({
            "id": report.pk, "kind": report.kind, "tracking_code": report.tracking_code,
            "created_at": _iso(report.created_at), "url": report.url, "email": report.reporter_email,
            "species_text": report.species_text, "product": report.product, "listing_text": report.listing_text,
            "seller_handle": report.seller_handle, "seller_contacts": list(report.seller_contacts),
            "notes": report.notes,
            "screenshot": ({"name": report.screenshot.name.rsplit("/", 1)[-1], "sha256": report.screenshot_sha256}
                           if report.screenshot else None),
            "stage": reports.public_stage(report.case)})
    actions = [{"action": e.action, "target": e.target, "at": _iso(e.created_at)}
               for e in AuditEntry.objects.filter(actor=user).order_by("created_at", "id")]
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _iso(timezone.now()),
        "account": {"username": user.get_username(), "email": user.email, "first_name": user.first_name,
                    "last_name": user.last_name, "date_joined": _iso(user.date_joined),
                    "last_login": _iso(user.last_login), "is_active": user.is_active},
        "memberships": memberships,
        "training": attempts,
        "logins": _login_records(user.get_username()),
        "reports": own_reports,
        "actions": actions,
    }


def _erase(user: Any) -> dict[str, int]:
    """Erase ``user``'s personal data (no audit: the callers audit). Returns counts."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    User = get_user_model()
    user = User.objects.select_for_update().get(pk=user.pk)
    username = user.get_username()
    unlinked = Report.objects.filter(reporter=user).update(reporter=None, reporter_email="")
    attempts, _ = Attempt.objects.filter(user=user).delete()
    UsedFormToken.objects.filter(user=user).delete()
    Membership.objects.filter(user=user).delete()
    for model in (AccessLog, AccessFailureLog, AccessAttempt):
        model.objects.filter(username=username).delete()
    user.username = f"{ERASED_PREFIX}{user.pk}"
    user.email = user.first_name = user.last_name = ""
    user.last_login = None
    user.is_active = False
    user.set_unusable_password()  # also ends the account's other sessions (their hash no longer matches)
    user.save()
    return {"reports_unlinked": unlinked, "training_attempts": attempts}


@transaction.atomic
def erase(user: Any) -> dict[str, int]:
    """A volunteer's own request: their personal data erased, their reports kept anonymous, the account
    deactivated. ``ErasureRefused`` for an account that is not only a volunteer's. Audited without any personal
    data (the account's id only)."""
    if not may_erase_self(user):
        raise ErasureRefused("only a volunteer's own account can be deleted here")
    counts = _erase(user)
    details: dict[str, Any] = {"reason": "request", **counts}
    audit("volunteer.erase", actor=user, target=f"user:{user.pk}", **details)
    return counts


def erase_for_retention(user: Any) -> dict[str, int]:
    """The retention purge's erasure (in its transaction; it writes one audit entry for the whole run)."""
    return _erase(user)
