"""The public species search: which taxa are protected, found by any common name or by scientific name.

Only the public layer of the library is read here (``Taxon`` and ``CommonName``). The confidential ``Term`` table
(keywords, code words) is never queried, so a word that is only a term finds nothing.

Common names are matched the way the engine matches listings: both the query and every name go through
``normalize_term`` (case, accents, punctuation, evasion folding). Normalising thousands of names per request would be
too slow, so :class:`NameIndex` keeps them normalised in memory and rebuilds itself when the ``CommonName`` table
changes (its row count or highest id).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import groupby

from django.db.models import Count, Max, Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.functional import Promise
from django.utils.translation import get_language, get_language_info, gettext
from django.utils.translation import gettext_lazy as _

from wildwatch.detect.categories import CATEGORY_DESCRIPTIONS, PRODUCTS
from wildwatch.detect.charmaps import NO_SPACE_CLASS
from wildwatch.detect.normalize import normalize_batch, normalize_term
from wildwatch.detect.variants import term_variants_many
from wildwatch.hub.library.models import CommonName, Taxon

PAGE_SIZE = 25
FLAGSHIPS_PER_GROUP = 3
NAMES_SHOWN = 6
MAX_QUERY_LENGTH = 100

#: Human-readable labels of the product types (``wildwatch.detect.categories.PRODUCTS``).
PRODUCT_LABELS: dict[str, Promise] = {
    "live_animal": _("Live animals"),
    "ivory": _("Ivory"),
    "horn": _("Horn"),
    "scales": _("Scales"),
    "shell": _("Shell"),
    "skin_fur": _("Skins, leather and fur"),
    "bone_teeth_claws": _("Bones, teeth and claws"),
    "meat_eggs": _("Meat and eggs"),
    "medicine_tonic": _("Medicines and tonics"),
    "trophy_taxidermy": _("Trophies and taxidermy"),
}

#: Labels of the policy categories.
CATEGORY_LABELS: dict[str, Promise] = {
    "prohibited": _("Prohibited"),
    "restricted": _("Restricted"),
    "cover": _("Cover product"),
    "allowed": _("Allowed"),
}

#: What the product list means, by category.
PRODUCTS_HEADINGS: dict[str, Promise] = {
    "prohibited": _("May not be sold"),
    "restricted": _("Sold only with proof of legal origin"),
    "cover": _("Checked by a reviewer before sale"),
    "allowed": _("Products"),
}

#: Labels of the taxonomic groups of the library.
GROUP_LABELS: dict[str, Promise] = {
    "amphibians": _("Amphibians"),
    "antelopes": _("Antelopes"),
    "arachnids": _("Spiders and scorpions"),
    "bears": _("Bears"),
    "big_cats": _("Big cats"),
    "birds": _("Birds"),
    "corals": _("Corals"),
    "crocodilians": _("Crocodiles and alligators"),
    "deer": _("Deer"),
    "elephants": _("Elephants"),
    "fish": _("Fish"),
    "freshwater_turtles": _("Freshwater turtles"),
    "hippos": _("Hippopotamuses"),
    "hornbills": _("Hornbills"),
    "insects": _("Insects"),
    "lizards": _("Lizards"),
    "mammoths": _("Mammoths"),
    "marine_mammals": _("Marine mammals"),
    "marine_turtles": _("Marine turtles"),
    "molluscs": _("Molluscs"),
    "musk_deer": _("Musk deer"),
    "other_mammals": _("Other mammals"),
    "otters": _("Otters"),
    "pangolins": _("Pangolins"),
    "parrots": _("Parrots"),
    "pigs": _("Wild pigs"),
    "primates": _("Primates"),
    "raptors": _("Birds of prey"),
    "rays": _("Rays"),
    "rhinos": _("Rhinoceroses"),
    "sea_cucumbers": _("Sea cucumbers"),
    "seahorses": _("Seahorses"),
    "sharks": _("Sharks"),
    "snakes": _("Snakes"),
    "songbirds": _("Songbirds"),
    "tortoises": _("Tortoises"),
    "wild_cats": _("Wild cats"),
}

RANK_LABELS: dict[str, Promise] = {
    "species": _("Species"),
    "subspecies": _("Subspecies"),
    "genus": _("Genus"),
    "family": _("Family"),
    "order": _("Order"),
    "class": _("Class"),
    "subfamily": _("Subfamily"),
    "superfamily": _("Superfamily"),
    "infraorder": _("Infraorder"),
    "superorder": _("Superorder"),
}

assert set(PRODUCT_LABELS) == set(PRODUCTS)
assert set(CATEGORY_LABELS) == set(CATEGORY_DESCRIPTIONS) == set(PRODUCTS_HEADINGS)


def group_label(group: str) -> str:
    label = GROUP_LABELS.get(group)
    return str(label) if label is not None else group.replace("_", " ").capitalize()


#: Language codes of the names that Django knows under another code.
_LANGUAGE_ALIASES = {"zh": "zh-hans", "no": "nb"}


def _language_info(code: str) -> dict[str, str] | None:
    try:
        return dict(get_language_info(_LANGUAGE_ALIASES.get(code, code)))
    except KeyError:
        return None


def language_name(code: str) -> str:
    """The name of a language in the visitor's language (Django's own catalog translates them)."""
    info = _language_info(code)
    return str(info["name_translated"]) if info else code


def language_choice(code: str) -> str:
    """A language's name in the visitor's language, and in itself when that differs: "Vietnamese (Tiếng Việt)"."""
    info = _language_info(code)
    if not info:
        return code
    translated, local = str(info["name_translated"]), str(info["name_local"])
    return translated if translated.casefold() == local.casefold() else f"{translated} ({local})"


def category_description(category: str) -> str:
    """The coalition's description of a policy category, translated (the French catalog holds these texts)."""
    text = CATEGORY_DESCRIPTIONS.get(category)
    return gettext(text) if text else ""


def visitor_language() -> str:
    return (get_language() or "en").split("-")[0]


# --- the in-memory index of common names ---------------------------------------------------------------------------

#: Scripts written without spaces (Chinese, Japanese, Thai...): their names are matched as substrings.
_NO_SPACE_CHAR = re.compile(f"[{NO_SPACE_CLASS}]")


@dataclass(frozen=True)
class NameEntry:
    taxon_pk: int
    name: str
    lang: str


@dataclass
class _Snapshot:
    version: tuple[int, int]
    #: normalised form (accented and plain) -> the names that have it
    forms: dict[str, list[NameEntry]] = field(default_factory=dict)


class NameIndex:
    """Normalised common names -> taxa, built from the database and rebuilt when the names change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None

    @staticmethod
    def _version() -> tuple[int, int]:
        agg = CommonName.objects.aggregate(n=Count("id"), top=Max("id"))
        return int(agg["n"] or 0), int(agg["top"] or 0)

    def snapshot(self) -> _Snapshot:
        version = self._version()
        current = self._snapshot
        if current is not None and current.version == version:
            return current
        with self._lock:
            if self._snapshot is None or self._snapshot.version != version:
                self._snapshot = self._build(version)
            return self._snapshot

    def invalidate(self) -> None:
        with self._lock:
            self._snapshot = None

    @staticmethod
    def _build(version: tuple[int, int]) -> _Snapshot:
        rows = list(CommonName.objects.values_list("taxon_id", "name", "lang"))
        snapshot = _Snapshot(version)
        names = [name for _, name, _ in rows]
        # the form listings get (accents folded, but kept in Vietnamese), and the accented and plain forms
        variants = term_variants_many([(name, lang, False) for _, name, lang in rows])
        for (taxon_pk, name, lang), listing_form, forms in zip(rows, normalize_batch(names), variants, strict=True):
            entry = NameEntry(taxon_pk, name, lang)
            for key in {f.strip(" ") for f in forms} | {listing_form.strip(" ")}:
                if key:
                    snapshot.forms.setdefault(key, []).append(entry)
        return snapshot


NAME_INDEX = NameIndex()


@receiver([post_save, post_delete], sender=CommonName, dispatch_uid="wildwatch-public-name-index")
def _names_changed(**_kwargs: object) -> None:
    """A name saved or deleted in this process (an edit keeps the count and the highest id): rebuild at next use."""
    NAME_INDEX.invalidate()


def _name_score(query: str, form: str, no_space: bool) -> int | None:
    """0 for the whole name, 1 for a name with a word that starts with the query, ``None`` for no match."""
    if form == query:
        return 0
    if no_space:
        return 1 if query in form else None
    return 1 if f" {form}".find(f" {query}") >= 0 else None


@dataclass
class Match:
    taxon_pk: int
    score: int
    scientific_name: str = ""
    matched: NameEntry | None = None


def find_taxa(query: str, lang: str = "") -> list[Match]:
    """The taxa whose common name (in ``lang``, or in any language), scientific name or synonym matches, best
    first: whole names before names that contain a word starting with the query, then by scientific name."""
    query = query.strip()[:MAX_QUERY_LENGTH]
    normalised = normalize_term(query) if query else ""
    if not normalised:
        return []
    no_space = bool(_NO_SPACE_CHAR.search(normalised))
    found: dict[int, Match] = {}
    for form, entries in NAME_INDEX.snapshot().forms.items():
        score = _name_score(normalised, form, no_space)
        if score is None:
            continue
        for entry in entries:
            if lang and entry.lang != lang:
                continue
            best = found.get(entry.taxon_pk)
            if best is None or score < best.score or (
                    score == best.score and best.matched is not None and _prefer(entry, best.matched)):
                found[entry.taxon_pk] = Match(entry.taxon_pk, score, matched=entry)
    # scientific names and synonyms belong to no language
    folded = " ".join(query.casefold().split())
    scientific = Taxon.objects.filter(Q(scientific_name__icontains=query) | Q(synonyms__icontains=query))
    for pk, sci, synonyms in scientific.values_list("pk", "scientific_name", "synonyms"):
        latin = [" ".join(n.casefold().split()) for n in [sci, *(s for s in synonyms or [] if isinstance(s, str))]]
        if folded in latin:
            score = 0
        elif any(f" {n}".find(f" {folded}") >= 0 for n in latin):
            score = 1
        else:
            continue
        best = found.get(pk)
        if best is None or score <= best.score:
            found[pk] = Match(pk, score, scientific_name=sci)
    names = dict(Taxon.objects.filter(pk__in=found).values_list("pk", "scientific_name"))
    return sorted(found.values(), key=lambda m: (m.score, names.get(m.taxon_pk, ""), m.taxon_pk))


def _prefer(entry: NameEntry, other: NameEntry) -> bool:
    """Among equally good matches, show a name in the visitor's language, then the shorter one."""
    mine = visitor_language()
    return (entry.lang != mine, len(entry.name), entry.name) < (other.lang != mine, len(other.name), other.name)


# --- what the page shows -------------------------------------------------------------------------------------------


@dataclass
class ProductView:
    code: str
    label: str


@dataclass
class TaxonView:
    taxon: Taxon
    group_label: str
    rank_label: str
    names: list[str]
    matched: NameEntry | None
    matched_language: str
    matched_scientific: bool
    appendix: str
    category: str
    category_label: str
    category_description: str
    products_heading: str
    products: list[ProductView]


def describe(taxa: Iterable[Taxon], matches: dict[int, Match] | None = None) -> list[TaxonView]:
    """What a visitor sees about each taxon (taxa should come with their names prefetched)."""
    lang = visitor_language()
    out = []
    for taxon in taxa:
        match = (matches or {}).get(taxon.pk)
        local = [n for n in taxon.names.all() if n.lang == lang]
        local.sort(key=lambda n: (n.ambiguous, n.name.casefold()))
        names = list(dict.fromkeys(n.name for n in local))[:NAMES_SHOWN]
        matched = match.matched if match else None
        category = taxon.category if taxon.category in CATEGORY_LABELS else "allowed"
        out.append(TaxonView(
            taxon=taxon,
            group_label=group_label(taxon.group) if taxon.group else "",
            rank_label=str(RANK_LABELS.get(taxon.rank, taxon.rank)),
            names=names,
            matched=matched,
            matched_language=language_name(matched.lang) if matched else "",
            matched_scientific=bool(match and match.scientific_name),
            appendix=taxon.cites_appendix,
            category=category,
            category_label=str(CATEGORY_LABELS[category]),
            category_description=category_description(category),
            products_heading=str(PRODUCTS_HEADINGS[category]),
            products=[ProductView(p, str(PRODUCT_LABELS.get(p, p.replace("_", " ")))) for p in taxon.products],
        ))
    return out


def load_taxa(pks: Sequence[int]) -> list[Taxon]:
    """The taxa with these keys, in this order, with their common names."""
    by_pk = {t.pk: t for t in Taxon.objects.filter(pk__in=pks).prefetch_related("names")}
    return [by_pk[pk] for pk in pks if pk in by_pk]


@dataclass
class GroupView:
    group: str
    label: str
    count: int
    flagships: Sequence[tuple[Taxon, str]]  # (taxon, a common name in the visitor's language or "")


def groups_overview() -> list[GroupView]:
    """Every group with its best-known taxa (those with the most common names), in label order."""
    lang = visitor_language()
    taxa = (Taxon.objects.exclude(group="").annotate(n_names=Count("names"))
            .order_by("group", "-n_names", "scientific_name"))
    local: dict[int, str] = {}
    for taxon_pk, name in (CommonName.objects.filter(lang=lang, ambiguous=False)
                           .order_by("taxon_id", "name").values_list("taxon_id", "name")):
        local.setdefault(taxon_pk, name)
    out = []
    for group, members in groupby(taxa, key=lambda t: t.group):
        listed = list(members)
        flagships = [(t, local.get(t.pk, "")) for t in listed[:FLAGSHIPS_PER_GROUP]]
        out.append(GroupView(group, group_label(group), len(listed), flagships))
    out.sort(key=lambda g: g.label.casefold())
    return out


def taxa_in_group(group: str) -> list[int]:
    return list(Taxon.objects.filter(group=group).order_by("scientific_name").values_list("pk", flat=True))


def search_languages() -> list[tuple[str, str]]:
    """The languages that common names exist in, as (code, name in the visitor's language)."""
    codes = CommonName.objects.order_by().values_list("lang", flat=True).distinct()
    return sorted(((c, language_choice(c)) for c in set(codes)), key=lambda c: c[1].casefold())
