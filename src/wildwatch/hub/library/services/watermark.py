"""Watermarked copies and leak tracing.

Every organisation's copy of a release carries a few canary terms of its own: plausible invented trade code words
("zukomi bead") that match no real listing. A leaked copy, even stripped of its manifest, re-serialised and with
entries deleted, still holds most of them, and so names its source.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import io
import json
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import transaction

from wildwatch.detect import library as engine
from wildwatch.detect.normalize import normalize_batch
from wildwatch.detect.signing import sign_digest
from wildwatch.hub.accounts.models import ApiKey, Organisation
from wildwatch.hub.accounts.services import audit

from ..models import Canary, CommonName, Download, Release, Term
from .releases import signing_key

CANARIES_PER_ORG = 5
CANARY_SOURCE = "coalition"
#: consonant-vowel syllables only, so that no letter repeats across a join (normalisation collapses repeats)
SYLLABLES = ("ka", "lo", "mi", "zu", "ra", "bo", "shi", "va", "ne", "ko", "ri", "da", "mu", "sa", "yu", "ba",
             "li", "ngo", "ta", "we", "ki", "mo", "ze", "pa", "fa", "gu", "te", "ho")
#: product word -> (group, product type) the decoy pretends to be
PRODUCT_WORDS: dict[str, tuple[str, str]] = {
    "carving": ("elephants", "ivory"), "bangle": ("elephants", "ivory"), "bead": ("elephants", "ivory"),
    "powder": ("rhinos", "horn"), "flake": ("pangolins", "scales"), "tonic": ("bears", "medicine_tonic"),
    "pendant": ("big_cats", "bone_teeth_claws"), "comb": ("marine_turtles", "shell"),
}
_WORDS = tuple(PRODUCT_WORDS)


def _norm(texts: list[str]) -> list[str]:
    return [t.strip(" ") for t in normalize_batch(texts)] if texts else []


def _stream(key: str) -> Iterator[bytes]:
    secret = settings.SECRET_KEY.encode("utf-8")
    n = 0
    while True:
        yield hmac.new(secret, f"wildwatch-canary:{key}:{n}".encode(), hashlib.sha256).digest()
        n += 1


def _candidates(org_slug: str) -> Iterator[str]:
    for h in _stream(org_slug):
        syllables = [SYLLABLES[b % len(SYLLABLES)] for b in h[:3]]
        if len(set(syllables)) < len(syllables):  # "patata", "kaka": too close to real words
            continue
        word = "".join(syllables)
        yield f"{word} {_WORDS[h[3] % len(_WORDS)]}"


def _taken() -> set[str]:
    texts = [*Term.objects.values_list("term", flat=True), *CommonName.objects.values_list("name", flat=True),
             *Canary.objects.values_list("term", flat=True)]
    return set(_norm(texts))


@transaction.atomic
def canaries_for(org: Organisation) -> list[Canary]:
    """The organisation's canary terms, made on first use: deterministic for the organisation (and the hub's
    secret key), and neither the phrase nor its invented word is a term of the library or another canary."""
    Organisation.objects.select_for_update().filter(pk=org.pk).first()  # one maker per organisation at a time
    existing = list(Canary.objects.filter(organisation=org).order_by("pk"))
    if len(existing) >= CANARIES_PER_ORG:
        return existing
    taken = _taken()
    made: list[Canary] = []
    for candidate in _candidates(org.slug):
        phrase, word = _norm([candidate, candidate.split(" ")[0]])
        if phrase in taken or word in taken:
            continue
        taken.update((phrase, word))
        made.append(Canary.objects.create(organisation=org, term=candidate, lang="en"))
        if len(existing) + len(made) >= CANARIES_PER_ORG:
            break
    audit("library.canaries", organisation=org, target=org.slug, count=len(made))
    return existing + made


def _canary_term(canary: Canary) -> engine.Term:
    word = canary.term.rsplit(" ", 1)[-1]
    group, product = PRODUCT_WORDS.get(word, (None, None))
    return engine.Term(id=f"t-product-{canary.term.replace(' ', '-')}-{canary.lang}", term=canary.term,
                       lang=canary.lang, kind="product", group=group, product=product, source=CANARY_SOURCE)


def watermarked_bundle(release: Release, org: Organisation) -> tuple[bytes, str, str]:
    """The organisation's copy of a release: the release's library plus the organisation's canary terms (spread
    through the terms), with ``copy_for`` in the manifest. Its content digest differs from the release's, so it
    carries its own signature. Returns (bundle, signature, etag); the copy is deterministic, so is the ETag, and
    each process keeps the last few copies it built (a conditional GET answered 304 builds nothing)."""
    canaries = canaries_for(org)
    key = (release.pk, release.content_digest, org.slug, tuple(c.term for c in canaries))
    with _copies_lock:
        cached = _copies.get(key)
        if cached is not None:
            _copies.move_to_end(key)
            return cached
    built = _build_copy(release, org, canaries)
    with _copies_lock:
        _copies[key] = built
        while len(_copies) > COPIES_KEPT:
            _copies.popitem(last=False)
    return built


COPIES_KEPT = 16
_copies: OrderedDict[tuple[int, str, str, tuple[str, ...]], tuple[bytes, str, str]] = OrderedDict()
_copies_lock = threading.Lock()


def _build_copy(release: Release, org: Organisation, canaries: list[Canary]) -> tuple[bytes, str, str]:
    library, manifest = engine.load_bundle(bytes(release.bundle))
    terms = list(library.terms)
    for canary, h in zip(canaries, _stream(f"{org.slug}/positions"), strict=False):
        terms.insert(int.from_bytes(h[:8], "big") % (len(terms) + 1), _canary_term(canary))
    marked = dataclasses.replace(library, terms=terms)  # everything else as released (campaigns included)
    extra: dict[str, Any] = {"copy_for": org.slug}
    if manifest.get("created"):
        extra["created"] = manifest["created"]
    data = marked.to_bundle(extra)
    return data, sign_digest(signing_key(), marked.digest(copy_for=org.slug)), hashlib.sha256(data).hexdigest()


@transaction.atomic
def record_download(release: Release, org: Organisation, *, user: Any = None, api_key: ApiKey | None = None,
                    etag: str | None = None) -> Download:
    """Record that an organisation took its copy of a release (pass the ETag when it is already known)."""
    if etag is None:
        etag = watermarked_bundle(release, org)[2]
    download = Download.objects.create(
        release=release, organisation=org, user=user if getattr(user, "is_authenticated", False) else None,
        api_key=api_key, etag=etag)
    audit("release.download", actor=user, organisation=org, api_key=api_key, target=f"release {release.number}",
          number=release.number, etag=etag)
    return download


# --- tracing -----------------------------------------------------------------------------------------------------


def _strings(doc: Any, out: list[str]) -> None:
    if isinstance(doc, str):
        out.extend(doc.splitlines() or [doc])
    elif isinstance(doc, dict):
        for value in doc.values():
            _strings(value, out)
    elif isinstance(doc, list | tuple):
        for value in doc:
            _strings(value, out)


def _decode(data: bytes) -> Any:
    """A zip (any of its files), JSON or plain text, as JSON-like data."""
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return [_decode(zf.read(name)) for name in zf.namelist() if not name.endswith("/")]
    text = data.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def trace_leak(data: bytes | dict[str, Any] | list[Any]) -> list[tuple[Organisation, float]]:
    """The organisations whose canary terms appear in a leaked copy, most likely source first, with the fraction
    of their canaries found. Accepts a bundle, any zip, JSON (a bare list of terms will do) or plain text: every
    string in it is normalised as the engine normalises terms, and canaries are found as whole words."""
    doc = _decode(data) if isinstance(data, bytes | bytearray) else data
    texts: list[str] = []
    _strings(doc, texts)
    haystack = "".join(normalize_batch(texts)) if texts else ""  # every text is padded with spaces
    canaries = list(Canary.objects.select_related("organisation").order_by("organisation_id", "pk"))
    normalised = _norm([c.term for c in canaries])
    found: dict[int, int] = {}
    total: dict[int, int] = {}
    orgs: dict[int, Organisation] = {}
    for canary, norm in zip(canaries, normalised, strict=True):
        orgs[canary.organisation_id] = canary.organisation
        total[canary.organisation_id] = total.get(canary.organisation_id, 0) + 1
        if f" {norm} " in haystack:
            found[canary.organisation_id] = found.get(canary.organisation_id, 0) + 1
    ranked = [(orgs[pk], n / total[pk]) for pk, n in found.items()]
    ranked.sort(key=lambda r: (-r[1], r[0].slug))
    return ranked
