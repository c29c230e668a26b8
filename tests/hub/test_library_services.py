"""The library services on the real database: import, export, curation, signed immutable releases and diffs."""

from __future__ import annotations

import dataclasses
import io
import json
import stat
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from wildwatch.detect.engine import Detector
from wildwatch.detect.library import Library, LibraryError, canonical_json, load_starter
from wildwatch.detect.signing import generate_key, load_signed_bundle, public_key_pem
from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.accounts.roles import Role
from wildwatch.hub.library import services
from wildwatch.hub.library.models import CommonName, LibraryDocument, Release, ReleaseImmutable, Taxon, Term

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def signing_key_path(settings: Any, tmp_path: Path) -> Path:
    settings.SIGNING_KEY_PATH = tmp_path / "keys" / "signing-key.pem"
    return Path(settings.SIGNING_KEY_PATH)


@pytest.fixture(scope="module")
def starter() -> Library:
    return load_starter()


@pytest.fixture
def imported(starter: Library) -> Library:
    services.import_library(starter)
    return starter


def test_import_counts_and_idempotence(starter: Library) -> None:
    counts = services.import_starter()
    n_names = sum(1 for t in starter.terms if t.kind == "name")
    assert counts["taxa"] == {"created": len(starter.taxa), "updated": 0, "unchanged": 0}
    assert counts["names"]["created"] == n_names == CommonName.objects.count()
    assert counts["terms"]["created"] == len(starter.terms) - n_names == Term.objects.count()
    assert Taxon.objects.count() == len(starter.taxa) > 300
    assert set(LibraryDocument.objects.values_list("key", flat=True)) == {"rules", "profiles", "messages",
                                                                          "license"}
    before = list(Term.objects.order_by("pk").values_list("pk", "updated_at"))
    again = services.import_library(starter)
    assert all(c["created"] == c["updated"] == 0 for c in again.values())
    assert again["terms"]["unchanged"] == len(before)
    assert list(Term.objects.order_by("pk").values_list("pk", "updated_at")) == before
    assert AuditEntry.objects.filter(action="library.import").count() == 2


def test_import_updates_only_what_changed(imported: Library) -> None:
    term = next(t for t in imported.terms if t.kind == "product")
    changed = dataclasses.replace(term, source="a new report")
    library = dataclasses.replace(imported, terms=[changed if t is term else t for t in imported.terms])
    counts = services.import_library(library)
    assert counts["terms"]["created"] == 0 and counts["terms"]["updated"] == 1
    assert counts["names"]["updated"] == counts["taxa"]["updated"] == 0
    assert Term.objects.get(term_id=term.id).source == "a new report"


def test_import_keeps_a_curators_retirement(imported: Library) -> None:
    term = Term.objects.get(term_id="t-product-ivory-en")
    services.retire_term(term)
    services.import_library(imported)
    assert Term.objects.get(term_id="t-product-ivory-en").status == Term.Status.RETIRED


def test_export_round_trips_and_builds_a_detector(imported: Library) -> None:
    exported = services.export_library(imported.version)
    assert exported.digest() == imported.digest()  # the same content, to the byte
    detector = Detector(exported)
    assert detector.check("rhino horn for sale, whatsapp").verdict == "block"
    services.retire_term(Term.objects.get(term_id="t-product-ivory-en"))
    assert "t-product-ivory-en" not in {t.id for t in services.export_library("x").terms}


def test_term_services_validate_and_audit(imported: Library, role_users: dict[str, Any]) -> None:
    analyst = role_users[Role.ANALYST]
    term = Term.objects.get(term_id="t-product-ivory-en")
    with pytest.raises(ValidationError):
        services.update_term(term, {"status": "retired"}, analyst)
    with pytest.raises(ValidationError):
        services.update_term(term, {"kind": "nonsense"}, analyst)
    with pytest.raises(ValidationError):
        services.update_term(term, {"taxon": "no-such-taxon"}, analyst)
    assert Term.objects.get(pk=term.pk).kind == "product"  # the failed updates rolled back
    updated = services.update_term(term, {"taxon": "loxodonta-africana", "tags": ["ivory", "raw"]}, analyst)
    assert updated.taxon is not None and updated.taxon.taxon_id == "loxodonta-africana"
    entry = AuditEntry.objects.get(action="term.update")
    assert entry.actor == analyst and entry.target == "t-product-ivory-en"
    assert entry.details["changes"]["taxon"] == [None, "loxodonta-africana"]
    services.update_term(updated, {"tags": ["ivory", "raw"]}, analyst)  # no change, no audit entry
    assert AuditEntry.objects.filter(action="term.update").count() == 1
    new = services.create_term({"term": "white gold carving", "lang": "en", "kind": "cover", "product": "ivory",
                                "category": "cover"}, analyst)
    assert new.term_id == "t-cover-white-gold-carving-en" and new.status == Term.Status.ACTIVE
    retired = services.retire_term(new, analyst)
    assert retired.status == Term.Status.RETIRED
    assert services.reactivate_term(retired, analyst).status == Term.Status.ACTIVE
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"term.create", "term.retire", "term.reactivate"} <= actions


def test_publish_two_releases_and_diff(imported: Library, role_users: dict[str, Any]) -> None:
    admin = role_users[Role.COALITION_ADMIN]
    first = services.publish_release(actor=admin, changelog="Starter library")
    assert first.number == 1 and first.library_version.endswith(".1") and first.published_by == admin
    assert len(first.term_snapshot) == len(imported.terms)
    services.update_term(Term.objects.get(term_id="t-product-ivory-en"), {"source": "new evidence"}, admin)
    services.retire_term(Term.objects.get(term_id="t-product-real-ivory-en"), admin)
    services.create_term({"term": "white gold carving", "lang": "en", "kind": "cover", "product": "ivory",
                          "category": "cover"}, admin)
    second = services.publish_release(actor=admin, changelog="One edit, one retirement, one addition")
    assert second.number == 2 and second.content_digest != first.content_digest
    diff = services.diff_releases(first, second)
    assert diff["added"] == [{"term_id": "t-cover-white-gold-carving-en", "term": "white gold carving",
                              "lang": "en", "kind": "cover"}]
    assert diff["changed"] == [{"term_id": "t-product-ivory-en", "term": "ivory", "lang": "en", "kind": "product"}]
    assert diff["retired"] == [{"term_id": "t-product-real-ivory-en", "term": "real ivory", "lang": "en",
                                "kind": "product"}]
    assert services.diff_releases(second, second) == {"added": [], "changed": [], "retired": []}
    assert AuditEntry.objects.filter(action="release.publish", actor=admin).count() == 2


def test_releases_are_immutable(imported: Library) -> None:
    release = services.publish_release(changelog="first")
    release.changelog = "rewritten history"
    with pytest.raises(ReleaseImmutable):
        release.save()
    with pytest.raises(ReleaseImmutable):
        release.delete()
    stored = Release.objects.get(pk=release.pk)
    assert stored.changelog == "first" and bytes(stored.bundle) == bytes(release.bundle)


def test_signature_verifies_with_the_hubs_public_key(imported: Library, signing_key_path: Path) -> None:
    release = services.publish_release(changelog="signed")
    assert stat.S_IMODE(signing_key_path.stat().st_mode) == 0o600
    assert services.signing_key() == signing_key_path.read_bytes()  # made once, then reused
    library, manifest = load_signed_bundle(bytes(release.bundle), release.signature, services.public_key())
    assert manifest["content_digest"] == release.content_digest and library.version == release.library_version
    # tampered: a term changed and the manifest's digests recomputed, so that only the signature can tell
    victim = next(t for t in library.terms if t.kind == "product")
    tampered = dataclasses.replace(library, terms=[
        dataclasses.replace(t, category="allowed") if t is victim else t for t in library.terms])
    assert tampered.digest() != release.content_digest
    with pytest.raises(LibraryError, match="bad signature"):
        load_signed_bundle(tampered.to_bundle(), release.signature, services.public_key())
    src = zipfile.ZipFile(io.BytesIO(bytes(release.bundle)))
    docs = {n: json.loads(src.read(n)) for n in src.namelist() if n.endswith(".json")}
    docs["library/terms.json"][0]["category"] = "allowed"
    # tampered without recomputing the digests
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, canonical_json(docs[name]) if name == "library/terms.json" else src.read(name))
    with pytest.raises(LibraryError, match="digest mismatch"):
        load_signed_bundle(out.getvalue(), release.signature, services.public_key())
    with pytest.raises(LibraryError, match="bad signature"):
        load_signed_bundle(bytes(release.bundle), release.signature, public_key_pem(generate_key()))


def test_publishrelease_command(imported: Library, role_users: dict[str, Any]) -> None:
    out = io.StringIO()
    call_command("publishrelease", "--changelog", "from the command line", "--user", "user-coalition_admin",
                 stdout=out)
    release = Release.objects.get()
    assert f"Published release {release.number}" in out.getvalue()
    assert release.published_by == role_users[Role.COALITION_ADMIN] and release.changelog == "from the command line"


def test_releases_refuse_bulk_updates_and_deletes(db: object) -> None:
    from wildwatch.hub.library.models import Release, ReleaseImmutable
    from wildwatch.hub.library.services import import_starter, publish_release

    import_starter()
    publish_release(changelog="one")
    with pytest.raises(ReleaseImmutable):
        Release.objects.filter(number=1).update(changelog="changed")
    with pytest.raises(ReleaseImmutable):
        Release.objects.all().delete()
    assert Release.objects.get(number=1).changelog == "one"
