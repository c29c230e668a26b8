"""Curation of single terms: create, update, retire. Each write is atomic and audited; the curation views (and
the proposal workflow) build on these."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from wildwatch.hub.accounts.services import audit

from ..models import Taxon, Term

#: The fields a curator may set. ``taxon`` takes a Taxon, a taxon id (slug) or None.
EDITABLE_FIELDS = ("term", "lang", "kind", "taxon", "group", "product", "category", "ambiguous", "context", "tags",
                   "source")
_TEXT_FIELDS = ("group", "product", "category", "context", "source")


def _taxon(value: Any) -> Taxon | None:
    if value is None or value == "" or isinstance(value, Taxon):
        return value or None
    taxon = Taxon.objects.filter(taxon_id=str(value)).first()
    if taxon is None:
        raise ValidationError({"taxon": f"unknown taxon {value!r}"})
    return taxon


def _plain(field: str, value: Any) -> Any:
    """A JSON-friendly value for the audit log."""
    if field == "taxon":
        return value.taxon_id if isinstance(value, Taxon) else None
    return value


def apply_fields(term: Term, fields: Mapping[str, Any]) -> dict[str, list[Any]]:
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError(f"fields that cannot be set: {', '.join(unknown)}")
    changes: dict[str, list[Any]] = {}
    for field, raw in fields.items():
        value: Any = raw
        if field == "taxon":
            value = _taxon(raw)
        elif field in _TEXT_FIELDS:
            value = raw or ""
        elif field == "tags":
            value = [str(t) for t in (raw or [])]
        elif field == "ambiguous":
            value = bool(raw)
        old = getattr(term, field) if field != "taxon" else term.taxon
        if old != value:
            changes[field] = [_plain(field, old), _plain(field, value)]
            setattr(term, field, value)
    term.full_clean()
    return changes


def _new_term_id(fields: Mapping[str, Any]) -> str:
    base = f"t-{fields.get('kind', '')}-{slugify(str(fields.get('term', '')), allow_unicode=True) or 'term'}-" \
           f"{fields.get('lang', '')}"[:190]
    term_id, n = base, 1
    while Term.objects.filter(term_id=term_id).exists():
        n += 1
        term_id = f"{base}-{n}"
    return term_id


@transaction.atomic
def create_term(fields: Mapping[str, Any], actor: Any = None) -> Term:
    """A new active term (``term_id`` is made from kind, term and language unless given)."""
    data = dict(fields)
    term = Term(term_id=str(data.pop("term_id", "") or _new_term_id(data)))
    apply_fields(term, data)
    term.save()
    audit("term.create", actor=actor, target=term.term_id, term=term.term, lang=term.lang, kind=term.kind)
    return term


@transaction.atomic
def update_term(term: Term, fields: Mapping[str, Any], actor: Any = None) -> Term:
    """Change some fields of a term (see ``EDITABLE_FIELDS``); raises ``ValidationError`` on bad values. Writes
    and audits only when something changed."""
    term = Term.objects.select_for_update().get(pk=term.pk)
    changes = apply_fields(term, fields)
    if changes:
        term.save()
        audit("term.update", actor=actor, target=term.term_id, changes=changes)
    return term


@transaction.atomic
def retire_term(term: Term, actor: Any = None) -> Term:
    """Retire a term: it stays in the tables (with its history) but leaves the next release."""
    term = Term.objects.select_for_update().get(pk=term.pk)
    if term.status != Term.Status.RETIRED:
        term.status = Term.Status.RETIRED
        term.save(update_fields=["status", "updated_at"])
        audit("term.retire", actor=actor, target=term.term_id, term=term.term, lang=term.lang)
    return term


@transaction.atomic
def reactivate_term(term: Term, actor: Any = None) -> Term:
    """Bring a retired term back into the next release."""
    term = Term.objects.select_for_update().get(pk=term.pk)
    if term.status != Term.Status.ACTIVE:
        term.status = Term.Status.ACTIVE
        term.save(update_fields=["status", "updated_at"])
        audit("term.reactivate", actor=actor, target=term.term_id, term=term.term, lang=term.lang)
    return term
