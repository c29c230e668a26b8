"""The curation workflow: an analyst proposes to add, edit or retire a term; a second analyst approves (which applies
the change through ``services.terms``) or rejects it. Every write is atomic and audited.

A payload is validated with the very rules of ``create_term`` / ``update_term``: the fields are applied to an
unsaved ``Term`` and checked with ``full_clean()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from wildwatch.hub.accounts.roles import COALITION
from wildwatch.hub.accounts.services import audit, roles_of

from .models import Proposal, Taxon, Term
from .services.terms import EDITABLE_FIELDS, apply_fields, create_term, retire_term, update_term

ACTIONS = tuple(Proposal.Action.values)
#: a placeholder id for the unsaved term a new term's payload is checked on (never saved)
_CHECK_ID = "proposal-check"


class CurationError(ValueError):
    """A request that breaks a rule of the curation workflow (not an analyst, same approver, not pending...)."""


def is_analyst(user: Any) -> bool:
    return bool(roles_of(user) & COALITION)


def _require_analyst(user: Any) -> None:
    if not is_analyst(user):
        raise CurationError("only coalition analysts may propose and decide library changes")


def clean_payload(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON form of term fields: known fields only, the taxon as its id, tags as a list of strings."""
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError(f"fields that cannot be set: {', '.join(unknown)}")
    out: dict[str, Any] = {}
    for field, value in fields.items():
        if field == "taxon":
            out[field] = value.taxon_id if isinstance(value, Taxon) else (str(value).strip() if value else None)
        elif field == "tags":
            items = value.split(";") if isinstance(value, str) else list(value or [])
            out[field] = [str(t).strip() for t in items if str(t).strip()]
        elif field == "ambiguous":
            out[field] = bool(value)
        else:
            out[field] = "" if value is None else str(value).strip()
    return out


def check_fields(fields: Mapping[str, Any], term: Term | None = None) -> Term:
    """Apply the fields to an unsaved copy of ``term`` (or to a new term) and run the model's checks, as
    ``create_term`` and ``update_term`` do; raises ``ValidationError``. Returns the unsaved term."""
    if term is None:
        candidate = Term(term_id=_CHECK_ID)
        for required in ("term", "lang", "kind"):
            if not str(fields.get(required) or "").strip():
                raise ValidationError({required: "this field is required"})
    else:
        candidate = Term.objects.get(pk=term.pk)
    apply_fields(candidate, fields)
    return candidate


def active_duplicate(term: str, lang: str, kind: str, *, exclude: int | None = None) -> Term | None:
    """The active term with the same text (case-insensitive), language and kind, if any."""
    rows = Term.objects.filter(term__iexact=term.strip(), lang=lang, kind=kind, status=Term.Status.ACTIVE)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return rows.first()


def _check_duplicate(candidate: Term) -> None:
    dup = active_duplicate(candidate.term, candidate.lang, candidate.kind, exclude=candidate.pk)
    if dup is not None:
        raise ValidationError({"term": f"an active term already says this: {dup.term_id}"})


def _pending(term: Term) -> Proposal | None:
    return Proposal.objects.filter(term=term, state=Proposal.State.PENDING).first()


def _target(proposal: Proposal) -> str:
    return proposal.term.term_id if proposal.term is not None else f"proposal {proposal.pk}"


@transaction.atomic
def propose(action: str, *, actor: Any, term: Term | None = None, payload: Mapping[str, Any] | None = None,
            comment: str = "") -> Proposal:
    """A pending proposal to add a term (``payload``), edit one (``term`` and the changed fields) or retire one
    (``term``). Raises ``CurationError`` or ``ValidationError``."""
    _require_analyst(actor)
    if action not in ACTIONS:
        raise CurationError(f"unknown action {action!r}")
    data = clean_payload(payload or {})
    if action == Proposal.Action.ADD:
        if term is not None:
            raise CurationError("a proposal to add a term names no existing term")
        candidate = check_fields(data)
        _check_duplicate(candidate)
        if pending_adds([(candidate.term.strip().casefold(), candidate.lang, candidate.kind)]):
            raise CurationError(f"a pending proposal already adds {candidate.term!r} ({candidate.lang})")
    else:
        if term is None:
            raise CurationError(f"a proposal to {action} a term names the term")
        term = Term.objects.select_for_update().get(pk=term.pk)  # one pending proposal per term, even in a race
        if _pending(term) is not None:
            raise CurationError(f"{term.term_id} already has a pending proposal")
        if action == Proposal.Action.RETIRE:
            if term.status == Term.Status.RETIRED:
                raise CurationError(f"{term.term_id} is already retired")
            data = {}
        else:
            current = clean_payload({f: getattr(term, f) for f in EDITABLE_FIELDS})
            data = {f: v for f, v in data.items() if current.get(f) != v}
            if not data:
                raise CurationError("the proposal changes nothing")
            _check_duplicate(check_fields(data, term))
    proposal = Proposal.objects.create(action=action, term=term, payload=data, proposed_by=actor,
                                       comment=comment.strip())
    audit("proposal.create", actor=actor, target=_target(proposal), proposal=proposal.pk, change=action,
          payload=data)
    return proposal


def _decidable(proposal: Proposal, actor: Any) -> Proposal:
    _require_analyst(actor)
    locked = Proposal.objects.select_for_update(of=("self",)).select_related("term").get(pk=proposal.pk)
    if locked.state != Proposal.State.PENDING:
        raise CurationError(f"this proposal was already {locked.state}")
    return locked


def _decide(proposal: Proposal, state: str, actor: Any, comment: str) -> None:
    proposal.state = state
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.decision_comment = comment.strip()
    proposal.save(update_fields=["state", "term", "decided_by", "decided_at", "decision_comment"])


@transaction.atomic
def approve(proposal: Proposal, *, actor: Any, comment: str = "") -> Proposal:
    """Apply a pending proposal, as a second analyst: the proposer may not approve their own proposal."""
    proposal = _decidable(proposal, actor)
    if proposal.proposed_by_id == actor.pk:
        raise CurationError("a proposal must be approved by a different analyst than the one who made it")
    if proposal.action == Proposal.Action.ADD:
        _check_duplicate(check_fields(proposal.payload))
        proposal.term = create_term(proposal.payload, actor=actor)
    elif proposal.term is None:
        raise CurationError("the proposal's term no longer exists")
    elif proposal.action == Proposal.Action.EDIT:
        _check_duplicate(check_fields(proposal.payload, proposal.term))
        proposal.term = update_term(proposal.term, proposal.payload, actor=actor)
    else:
        proposal.term = retire_term(proposal.term, actor=actor)
    _decide(proposal, Proposal.State.APPROVED, actor, comment)
    audit("proposal.approve", actor=actor, target=_target(proposal), proposal=proposal.pk,
          change=proposal.action, comment=proposal.decision_comment)
    return proposal


@transaction.atomic
def reject(proposal: Proposal, *, actor: Any, comment: str) -> Proposal:
    """Close a pending proposal without applying it; the comment says why."""
    if not comment.strip():
        raise CurationError("say why the proposal is rejected")
    proposal = _decidable(proposal, actor)
    _decide(proposal, Proposal.State.REJECTED, actor, comment)
    audit("proposal.reject", actor=actor, target=_target(proposal), proposal=proposal.pk, change=proposal.action,
          comment=proposal.decision_comment)
    return proposal


def error_messages(exc: ValidationError) -> list[str]:
    """Flat, readable messages of a ``ValidationError`` ("field: message")."""
    if hasattr(exc, "error_dict"):
        return [f"{field}: {m}" for field, msgs in exc.message_dict.items() for m in msgs]
    return list(exc.messages)


def pending_adds(keys: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str, str], int]:
    """Pending "add" proposals among (term casefolded, lang, kind) keys: key -> proposal id."""
    wanted = set(keys)
    found: dict[tuple[str, str, str], int] = {}
    rows = Proposal.objects.filter(state=Proposal.State.PENDING, action=Proposal.Action.ADD)
    for pk, payload in rows.values_list("pk", "payload"):
        key = (str(payload.get("term", "")).strip().casefold(), str(payload.get("lang", "")),
               str(payload.get("kind", "")))
        if key in wanted:
            found.setdefault(key, pk)
    return found
