"""Watermarked copies and leak tracing, on the real database: every organisation's copy carries its own canary
terms, and a leaked copy names its source even stripped, re-serialised and with entries deleted."""

from __future__ import annotations

import io
import json
import random
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from wildwatch.detect.engine import Detector
from wildwatch.detect.library import load_bundle, load_starter
from wildwatch.detect.normalize import normalize_term
from wildwatch.detect.signing import load_signed_bundle
from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import AuditEntry, Organisation
from wildwatch.hub.library import services
from wildwatch.hub.library.models import Canary, Download, Release, Term

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def signing_key_path(settings: Any, tmp_path: Path) -> Path:
    settings.SIGNING_KEY_PATH = tmp_path / "signing-key.pem"
    return Path(settings.SIGNING_KEY_PATH)


@pytest.fixture
def release() -> Release:
    services.import_library(load_starter())
    return services.publish_release(changelog="Starter library")


@pytest.fixture
def orgs() -> dict[str, Organisation]:
    return {slug: accounts.create_organisation(slug, slug.upper(), "member") for slug in ("org-a", "org-b", "org-c")}


def test_each_organisation_gets_its_own_canaries(release: Release, orgs: dict[str, Organisation]) -> None:
    a, b = orgs["org-a"], orgs["org-b"]
    canaries_a = services.canaries_for(a)
    assert len(canaries_a) == services.CANARIES_PER_ORG
    assert [c.pk for c in services.canaries_for(a)] == [c.pk for c in canaries_a]  # made once
    canaries_b = services.canaries_for(b)
    terms_a, terms_b = {c.term for c in canaries_a}, {c.term for c in canaries_b}
    assert not terms_a & terms_b
    library = set(Term.objects.values_list("term", flat=True))
    normalised = {normalize_term(t) for t in library}
    for canary in [*canaries_a, *canaries_b]:
        word = canary.term.split(" ")[0]
        assert normalize_term(canary.term) not in normalised and normalize_term(word) not in normalised
        assert canary.lang == "en" and word.isascii() and word.isalpha()
    assert Canary.objects.count() == 2 * services.CANARIES_PER_ORG
    # deterministic per organisation: made again from scratch, the same words come back
    Canary.objects.filter(organisation=a).delete()
    assert {c.term for c in services.canaries_for(a)} == terms_a


def test_watermarked_copies_differ_and_verify(release: Release, orgs: dict[str, Organisation]) -> None:
    _, sig_a, etag_a = services.watermarked_bundle(release, orgs["org-a"])
    data_b, sig_b, etag_b = services.watermarked_bundle(release, orgs["org-b"])
    assert etag_a != etag_b and sig_a != sig_b
    assert services.watermarked_bundle(release, orgs["org-a"])[2] == etag_a  # same copy, same ETag
    library, manifest = load_signed_bundle(data_b, sig_b, services.public_key())
    assert manifest["copy_for"] == "org-b" and manifest["library_version"] == release.library_version
    assert manifest["content_digest"] != release.content_digest
    canaries = {c.term for c in services.canaries_for(orgs["org-b"])}
    marked = [t for t in library.terms if t.term in canaries]
    assert len(marked) == services.CANARIES_PER_ORG
    assert all(t.kind == "product" and t.lang == "en" and t.source == "coalition" for t in marked)
    assert len(library.terms) == len(load_bundle(bytes(release.bundle))[0].terms) + services.CANARIES_PER_ORG
    detector = Detector(library)
    assert detector.check("rhino horn for sale, whatsapp").verdict == "block"
    assert detector.check("hand-knitted wool scarf, blue").verdict == "allow"


def test_downloads_are_recorded_and_audited(release: Release, orgs: dict[str, Organisation]) -> None:
    _, _, etag = services.watermarked_bundle(release, orgs["org-a"])
    download = services.record_download(release, orgs["org-a"], etag=etag)
    assert Download.objects.get() == download and download.etag == etag
    assert services.record_download(release, orgs["org-a"]).etag == etag  # computed when not given
    entry = AuditEntry.objects.filter(action="release.download").first()
    assert entry is not None and entry.organisation == orgs["org-a"] and entry.details["etag"] == etag


def _leaked_terms(bundle: bytes, seed: int = 7, drop: float = 0.10) -> list[dict[str, Any]]:
    """What a leaker might publish: the terms file alone (no manifest), re-serialised, 10% of entries deleted."""
    with zipfile.ZipFile(io.BytesIO(bundle)) as zf:
        terms = json.loads(zf.read("library/terms.json"))
    rng = random.Random(seed)
    kept = [t for t in terms if rng.random() >= drop]
    assert len(kept) < 0.95 * len(terms)
    reordered = [dict(reversed(list(t.items()))) for t in kept]
    return list(json.loads(json.dumps(reordered, indent=4, ensure_ascii=True)))


def test_a_stripped_leak_names_its_source(release: Release, orgs: dict[str, Organisation], tmp_path: Path) -> None:
    copies = {slug: services.watermarked_bundle(release, org)[0] for slug, org in orgs.items()}
    leaked = _leaked_terms(copies["org-b"])
    ranked = services.trace_leak(leaked)
    assert ranked[0][0] == orgs["org-b"] and ranked[0][1] >= 0.6
    assert all(score == 0 or org == orgs["org-b"] for org, score in ranked)
    # the same leak as a file of JSON bytes, as a dict, and the whole bundle
    raw = json.dumps(leaked, indent=2, sort_keys=True).encode()
    assert services.trace_leak(raw)[0][0] == orgs["org-b"]
    assert services.trace_leak({"entries": leaked})[0][0] == orgs["org-b"]
    assert services.trace_leak(copies["org-c"]) == [(orgs["org-c"], 1.0)]
    # as a bare list of words in a text file
    text = "\n".join(t["term"] for t in leaked).encode()
    assert services.trace_leak(text)[0][0] == orgs["org-b"]
    # the command line
    path = tmp_path / "leak.json"
    path.write_bytes(raw)
    out = io.StringIO()
    call_command("traceleak", str(path), stdout=out)
    first = out.getvalue().splitlines()[0]
    assert "org-b" in first


def test_a_clean_release_names_nobody(release: Release, orgs: dict[str, Organisation], tmp_path: Path) -> None:
    for org in orgs.values():
        services.canaries_for(org)
    assert services.trace_leak(bytes(release.bundle)) == []
    path = tmp_path / "clean.wwlib"
    path.write_bytes(bytes(release.bundle))
    out = io.StringIO()
    call_command("traceleak", str(path), stdout=out)
    assert "No canary term found" in out.getvalue()
