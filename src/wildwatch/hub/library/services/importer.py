"""Import an engine library into the hub's tables, and export the tables back to an engine library.

The import is an upsert keyed on the library's stable ids (taxon id, term id; a common name's id is its engine
term id): rows that did not change are not written, so importing the same library twice changes nothing. A
curator's retirement of a term is kept: the import never touches a term's status or counters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone

from wildwatch.detect import library as engine
from wildwatch.hub.accounts.services import audit

from ..models import CommonName, LibraryDocument, Taxon, Term

#: LibraryDocument keys; "license" holds the attribution text of the public names (a JSON string).
DOCUMENT_KEYS = ("rules", "profiles", "messages")
LICENSE_KEY = "license"
BATCH = 500

M = TypeVar("M", bound=models.Model)


def _taxon_fields(t: engine.Taxon) -> dict[str, Any]:
    return {
        "scientific_name": t.scientific_name, "rank": t.rank, "group": t.group or "",
        "cites_appendix": t.cites_appendix or "", "category": t.category, "products": list(t.products),
        "synonyms": list(t.synonyms), "source": t.source,
    }


def _name_fields(t: engine.Term, taxon_pks: Mapping[str, int]) -> dict[str, Any]:
    return {"taxon_id": taxon_pks[t.taxon or ""], "lang": t.lang, "name": t.term, "ambiguous": t.ambiguous,
            "source": t.source}


def _term_fields(t: engine.Term, taxon_pks: Mapping[str, int]) -> dict[str, Any]:
    return {
        "term": t.term, "lang": t.lang, "kind": t.kind, "taxon_id": taxon_pks[t.taxon] if t.taxon else None,
        "group": t.group or "", "product": t.product or "", "category": t.category or "",
        "ambiguous": t.ambiguous, "context": t.context or "", "tags": list(t.tags), "source": t.source,
    }


def _upsert(model: type[M], key: str, incoming: Mapping[str, dict[str, Any]], *,
            touch: str | None = None) -> dict[str, int]:
    """Create the missing rows and update the changed ones, in batches. ``touch`` names an ``auto_now`` field to
    set on updated rows (``bulk_update`` does not)."""
    existing: dict[str, M] = {getattr(o, key): o for o in model._default_manager.all()}
    created: list[M] = []
    changed: list[M] = []
    fields: list[str] = []
    for ident, values in incoming.items():
        fields = fields or list(values)
        obj = existing.get(ident)
        if obj is None:
            created.append(model(**{key: ident}, **values))
            continue
        if any(getattr(obj, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(obj, f, v)
            changed.append(obj)
    if created:
        model._default_manager.bulk_create(created, batch_size=BATCH)
    if changed:
        if touch:
            now = timezone.now()
            for obj in changed:
                setattr(obj, touch, now)
        model._default_manager.bulk_update(changed, [*fields, *([touch] if touch else [])],
                                           batch_size=BATCH)
    return {"created": len(created), "updated": len(changed),
            "unchanged": len(incoming) - len(created) - len(changed)}


def _documents(library: engine.Library) -> dict[str, int]:
    values: dict[str, Any] = {"rules": library.rules, "profiles": library.profiles, "messages": library.messages}
    if library.license_text:
        values[LICENSE_KEY] = library.license_text
    existing = {d.key: d for d in LibraryDocument.objects.filter(key__in=list(values))}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for key, value in values.items():
        doc = existing.get(key)
        if doc is None:
            LibraryDocument.objects.create(key=key, value=value)
            counts["created"] += 1
        elif doc.value != value:
            doc.value = value
            doc.save(update_fields=["value", "updated_at"])
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    return counts


@transaction.atomic
def import_library(library: engine.Library, *, actor: Any = None) -> dict[str, dict[str, int]]:
    """Upsert the taxa, common names, terms and documents of an engine library. Returns, per table, how many
    rows were created, updated and left unchanged."""
    counts: dict[str, dict[str, int]] = {}
    counts["taxa"] = _upsert(Taxon, "taxon_id", {t.id: _taxon_fields(t) for t in library.taxa.values()})
    taxon_pks = dict(Taxon.objects.values_list("taxon_id", "pk"))
    names = {t.id: _name_fields(t, taxon_pks) for t in library.terms if t.kind == "name"}
    counts["names"] = _upsert(CommonName, "name_id", names)
    terms = {t.id: _term_fields(t, taxon_pks) for t in library.terms if t.kind != "name"}
    counts["terms"] = _upsert(Term, "term_id", terms, touch="updated_at")
    counts["documents"] = _documents(library)
    audit("library.import", actor=actor, target=library.version, version=library.version, counts=counts)
    return counts


def import_starter(actor: Any = None) -> dict[str, dict[str, int]]:
    """Import the open starter library shipped in the package."""
    return import_library(engine.load_starter(), actor=actor)


def export_library(version: str) -> engine.Library:
    """An engine library built from the tables: active terms only, names from the common names, documents from
    the library documents. Rows keep their insertion order, so a fresh import exports the same content."""
    taxa: dict[str, engine.Taxon] = {}
    slugs: dict[int, str] = {}
    for t in Taxon.objects.order_by("pk"):
        slugs[t.pk] = t.taxon_id
        taxa[t.taxon_id] = engine.Taxon(
            id=t.taxon_id, scientific_name=t.scientific_name, cites_appendix=t.cites_appendix or None,
            category=t.category, group=t.group or None, rank=t.rank, products=tuple(t.products),
            synonyms=tuple(t.synonyms), source=t.source,
        )
    terms: list[engine.Term] = []
    for n in CommonName.objects.order_by("pk"):
        slug = slugs[n.taxon_id]
        terms.append(engine.Term(id=n.name_id, term=n.name, lang=n.lang, kind="name", taxon=slug,
                                 group=taxa[slug].group, ambiguous=n.ambiguous, source=n.source))
    for r in Term.objects.filter(status=Term.Status.ACTIVE).order_by("pk"):
        terms.append(engine.Term(
            id=r.term_id, term=r.term, lang=r.lang, kind=r.kind,
            taxon=slugs[r.taxon_id] if r.taxon_id is not None else None, group=r.group or None,
            product=r.product or None, category=r.category or None, ambiguous=r.ambiguous,
            context=r.context or None, tags=tuple(r.tags), source=r.source,
        ))
    docs = {d.key: d.value for d in LibraryDocument.objects.all()}
    license_text = docs.get(LICENSE_KEY)
    return engine.Library(
        version=version, taxa=taxa, terms=terms, rules=dict(docs.get("rules") or {}),
        profiles=dict(docs.get("profiles") or {}), messages=dict(docs.get("messages") or {}),
        license_text=license_text if isinstance(license_text, str) else "",
        model=docs.get("model") or None,  # the classifier the release ships (services.release_model)
    )
