"""The volunteer programme ("cyber spotters"): registration in the programme's organisation, multi-listing
submissions (atomic, once per form), and what a volunteer may see of their own reports."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from wildwatch.detect.contact_norm import normalize_email, normalize_handle, normalize_phone
from wildwatch.hub.accounts.models import Organisation
from wildwatch.hub.accounts.roles import OrgKind, Role
from wildwatch.hub.accounts.services import add_member
from wildwatch.hub.reports import services as reports
from wildwatch.hub.reports.models import Report, ReportKind

from .models import UsedFormToken

#: the quiz a volunteer passes before submitting
QUIZ_SLUG = "cyber-spotter-basics"
#: listings in one submission, at most
MAX_URLS = 50
MAX_CONTACTS = 20
#: how long a submission form stays valid (and how long its used token is kept, plus a margin)
TOKEN_AGE = timedelta(days=1)
_TOKEN_SALT = "wildwatch.volunteers.submission"  # noqa: S105 (a signing salt, not a secret)

#: what each public stage (``reports.services.STAGES``) means to a reporter
STAGE_LABELS: dict[str, Promise] = {
    "received": _("Received"),
    "in_review": _("In review"),
    "action_taken": _("Action taken"),
    "no_violation": _("No violation found"),
    "not_actionable": _("Not actionable"),
    "outreach": _("Passed on for outreach"),
}
STAGE_HELP: dict[str, Promise] = {
    "received": _("Waiting for the coalition's analysts."),
    "in_review": _("Accepted, and being reviewed by the platform."),
    "action_taken": _("The platform confirmed a violation and acted on it."),
    "no_violation": _("The platform's reviewers found no violation."),
    "not_actionable": _("The analysts could not act on this report."),
    "outreach": _("The website is not a member of the coalition: the coalition contacts it."),
}
assert set(STAGE_LABELS) == set(STAGE_HELP) == set(reports.STAGES)


class TokenError(ValueError):
    """A submission form's token that is not this user's, is forged, or is too old."""


class AlreadySubmitted(Exception):
    """This form was already sent: nothing is filed again."""

    def __init__(self, report_ids: Sequence[int]) -> None:
        super().__init__("this form was already sent")
        self.report_ids = list(report_ids)


# --- registration --------------------------------------------------------------------------------------------------


def programme() -> Organisation | None:
    """The volunteer programme's organisation: the first organisation of kind "volunteers" (None: registration is
    closed)."""
    return Organisation.objects.filter(kind=OrgKind.VOLUNTEERS).order_by("created_at", "pk").first()


@transaction.atomic
def enrol(user: AbstractBaseUser, org: Organisation) -> AbstractBaseUser:
    """A newly registered user becomes a volunteer of ``org`` (audited by ``add_member``)."""
    return add_member(org, user.get_username(), Role.VOLUNTEER, actor=user)


def is_volunteer(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.memberships.filter(role=Role.VOLUNTEER).exists()


# --- submissions ---------------------------------------------------------------------------------------------------


def normalise_contact(raw: str) -> str:
    """A seller's contact in the normalised form that holds and signal sharing compare (an e-mail address, a
    ``platform:account`` handle or an E.164 phone number), or as written (blanks trimmed) when it is none of those."""
    text = " ".join(raw.split())
    for normalise in (normalize_email, normalize_handle, normalize_phone):
        try:
            value = normalise(text)
        except ValueError:
            value = None
        if value:
            return value
    return text


def new_token(user: Any) -> str:
    """A one-time token for a submission form shown to ``user``."""
    return signing.dumps({"u": user.pk, "n": secrets.token_hex(16)}, salt=_TOKEN_SALT)


def read_token(user: Any, token: str) -> str:
    """The nonce of a form token of ``user`` (``TokenError`` if forged, another user's, or older than a day)."""
    try:
        data = signing.loads(token, salt=_TOKEN_SALT, max_age=TOKEN_AGE)
    except signing.SignatureExpired as exc:
        raise TokenError("the form is too old") from exc
    except signing.BadSignature as exc:
        raise TokenError("not a form token") from exc
    if not isinstance(data, dict) or data.get("u") != user.pk or not isinstance(data.get("n"), str):
        raise TokenError("not a form token of this user")
    return str(data["n"])


@dataclass(frozen=True)
class Submission:
    urls: Sequence[str]
    species_text: str = ""
    product: str = ""
    seller_handle: str = ""
    seller_contacts: Sequence[str] = ()
    notes: str = ""


@dataclass
class Filed:
    reports: list[Report] = field(default_factory=list)
    #: URLs this volunteer had reported before (or twice in the submission): not filed again
    skipped: list[str] = field(default_factory=list)


def submit(user: Any, submission: Submission, nonce: str) -> Filed:
    """One volunteer report per listing of ``submission`` (each joins its listing's case), all in one transaction
    with the form's token: the same form sent again raises ``AlreadySubmitted`` and files nothing. A listing the
    volunteer already reported is skipped. ``reports.services.ReportError`` if a URL cannot make a report."""
    UsedFormToken.objects.filter(used_at__lt=timezone.now() - 2 * TOKEN_AGE).delete()
    filed = Filed()
    try:
        with transaction.atomic():
            token = UsedFormToken.objects.create(nonce=nonce, user=user)
            seen: set[str] = set()
            for url in submission.urls:
                canonical = reports.locate(url).canonical
                if canonical in seen or Report.objects.filter(reporter=user, case__canonical_url=canonical).exists():
                    filed.skipped.append(url)
                    continue
                seen.add(canonical)
                filed.reports.append(reports.file_report(
                    ReportKind.VOLUNTEER, url, reporter=user, species_text=submission.species_text,
                    product=submission.product, seller_handle=submission.seller_handle,
                    seller_contacts=submission.seller_contacts, notes=submission.notes))
            token.report_ids = [r.pk for r in filed.reports]
            token.save(update_fields=["report_ids"])
    except IntegrityError:
        used = UsedFormToken.objects.filter(nonce=nonce).first()
        if used is None:
            raise
        raise AlreadySubmitted(used.report_ids) from None
    return filed


# --- what a volunteer sees -----------------------------------------------------------------------------------------


def reports_of(user: Any) -> QuerySet[Report]:
    """The volunteer's own reports, latest first (never anybody else's)."""
    return Report.objects.filter(reporter=user).select_related("case").order_by(
        "-created_at", "-id")


@dataclass(frozen=True)
class Accuracy:
    decided: int
    confirmed: int
    share: float | None

    @property
    def percent(self) -> int | None:
        return None if self.share is None else round(100 * self.share)


def accuracy_of(user: Any) -> Accuracy:
    """The share of the volunteer's decided reports that reviewers confirmed (``reports.services``)."""
    return Accuracy(*reports.reporter_accuracy(user))


def stage_of(report: Report) -> str:
    return reports.public_stage(report.case)
