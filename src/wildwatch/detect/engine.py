"""The Detector: built once from a library, it answers ``check`` / ``check_many`` / ``check_search``.

Hot path: the batch is normalised into one UTF-8 buffer and scanned once with the *subject* automaton (names,
products, cover terms, emoji). Only listings with a subject hit go through the slow path: normalisation with an
offset map, a scan with both automata (subjects and context: parts, sale intent, benign context), overlap
resolution (the longest hit wins: "mammoth ivory" hides "ivory", "tiger balm" hides "tiger") and the policy.
Context terms are reported only beside a wildlife hit.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from .categories import Verdict
from .library import Campaign, Library, LibraryError, Term, load_starter
from .matcher import Match, Matcher
from .normalize import Normalized, NormalizedBatch, normalize, normalize_batch_bytes
from .policy import SUBJECT_KINDS, PlacedHit, Policy, Profile

if TYPE_CHECKING:
    from ..model import Model

DEFAULT_MAX_TEXT_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class Hit:
    term: str
    lang: str
    kind: str
    taxon: str | None
    product: str | None
    start: int
    end: int
    normalized: str
    category: str | None = None
    context: str | None = None
    term_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "term": self.term, "lang": self.lang, "kind": self.kind, "taxon": self.taxon, "product": self.product,
            "start": self.start, "end": self.end, "normalized": self.normalized, "category": self.category,
            "context": self.context, "term_id": self.term_id,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    score: float
    hits: tuple[Hit, ...]
    reasons: tuple[str, ...]
    library_version: str
    warnings: tuple[str, ...] = ()
    #: set only when the Detector has a model: its calibrated probability, its name, and who decided the verdict
    #: ("rules", "model" or "both"; see docs/architecture.md, "Model")
    model_score: float | None = None
    model_name: str | None = None
    decided_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "verdict": self.verdict, "score": self.score, "hits": [h.to_dict() for h in self.hits],
            "reasons": list(self.reasons), "library_version": self.library_version,
        }
        if self.warnings:
            out["warnings"] = list(self.warnings)
        if self.model_score is not None:
            out["model"] = {"score": self.model_score, "name": self.model_name, "decided_by": self.decided_by}
        return out


@dataclass(frozen=True, slots=True)
class SearchDecision:
    intercept: bool
    lang: str
    title: str | None
    message: str | None
    learn_more_url: str | None
    hits: tuple[Hit, ...] = field(default=())
    #: the slug of the awareness campaign whose message this is (None: the library's own message)
    campaign: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "intercept": self.intercept, "lang": self.lang, "title": self.title, "message": self.message,
            "learn_more_url": self.learn_more_url, "hits": [h.to_dict() for h in self.hits],
            "campaign": self.campaign,
        }


Listing = str | Mapping[str, Any]


def listing_text(listing: Listing) -> str:
    """The text of a listing: a string, or a mapping with ``text`` or ``title`` + ``description``."""
    if isinstance(listing, str):
        return listing
    text = listing.get("text")
    if text:
        return str(text)
    parts = [str(listing.get(k) or "") for k in ("title", "description")]
    return "\n".join(p for p in parts if p)


def truncate_utf8(text: str, max_bytes: int) -> tuple[str, str | None]:
    """Cut a text to its first ``max_bytes`` UTF-8 bytes (at a character boundary), with a warning."""
    if len(text) * 4 <= max_bytes:
        return text, None
    data = text.encode("utf-8", errors="surrogatepass")
    if len(data) <= max_bytes:
        return text, None
    cut = data[:max_bytes].decode("utf-8", errors="ignore")
    return cut, f"text truncated to its first {max_bytes} bytes (was {len(data)})"


class Detector:
    """Built once from a library (compiling its automata), then reused for every listing."""

    def __init__(self, library: Library | None = None, profile: Profile | str | None = None,
                 max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES, *, model: Model | None = None,
                 model_may_block: bool = False, model_may_clear: bool = False) -> None:
        """``model``: a learned classifier (:mod:`wildwatch.model`) scored beside the rules; it alone never
        blocks. ``model_may_block`` / ``model_may_clear``: the per-release settings that let it turn a rules
        ``review`` into ``block`` / ``allow`` (see :mod:`wildwatch.model.combine`)."""
        t0 = time.perf_counter()
        self.library = library if library is not None else load_starter()
        if model is None and self.library.model:  # the release's own classifier and settings
            from ..model import ModelError, model_from_dict

            try:
                model = model_from_dict(self.library.model["artefact"], "the release's model")
            except ModelError as exc:
                raise LibraryError(str(exc)) from None
            shipped = self.library.model.get("settings") or {}
            model_may_block = bool(shipped.get("model_may_block", model_may_block))
            model_may_clear = bool(shipped.get("model_may_clear", model_may_clear))
        self.model = model
        self.model_may_block = model_may_block
        self.model_may_clear = model_may_clear
        self.policy = Policy(self.library, profile)
        self.max_text_bytes = max_text_bytes
        terms = self.library.terms
        self._subject_terms: list[Term] = [t for t in terms if t.kind in SUBJECT_KINDS]
        self._context_terms: list[Term] = [t for t in terms if t.kind not in SUBJECT_KINDS]
        self._subjects = Matcher([(t.term, t.lang) for t in self._subject_terms])
        self._context = Matcher([(t.term, t.lang, t.kind != "intent") for t in self._context_terms])
        self._campaigns = campaign_order(self.library.campaigns)
        self.build_seconds = time.perf_counter() - t0

    @property
    def library_version(self) -> str:
        return self.library.version

    @property
    def pattern_count(self) -> int:
        return len(self._subjects) + len(self._context)

    # --- listings ---------------------------------------------------------------------------------------------

    def check(self, listing: Listing) -> Decision:
        return self.check_many([listing])[0]

    def check_many(self, listings: Iterable[Listing]) -> list[Decision]:
        texts: list[str] = []
        warnings: list[str | None] = []
        for listing in listings:
            text, warning = truncate_utf8(listing_text(listing), self.max_text_bytes)
            texts.append(text)
            warnings.append(warning)
        if not texts:
            return []
        batch = normalize_batch_bytes(texts)
        order = sorted(range(len(texts)), key=batch.starts.__getitem__)
        sorted_starts = [batch.starts[i] for i in order]
        candidates = {order[k] for k in self._subjects.listings_hit(batch.data, sorted_starts)}
        empty = Decision("allow", 0.0, (), (), self.library.version)
        out: list[Decision] = []
        for i, text in enumerate(texts):
            decision = self._decide(text) if i in candidates else empty
            if warnings[i]:
                decision = Decision(decision.verdict, decision.score, decision.hits, decision.reasons,
                                    decision.library_version, (*decision.warnings, warnings[i] or ""))
            out.append(decision)
        if self.model is not None:
            out = self._with_model(out, batch, order, empty)
        return out

    def _with_model(self, decisions: list[Decision], batch: NormalizedBatch, order: list[int],
                    empty: Decision) -> list[Decision]:
        """The model scores the whole batch in one vectorised pass over the normalised texts the rules used."""
        from ..model.combine import combine

        model = self.model
        assert model is not None
        pieces = batch.data.decode("utf-8").split("\n")  # in buffer order: listing order[k] is pieces[k]
        if len(pieces) == len(decisions):
            probs = np.empty(len(decisions))
            probs[order] = model.score_normalized(pieces)
        else:
            probs = model.score_normalized([batch.piece(i).decode("utf-8") for i in range(len(decisions))])
        shown = np.round(probs, 3).tolist()
        below = (probs < model.thresholds.review).tolist()
        out = []
        # a listing the rules allow with no hit and the model scores low: one shared decision per displayed score
        plain: dict[float, Decision] = {}
        for d, p, p3, low in zip(decisions, probs.tolist(), shown, below, strict=True):
            if low and d is empty:
                decision = plain.get(p3)
                if decision is None:
                    reason = combine("allow", p, model.thresholds, model.name, shown=p3).reason
                    decision = plain[p3] = Decision("allow", 0.0, (), (reason,), d.library_version, (), p3,
                                                    model.name, "both")
                out.append(decision)
                continue
            c = combine(d.verdict, p, model.thresholds, model.name, may_block=self.model_may_block,
                        may_clear=self.model_may_clear, shown=p3)
            verdict: Verdict = "block" if c.verdict == "block" else "review" if c.verdict == "review" else "allow"
            out.append(Decision(verdict, d.score, d.hits, (*d.reasons, c.reason), d.library_version, d.warnings,
                                p3, model.name, c.decided_by))
        return out

    def hits(self, text: str) -> tuple[Normalized, list[PlacedHit]]:
        """All hits in one text, overlaps resolved, at normalised character offsets."""
        norm = normalize(text)
        data = norm.text.encode("utf-8")
        char_at = _byte_to_char(norm.text, data)
        placed: list[PlacedHit] = []
        for matcher, terms in ((self._subjects, self._subject_terms), (self._context, self._context_terms)):
            for m in matcher.scan(data):
                for owner in matcher.owners[m.pattern]:
                    placed.append(_place(terms[owner], m, char_at, norm.text))
        return norm, _resolve_overlaps(placed)

    def _decide(self, text: str) -> Decision:
        norm, placed = self.hits(text)
        placed = language_consistent(placed, norm)
        assessment = self.policy.assess(placed, price=has_price(text), dated=has_old_date(text))
        if not assessment.subjects:
            absorbed = [p for p in placed if p.absorbed]
            if not absorbed:
                return Decision("allow", 0.0, (), (), self.library.version)
            reasons = tuple(dict.fromkeys(
                f"'{p.term.term}' is a {_CONTEXT_NAMES.get(p.term.context or '', 'benign')} phrase, "
                "not a wildlife product" for p in absorbed))
            hits = tuple(self._hit(p, norm, None, None) for p in absorbed)
            return Decision("allow", 0.0, hits, reasons, self.library.version)
        categories = {id(s.hit): s.category for s in assessment.subjects}
        products = {id(s.hit): s.product for s in assessment.subjects}
        hits = tuple(self._hit(p, norm, categories.get(id(p)), products.get(id(p))) for p in placed)
        return Decision(assessment.verdict, assessment.score, hits, assessment.reasons, self.library.version)

    def _hit(self, p: PlacedHit, norm: Normalized, category: str | None, product: str | None) -> Hit:
        start, end = norm.span(p.start, p.end)
        t = p.term
        return Hit(t.term, t.lang, t.kind, t.taxon, product or t.product, start, end,
                   norm.text[p.start:p.end].strip(" "), category, t.context, t.id)

    # --- searches -----------------------------------------------------------------------------------------------

    def check_search(self, query: str, lang: str | None = None, today: date | None = None, *,
                     campaigns: Sequence[Campaign] | None = None) -> SearchDecision:
        """Should a marketplace search show the educational pop-up, and with which message?

        An intercepted search for a taxon or species group of a campaign running ``today`` (by default the UTC
        date) shows the campaign's message. ``campaigns`` replaces the library's (the hub passes its live
        calendar), in order of preference (see :func:`campaign_order`)."""
        query, _ = truncate_utf8(query, 4096)
        norm, placed = self.hits(query)
        placed = language_consistent(placed, norm, lang)
        assessment = self.policy.assess(placed)
        lang_code = self._message_lang(lang)
        offered = any(p.term.kind == "intent" for p in placed)
        benign = [p for p in placed if p.term.kind == "benign"]
        intercept = False
        for s in assessment.subjects:
            if s.category not in ("prohibited", "restricted", "cover"):
                continue
            if any(self.policy.near(s.hit, b) for b in benign):
                continue  # "tiger print", "shark vacuum": a benign word beside it
            # a product or part ("ngà voi", "tiger skin"), or a species with a buying word ("buy tiger")
            if (s.hit.term.kind in ("product", "cover") and s.score >= 0.35) or s.product is not None or offered:
                intercept = True
                break
        hits = tuple(self._hit(p, norm, None, None) for p in placed) if intercept else ()
        if not intercept:
            return SearchDecision(False, lang_code, None, None, None, ())
        msg = self.library.messages.get(lang_code) or self.library.messages.get("en") or {}
        running = self._campaigns if campaigns is None else campaigns
        if running:
            campaign = self._campaign_for(placed, running, today or datetime.now(UTC).date())
            if campaign is not None:
                code, cmsg = campaign.message(lang)
                return SearchDecision(True, code, cmsg.get("title"), cmsg.get("body"),
                                      campaign.learn_more_url or msg.get("learn_more_url"), hits, campaign.slug)
        return SearchDecision(True, lang_code, msg.get("title"), msg.get("body"), msg.get("learn_more_url"), hits)

    def _campaign_for(self, placed: list[PlacedHit], campaigns: Sequence[Campaign], day: date) -> Campaign | None:
        """The first campaign running on ``day`` for one of the hits' taxa or species groups."""
        active = [c for c in campaigns if c.start <= day <= c.end]
        if not active:
            return None
        taxa: set[str] = set()
        groups: set[str] = set()
        for p in placed:
            term = p.term
            if term.taxon:
                taxa.add(term.taxon)
                taxon = self.library.taxa.get(term.taxon)
                if taxon is not None and taxon.group:
                    groups.add(taxon.group)
            if term.group:
                groups.add(term.group)
        return next((c for c in active if c.matches(taxa, groups)), None)

    def _message_lang(self, lang: str | None) -> str:
        if lang:
            code = lang.replace("_", "-").lower()
            for candidate in (code, code.split("-")[0]):
                if candidate in self.library.messages:
                    return candidate
        return "en"


def campaign_order(campaigns: Iterable[Campaign]) -> list[Campaign]:
    """Campaigns in order of preference when several match: the latest to start first, then by slug."""
    return sorted(campaigns, key=lambda c: (-c.start.toordinal(), c.slug))


_PRICE = re.compile(
    r"(?:[$£€¥₫₹฿₱₩]|\b(?:usd|eur|gbp|rp|rm|vnd|thb|php|inr|idr|myr|cny|rmb|jpy|krw|kes)\.?)\s?\d"
    r"|\d(?:[\d.,]*\d)?\s?(?:[$£€¥₫₹฿₱₩元円원]|\b(?:usd|eur|gbp|vnd|thb|idr|myr|rmb|jpy|kes|dollars?|euros?|"
    r"pounds|bucks|baht|rupiah|ringgit|yuan|yen|won|shillings?|đồng|dong|triệu|tr|k)\b)",
    re.IGNORECASE,
)


def has_price(text: str) -> bool:
    """A price in the listing (a currency sign or code next to a number): weak evidence of an offer."""
    return _PRICE.search(text) is not None


_OLD_DATE = re.compile(
    r"\b(?:c\.?\s?|circa\s|ca\.\s?)1[0-9]\d\d\b|\b1[5-8]\d\d\b|\b19[0-4]\d\b|\b1[0-9](?:st|nd|rd|th)[\s-]+c(?:entury|\.)"
    r"|\bc1[0-9](?:st|nd|rd|th)?\b",
    re.IGNORECASE,
)


def has_old_date(text: str) -> bool:
    """A year before 1950, a circa date or a century (antique dating)."""
    return _OLD_DATE.search(text) is not None


_CONTEXT_NAMES = {"colour": "colour", "brand": "brand or idiom", "replica": "toy, replica or imitation",
                  "material": "material or motif", "fossil": "fossil", "awareness": "news or awareness"}


#: Languages whose terms count anywhere: the marketplaces' lingua franca, and language-neutral entries (emoji).
FREE_LANGS = frozenset({"en", "und"})
#: Latin-script languages written with diacritics: a plain-ASCII match of their short words needs strong evidence.
DIACRITIC_LANGS = frozenset({"de", "fr", "es", "pt", "it", "vi", "pl", "tr", "cs", "ro", "hu", "sv", "da", "nb", "fi",
                             "ca", "is", "sk", "hr", "sl", "lt", "lv", "et"})


def language_consistent(hits: list[PlacedHit], norm: Normalized, lang: str | None = None) -> list[PlacedHit]:
    """Keep a hit of a term in a Latin-script language other than English only when the listing shows that language.

    Folding accents and matching many languages at once makes short words collide across languages: German "Stör"
    (sturgeon) folds to "stor" and its plural to "store"; French "once" (snow leopard) is an English word;
    Vietnamese "lông" (fur) folds to "long". A single-word hit is *strong* when its original text carries the term's
    diacritics; a phrase of several words is strong too. A weak hit counts when the listing holds a strong hit of
    the same language, or, for languages written without diacritics (Indonesian, Malay, Swahili, Dutch...), two
    different weak words of that language; or when the caller says the listing is in that language. Terms in other
    scripts (their script is the evidence) and English terms count, unless the original text of an English hit
    carries diacritics: Vietnamese "bán" (sell) folds to "ban", and is not the English word.
    """
    strong: set[str] = set()
    weak_texts: dict[str, set[str]] = {}
    verdicts: list[tuple[PlacedHit, str | None]] = []
    for h in hits:
        term = h.term
        code = term.lang.split("-")[0]
        if code == "en" and term.term.isascii() and code != lang:
            start, end = norm.span(h.start, h.end)
            if _has_diacritics(norm.original[start:end]):
                continue  # an English word written with diacritics is another language's word ("bán" is not "ban")
        if code in FREE_LANGS or code == lang or not _latin_only(term.term):
            verdicts.append((h, None))
            continue
        folded = norm.text[h.start : h.end].strip(" ")
        start, end = norm.span(h.start, h.end)
        if " " in folded or (not term.term.isascii() and not norm.original[start:end].isascii()):
            strong.add(code)
            verdicts.append((h, None))
        else:
            weak_texts.setdefault(code, set()).add(folded)
            verdicts.append((h, code))
    out = []
    for h, weak_code in verdicts:
        if (weak_code is not None and weak_code not in strong
                and (weak_code in DIACRITIC_LANGS or len(weak_texts[weak_code]) < 2)):
            continue
        out.append(h)
    return out


def _has_diacritics(text: str) -> bool:
    """Accents on letters (not full-width forms, not homoglyphs: those are evasions of the same word)."""
    return not text.isascii() and any(unicodedata.combining(c) for c in unicodedata.normalize("NFKD", text))


def _latin_only(term: str) -> bool:
    return all(not c.isalpha() or c < "\u0250" or "\u1e00" <= c <= "\u1eff" for c in term)


def _byte_to_char(text: str, data: bytes) -> Sequence[int] | None:
    """For each byte offset of ``data`` (``text`` in UTF-8), the character offset; None when they are equal."""
    if len(data) == len(text):
        return None
    codes = np.frombuffer(data, dtype=np.uint8)
    index = np.empty(len(codes) + 1, dtype=np.int64)
    index[0] = 0
    np.cumsum((codes & 0xC0) != 0x80, out=index[1:])
    # matches start and end on character boundaries, where index[b] counts the characters before byte b
    return index.tolist()


def _place(term: Term, m: Match, char_at: Sequence[int] | None, text: str) -> PlacedHit:
    if char_at is None:
        return PlacedHit(term, m.start, m.end)
    return PlacedHit(term, char_at[m.start], char_at[m.end])


def _resolve_overlaps(hits: list[PlacedHit]) -> list[PlacedHit]:
    """Drop every hit whose span lies strictly inside a longer hit's span (the longest match wins)."""
    spans = sorted({(h.start, h.end) for h in hits}, key=lambda s: (s[0], -s[1]))
    inside: set[tuple[int, int]] = set()
    max_end = -1
    for start, end in spans:
        if max_end >= end:
            inside.add((start, end))
        max_end = max(max_end, end)
    # a cover term qualifies the product it overlaps: "mammoth ivory" + "ivory netsuke" is a mammoth-ivory netsuke
    covers = [h for h in hits if h.term.kind == "cover" and (h.start, h.end) not in inside]
    for h in hits:
        if h.term.kind == "product" and any(c.start < h.end and h.start < c.end for c in covers):
            inside.add((h.start, h.end))
    keep = [h for h in hits if (h.start, h.end) not in inside]
    swallowed = [h for h in hits if (h.start, h.end) in inside and h.term.kind in SUBJECT_KINDS]
    for h in keep:
        if h.term.kind == "benign" and any(h.start <= s.start and s.end <= h.end for s in swallowed):
            h.absorbed = True
    keep.sort(key=lambda h: (h.start, h.end))
    return keep
