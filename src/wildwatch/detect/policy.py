"""Policy: CITES appendix + product + context -> verdict, score and reasons.

The rules are data (``rules.json`` in the library): a base score per category, then an ordered list of rules,
each a condition over one *subject* (a wildlife hit: a name, product, cover term or emoji) and its context, and an
effect on that subject's score. Every rule that fires adds one reason naming its policy. The listing's score is
its highest subject score; thresholds turn it into a verdict.

Condition keys (all must hold):
  ``kind``         the subject hit's kind, or a list of kinds
  ``category``     the subject's effective category, or a list
  ``ambiguous``    the subject's term needs corroboration
  ``corroborated`` a part or context word, or another product term, near the subject (sale intent does not
                   corroborate: on a marketplace every listing is an offer, "Shark vacuum for sale" included)
  ``part``         a material part word (horn, skin, jaw, carved, live: a ``part`` term with a product type)
                   within the window around the subject; ``part`` terms without a product type (antique,
                   Victorian, netsuke-era words) only corroborate
  ``intent``       a sale-intent phrase or a price anywhere in the listing
  ``benign``       list of benign contexts (colour, brand, replica, awareness); any present
  ``benign_near``  list of benign contexts present within the window around the subject
  ``benign_near_any`` list of benign contexts present within the window around any subject of the listing, or
                   carried by a benign phrase that swallowed a wildlife term ("shark fin antenna")
  ``tags``         list of tags: any of them carried by a term hit anywhere in the listing
  ``no_tags``      list of tags: none of them carried by any term hit in the listing
Effects: ``set`` (score = x), ``add`` (score += x), ``cap`` (score = min(score, x)), ``floor`` (max).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from .categories import CATEGORIES, Category, Verdict
from .library import Library, Term

SUBJECT_KINDS = frozenset({"name", "product", "cover", "emoji"})
CONDITION_KEYS = frozenset(
    {"kind", "category", "ambiguous", "corroborated", "part", "intent", "benign", "benign_near", "benign_near_any",
     "tags", "no_tags"}
)
#: Tags of claims that change how context is read ("modern", not a fossil) but corroborate nothing by themselves.
CLAIM_TAGS = frozenset({"genuine", "modern"})
EFFECT_KEYS = frozenset({"set", "add", "cap", "floor"})

DEFAULT_RULES: dict[str, Any] = {
    "thresholds": {"block": 0.8, "review": 0.5},
    "window": 48,
    "base": {"prohibited": 0.6, "restricted": 0.55, "cover": 0.55, "allowed": 0.1},
    "caps": {"prohibited": 1.0, "restricted": 0.79, "cover": 0.79, "allowed": 0.3},
    "rules": [],
}


class PolicyError(ValueError):
    """Rules or a profile that cannot be interpreted."""


@dataclass(slots=True)
class PlacedHit:
    """A term hit at normalised character offsets, after overlap resolution."""

    term: Term
    start: int
    end: int
    #: a benign hit that swallowed a wildlife term ("shark fin antenna", "tiger balm"): it speaks for the listing
    absorbed: bool = False


@dataclass(slots=True)
class Subject:
    hit: PlacedHit
    category: Category
    product: str | None
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Assessment:
    verdict: Verdict
    score: float
    reasons: tuple[str, ...]
    subjects: tuple[Subject, ...]


@dataclass(frozen=True, slots=True)
class Profile:
    """A platform's policy profile on top of the coalition model: category overrides selected by product,
    group, taxon, tags of the subject term, or tags present anywhere in the listing."""

    id: str
    description: str = ""
    overrides: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def from_dict(cls, pid: str, raw: Mapping[str, Any]) -> Profile:
        overrides = tuple(raw.get("overrides") or ())
        for o in overrides:
            if o.get("category") not in CATEGORIES:
                raise PolicyError(f"profile {pid}: override with unknown category {o.get('category')!r}")
            unknown = set(o.get("select") or {}) - {"product", "group", "taxon", "tags", "context_tags", "category"}
            if unknown:
                raise PolicyError(f"profile {pid}: unknown selector keys {sorted(unknown)}")
        return cls(pid, str(raw.get("description", "")), overrides)

    def category_for(self, subject: Subject, listing_tags: set[str]) -> tuple[Category, str | None]:
        term = subject.hit.term
        for o in self.overrides:
            sel = o.get("select") or {}
            if "product" in sel and subject.product not in _as_list(sel["product"]):
                continue
            if "group" in sel and term.group not in _as_list(sel["group"]):
                continue
            if "taxon" in sel and term.taxon not in _as_list(sel["taxon"]):
                continue
            if "category" in sel and subject.category not in _as_list(sel["category"]):
                continue
            if "tags" in sel and not set(_as_list(sel["tags"])) & set(term.tags):
                continue
            if "context_tags" in sel and not set(_as_list(sel["context_tags"])) <= listing_tags:
                continue
            return o["category"], str(o.get("note") or f"platform profile {self.id}")
        return subject.category, None


COALITION = Profile("coalition", "The coalition's model prohibited-wildlife policy, without platform changes.")


def _only_claims(term: Term) -> bool:
    return bool(term.tags) and set(term.tags) <= CLAIM_TAGS


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple | set) else [value]


class Policy:
    """Interprets the library's rules for one profile."""

    def __init__(self, library: Library, profile: Profile | str | None = None) -> None:
        rules = {**DEFAULT_RULES, **(library.rules or {})}
        self.thresholds: dict[str, float] = dict(rules["thresholds"])
        self.window: int = int(rules["window"])
        self.base: dict[str, float] = dict(rules["base"])
        self.caps: dict[str, float] = dict(rules["caps"])
        self.rules: list[Mapping[str, Any]] = list(rules["rules"])
        for rule in self.rules:
            _validate_rule(rule)
        self.library = library
        if isinstance(profile, str):
            if profile == "coalition":
                profile = COALITION
            elif profile in library.profiles:
                profile = Profile.from_dict(profile, library.profiles[profile])
            else:
                raise PolicyError(f"unknown policy profile {profile!r}; known: coalition, "
                                  + ", ".join(sorted(library.profiles)))
        self.profile: Profile = profile or COALITION
        self._group_category: dict[str, Category] = {}
        for group, taxa in library.groups.items():
            self._group_category[group] = cast(Category, min((t.category for t in taxa), key=CATEGORIES.index))

    # --- categories -----------------------------------------------------------------------------------------------

    def base_category(self, term: Term) -> Category:
        if term.category in CATEGORIES:
            return term.category  # narrowed by the membership test
        if term.taxon and term.taxon in self.library.taxa:
            return cast(Category, self.library.taxa[term.taxon].category)
        if term.group and term.group in self._group_category:
            return self._group_category[term.group]
        return "allowed"

    # --- assessment -----------------------------------------------------------------------------------------------

    def assess(self, hits: Sequence[PlacedHit], price: bool = False, dated: bool = False) -> Assessment:
        """Score the subjects among ``hits``. ``price``: the listing shows a price (weak sale evidence);
        ``dated``: it dates an object before 1950 ("c.1890", "19th century"), which says an ambiguous material
        word such as "ivory" names the material of an antique, not a colour."""
        subjects_hits = [h for h in hits if h.term.kind in SUBJECT_KINDS]
        if not subjects_hits:
            return Assessment("allow", 0.0, (), ())
        intents = [h for h in hits if h.term.kind == "intent"]
        parts = [h for h in hits if h.term.kind == "part"]
        benign = [h for h in hits if h.term.kind == "benign"]
        listing_tags = {tag for h in hits for tag in h.term.tags}
        products = [h for h in subjects_hits if h.term.kind == "product" or h.term.product]
        near_any = {b.term.context for b in benign if b.absorbed or any(self._near(h, b) for h in subjects_hits)}
        subjects: list[Subject] = []
        for hit in subjects_hits:
            near_context = [p for p in parts if self._near(hit, p) and not _only_claims(p.term)]
            near_parts = [p for p in near_context if p.term.product]  # material words: horn, skin, carved, live
            product = hit.term.product or next((p.term.product for p in near_parts), None)
            subject = Subject(hit, self.base_category(hit.term), product)
            category, note = self.profile.category_for(subject, listing_tags)
            subject.category = category
            subject.score = self.base[category]
            if note:
                subject.reasons.append(f"{category} under {note}")
            facts = {
                "kind": hit.term.kind,
                "category": category,
                "ambiguous": hit.term.ambiguous,
                "part": bool(near_parts),
                "intent": bool(intents) or price,
                "corroborated": bool(
                    near_context or dated or any(self._near(hit, p) for p in products if p is not hit)
                ),
                "benign": {b.term.context for b in benign},
                "benign_near": {b.term.context for b in benign if self._near(hit, b)},
                "benign_near_any": near_any,
                "tags": listing_tags,
                "no_tags": listing_tags,
            }
            context = {
                "term": hit.term.term,
                "category": category,
                "intent": ", ".join(sorted({h.term.term for h in intents} | ({"a price"} if price else set()))),
                "part": ", ".join(sorted({p.term.term for p in near_parts})),
                "benign": ", ".join(sorted({b.term.term for b in benign})),
                "product": product or "unspecified product",
                "appendix": self._appendix(hit.term),
            }
            for rule in self.rules:
                if _matches(rule.get("when") or {}, facts):
                    subject.score = _apply(rule, subject.score)
                    if rule.get("reason"):
                        subject.reasons.append(str(rule["reason"]).format(**context))
            subject.score = round(max(0.0, min(subject.score, self.caps.get(category, 1.0))), 3)
            subjects.append(subject)
        top = max(subjects, key=lambda s: s.score)
        reasons: list[str] = []
        for s in sorted(subjects, key=lambda s: -s.score):
            if s.score >= self.thresholds["review"] or s is top:
                for r in s.reasons:
                    if r not in reasons:
                        reasons.append(r)
        return Assessment(self.verdict_for(top.score), top.score, tuple(reasons), tuple(subjects))

    def verdict_for(self, score: float) -> Verdict:
        if score >= self.thresholds["block"]:
            return "block"
        if score >= self.thresholds["review"]:
            return "review"
        return "allow"

    def near(self, a: PlacedHit, b: PlacedHit) -> bool:
        """Two hits within the proximity window."""
        return self._near(a, b)

    def _near(self, a: PlacedHit, b: PlacedHit) -> bool:
        gap = max(b.start - a.end, a.start - b.end, 0)
        return gap <= self.window

    def _appendix(self, term: Term) -> str:
        if term.taxon and term.taxon in self.library.taxa:
            app = self.library.taxa[term.taxon].cites_appendix
            return f"CITES Appendix {app}" if app else "not CITES-listed"
        return "CITES status by species"


def _validate_rule(rule: Mapping[str, Any]) -> None:
    unknown = set(rule.get("when") or {}) - CONDITION_KEYS
    if unknown:
        raise PolicyError(f"rule {rule.get('id')!r}: unknown condition keys {sorted(unknown)}")
    effects = set(rule) & EFFECT_KEYS
    if len(effects) != 1:
        raise PolicyError(f"rule {rule.get('id')!r}: needs exactly one of {sorted(EFFECT_KEYS)}")


def _matches(when: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    for key, want in when.items():
        have = facts[key]
        if key in ("benign", "benign_near", "benign_near_any", "tags"):
            if not set(_as_list(want)) & have:
                return False
        elif key == "no_tags":
            if set(_as_list(want)) & have:
                return False
        elif key in ("kind", "category"):
            if have not in _as_list(want):
                return False
        elif bool(have) != bool(want):
            return False
    return True


def _apply(rule: Mapping[str, Any], score: float) -> float:
    if "set" in rule:
        return float(rule["set"])
    if "add" in rule:
        return score + float(rule["add"])
    if "cap" in rule:
        return min(score, float(rule["cap"]))
    return max(score, float(rule["floor"]))
