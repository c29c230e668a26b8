"""Attestations: a member admin enters figures for a period and submits them; a coalition analyst accepts them
(locked from then on) or sends them back with a comment. A correction of an accepted attestation is a new
version (``supersedes`` the old one, which stays as history). Every write is atomic and audited."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wildwatch.hub.accounts.models import Organisation, Platform
from wildwatch.hub.accounts.roles import COALITION, MEMBERS
from wildwatch.hub.accounts.services import audit, organisations_of, roles_of

from .indicators import ALL, ATTESTED_KEYS, INDICATORS, Figure, Scope
from .models import Attestation, AttestationLocked, AttestationState

#: ``edit(platform=UNCHANGED)``: keep the attestation's platform
UNCHANGED = object()


class AttestationError(Exception):
    """A step of the workflow that is not allowed now (the message says why)."""


def clean_figures(figures: dict[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in figures.items():
        if key not in ATTESTED_KEYS:
            raise AttestationError(_("%(key)s is not an attested indicator.") % {"key": key})
        if value is None or value == "":
            continue
        number = float(value)
        if number < 0:
            raise AttestationError(_("A figure cannot be negative."))
        out[key] = int(number) if number.is_integer() else number
    return out


def _check_period(organisation: Organisation, platform: Platform | None, start: date, end: date) -> None:
    if start > end:
        raise AttestationError(_("The period ends before it starts."))
    if platform is not None and platform.organisation_id != organisation.pk:
        raise AttestationError(_("The platform is not the company's."))
    if organisation.kind != "member":
        raise AttestationError(_("Only member companies attest figures."))


@transaction.atomic
def create(organisation: Organisation, start: date, end: date, figures: dict[str, Any], *,
           platform: Platform | None = None, note: str = "", actor: Any = None) -> Attestation:
    _check_period(organisation, platform, start, end)
    attestation = Attestation.objects.create(organisation=organisation, platform=platform, period_start=start,
                                             period_end=end, figures=clean_figures(figures), note=note,
                                             created_by=actor)
    audit("attestation.create", actor=actor, organisation=organisation, target=str(attestation.pk),
          period=[start.isoformat(), end.isoformat()], figures=attestation.figures)
    return attestation


def _locked_for_update(attestation: Attestation) -> Attestation:
    return Attestation.objects.select_for_update().get(pk=attestation.pk)


@transaction.atomic
def edit(attestation: Attestation, figures: dict[str, Any], *, start: date | None = None, end: date | None = None,
         platform: Platform | object | None = UNCHANGED, note: str | None = None, actor: Any = None) -> Attestation:
    """Change a draft or a returned attestation (an accepted one is locked; a submitted one waits for review).
    ``platform=None`` makes it the whole company's; leave it out to keep the platform."""
    current = _locked_for_update(attestation)
    if current.state == AttestationState.ACCEPTED:
        raise AttestationLocked(_("An accepted attestation is locked: correct it with a new version."))
    if current.state == AttestationState.SUBMITTED:
        raise AttestationError(_("A submitted attestation waits for review."))
    current.period_start = start or current.period_start
    current.period_end = end or current.period_end
    if platform is not UNCHANGED:
        assert platform is None or isinstance(platform, Platform)
        current.platform = platform
    _check_period(current.organisation, current.platform, current.period_start, current.period_end)
    current.figures = clean_figures(figures)
    if note is not None:
        current.note = note
    current.state = AttestationState.DRAFT
    current.save()
    audit("attestation.edit", actor=actor, organisation=current.organisation, target=str(current.pk),
          figures=current.figures)
    return current


@transaction.atomic
def submit(attestation: Attestation, *, actor: Any = None) -> Attestation:
    current = _locked_for_update(attestation)
    if current.state not in (AttestationState.DRAFT, AttestationState.RETURNED):
        raise AttestationError(_("Only a draft or a returned attestation can be submitted."))
    if not current.figures:
        raise AttestationError(_("Enter at least one figure."))
    current.state = AttestationState.SUBMITTED
    current.submitted_by, current.submitted_at = actor, timezone.now()
    current.save()
    audit("attestation.submit", actor=actor, organisation=current.organisation, target=str(current.pk))
    return current


@transaction.atomic
def review(attestation: Attestation, *, accept: bool, comment: str = "", actor: Any = None) -> Attestation:
    """Accept (the figures count from now on and are locked) or send back with a comment (needed then)."""
    current = _locked_for_update(attestation)
    if current.state != AttestationState.SUBMITTED:
        raise AttestationError(_("Only a submitted attestation can be reviewed."))
    if not accept and not comment.strip():
        raise AttestationError(_("Say why it is sent back."))
    if current.submitted_by_id is not None and actor is not None and current.submitted_by_id == actor.pk:
        raise AttestationError(_("Nobody reviews their own attestation."))
    current.state = AttestationState.ACCEPTED if accept else AttestationState.RETURNED
    current.reviewed_by, current.reviewed_at, current.review_comment = actor, timezone.now(), comment.strip()
    current.save()
    audit("attestation.accept" if accept else "attestation.return", actor=actor, target=str(current.pk),
          organisation=current.organisation, comment=current.review_comment)
    return current


@transaction.atomic
def correct(attestation: Attestation, *, actor: Any = None) -> Attestation:
    """A new draft version of an accepted attestation, with its figures: the accepted one stays as it is."""
    current = _locked_for_update(attestation)
    if current.state != AttestationState.ACCEPTED:
        raise AttestationError(_("Only an accepted attestation is corrected with a new version."))
    if Attestation.objects.filter(supersedes=current).exists():
        raise AttestationError(_("This version already has a correction."))
    new = Attestation.objects.create(
        organisation=current.organisation, platform=current.platform, period_start=current.period_start,
        period_end=current.period_end, figures=dict(current.figures), note=current.note,
        version=current.version + 1, supersedes=current, created_by=actor)
    audit("attestation.correct", actor=actor, organisation=current.organisation, target=str(new.pk),
          corrects=current.pk, version=new.version)
    return new


def history(attestation: Attestation) -> list[Attestation]:
    """Every version of the attestation's chain, the oldest first."""
    first = attestation
    while first.supersedes_id is not None:
        first = Attestation.objects.get(pk=first.supersedes_id)
    chain = [first]
    while True:
        following = Attestation.objects.filter(supersedes=chain[-1]).first()
        if following is None:
            return chain
        chain.append(following)


def visible(user: Any) -> QuerySet[Attestation]:
    """Coalition roles see every attestation; a member's people their companies'; anybody else none."""
    qs = Attestation.objects.select_related("organisation", "platform")
    roles = roles_of(user)
    if roles & COALITION:
        return qs
    if roles & MEMBERS:
        return qs.filter(organisation__in=organisations_of(user))
    return qs.none()


def current_accepted() -> QuerySet[Attestation]:
    """Accepted attestations not corrected by a later accepted version."""
    newer = Attestation.objects.filter(supersedes=OuterRef("pk"), state=AttestationState.ACCEPTED)
    return Attestation.objects.filter(state=AttestationState.ACCEPTED).filter(~Exists(newer))


def attested_by_owner(start: date, end: date, scope: Scope = ALL, keys: Iterable[str] | None = None
                      ) -> dict[str, dict[tuple[int, int | None], float]]:
    """key -> {(company id, platform id or None for the whole company): figure} from the accepted attestations
    whose period lies within ``[start, end]``: summed for flows; for a stock (``Indicator.stock``), each owner's
    latest value."""
    from .computations import organisation_ids, platforms

    if scope.is_empty:
        return {}
    qs = current_accepted().filter(period_start__gte=start, period_end__lte=end)
    orgs = organisation_ids(scope)
    if orgs is not None:
        in_scope = platforms(scope) or []
        qs = qs.filter(Q(platform__isnull=True, organisation_id__in=orgs)
                       | Q(platform_id__in=[p.pk for p in in_scope]))
    wanted = set(keys) if keys is not None else set(ATTESTED_KEYS)
    out: dict[str, dict[tuple[int, int | None], float]] = {}
    for a in qs.order_by("period_end", "id"):
        for key, value in (a.figures or {}).items():
            if key not in wanted or key not in INDICATORS:
                continue
            owners = out.setdefault(key, {})
            owner = (a.organisation_id, a.platform_id)
            owners[owner] = float(value) + (0.0 if INDICATORS[key].stock else owners.get(owner, 0.0))
    return out


def attested_figures(start: date, end: date, scope: Scope = ALL,
                     keys: Iterable[str] | None = None) -> dict[str, Figure]:
    """The accepted attested figures of the attestations whose period lies within ``[start, end]``, summed over
    the companies and platforms that attested (see ``attested_by_owner``)."""
    return {key: Figure(key, sum(owners.values()), "attested", f"{len(owners)} attesting member(s)")
            for key, owners in attested_by_owner(start, end, scope, keys).items()}


def latest_accepted_value(key: str, *, organisation: Organisation) -> float | None:
    """A company's attested level of a stock indicator (its user accounts) from all its accepted attestations:
    the latest value of each platform (and of the company as a whole), summed; None when never attested."""
    levels: dict[int | None, float] = {}
    for a in current_accepted().filter(organisation=organisation).order_by("period_end", "id"):
        if key in (a.figures or {}):
            levels[a.platform_id] = float(a.figures[key])
    return sum(levels.values()) if levels else None
