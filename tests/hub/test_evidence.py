"""Evidence packages: the signed ZIP, its verification (and every way of tampering with it), the command, the audit
and custody logs, and who may export (analysts, officers of the jurisdiction)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from login_helpers import login
from PIL import Image

from wildwatch.detect.signing import generate_key, public_key_pem
from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.accounts.roles import Role
from wildwatch.hub.evidence import services
from wildwatch.hub.evidence.contents import screenshot_path
from wildwatch.hub.evidence.jurisdiction import countries_mentioned
from wildwatch.hub.evidence.models import CustodyEntry, Package
from wildwatch.hub.evidence.package import MANIFEST, SIGNATURE, sign, verify_package, write_package
from wildwatch.hub.library.services import public_key
from wildwatch.hub.reports import services as reports
from wildwatch.hub.reports.models import Case, CaseStatus

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-9"
ROOT = Path(__file__).resolve().parents[2]
LISTING = "Genuine ivory bangle, 3 pieces, shipping from Lyon. Contact me on WhatsApp."


@pytest.fixture(autouse=True)
def _storage(settings: Any, tmp_path: Path) -> None:
    settings.SIGNING_KEY_PATH = tmp_path / "keys" / "signing-key.pem"
    settings.MEDIA_ROOT = tmp_path / "media"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


@dataclass
class World:
    analyst: Any
    officer_fr: Any
    officer_ke: Any
    reviewer: Any
    volunteer: Any
    case: Case
    png: bytes


def _user(slug: str, kind: str, role: str, country: str = "") -> Any:
    org = accounts.create_organisation(slug, slug.upper(), kind, country=country)
    return accounts.add_member(org, f"{slug}-{role}", role, password=PASSWORD, email=f"{slug}@example.org")


@pytest.fixture
def world(db: Any) -> World:
    market = accounts.create_organisation("ev-market", "EV Market", "member")
    accounts.add_platform(market, "ev-shop", "EV Shop", "ecommerce", ["FR", "BE"], domains=["shop.example"])
    analyst = _user("ev-ngo", "ngo", Role.ANALYST)
    reviewer = accounts.add_member(market, "ev-reviewer", Role.REVIEWER, password=PASSWORD)
    volunteer = _user("ev-spotters", "volunteers", Role.VOLUNTEER)
    png = _png()
    first = reports.file_report(
        "public", "https://shop.example/item/42?utm_source=x", email="witness@example.org", listing_text=LISTING,
        species_text="Loxodonta africana", product="ivory", seller_handle="ivory_trader", seller_location="Lyon",
        screenshot=SimpleUploadedFile("bangle photo.png", png, "image/png"),
        screenshot_sha256=hashlib.sha256(png).hexdigest())
    reports.file_report("volunteer", "https://www.shop.example/item/42", reporter=volunteer,
                        email="spotter@example.org", notes="Same seller as last week", seller_contacts=["+33612345678"])
    case = reports.accept(first.case, analyst)
    Case.objects.filter(pk=case.pk).update(claimed_by=reviewer)
    reports.decide(case, reviewer, "prohibited", "removed_listing", "Ivory: prohibited")
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED
    return World(analyst, _user("ev-police-fr", "agency", Role.OFFICER, "FR"),
                 _user("ev-police-ke", "agency", Role.OFFICER, "KE"), reviewer, volunteer, case, png)


def _client(user: Any) -> Client:
    client = Client()
    assert login(client, user.username, PASSWORD)
    return client


def _export(world: World) -> bytes:
    return services.build_package(world.case, world.analyst, reference="OP-7").data


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def _kinds(data: bytes, key: bytes | None = None) -> set[tuple[str, str]]:
    return {(p.kind, p.path) for p in verify_package(data, key or public_key()).problems}


# --- the package ---------------------------------------------------------------------------------------------------


def test_a_package_holds_the_evidence_and_verifies(world: World) -> None:
    data = _export(world)
    result = services.verify_with_hub_key(data)
    assert result.ok and result.signature_valid and result.problems == []
    files = _members(data)
    shot = f"screenshots/{world.case.reports.first().pk}-bangle_photo.png"  # type: ignore[union-attr]
    assert list(files) == [MANIFEST, SIGNATURE, "case.json", "decisions.json", "listing.txt", "reports.json", shot]
    assert files[shot] == world.png and files["listing.txt"].decode() == LISTING
    manifest = json.loads(files[MANIFEST])
    assert manifest["case_id"] == world.case.pk and manifest["reference"] == "OP-7"
    assert manifest["exported_by"] == {"username": world.analyst.username, "organisation": "EV-NGO"}
    assert manifest["hub"]["version"] and manifest["created_at"].endswith("+00:00")
    assert [f["path"] for f in manifest["files"]] == sorted(set(files) - {MANIFEST, SIGNATURE})
    assert {f["path"]: f["sha256"] for f in manifest["files"]}[shot] == hashlib.sha256(world.png).hexdigest()
    assert result.files_checked == 5 and result.manifest_digest == "sha256:" + hashlib.sha256(
        files[MANIFEST]).hexdigest()
    shots = [r["screenshot"] for r in json.loads(files["reports.json"]) if r["screenshot"]]
    assert shots == [{"path": shot, "sha256": hashlib.sha256(world.png).hexdigest(), "bytes": len(world.png),
                      "sha256_at_upload": hashlib.sha256(world.png).hexdigest(), "matches_upload": True}]
    decisions = json.loads(files["decisions.json"])
    assert [(d["action"], d["comment"]) for d in decisions] == [("removed_listing", "Ivory: prohibited")]
    assert decisions[0]["created_at"]
    # privacy: no reporter's e-mail address, account or tracking code anywhere
    blob = b"".join(files.values())
    codes = [r.tracking_code for r in world.case.reports.all() if r.tracking_code]
    assert codes and not any(code.encode() in blob for code in codes)
    for secret in (b"witness@example.org", b"spotter@example.org", world.volunteer.username.encode(),
                   world.reviewer.username.encode()):
        assert secret not in blob, secret


def test_writing_is_deterministic() -> None:
    key, when = generate_key(), datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    files = {"b.txt": b"two", "a.txt": b"one", "screenshots/1-x.png": b"\x89PNG"}
    first = write_package(files, {"case_id": 1}, key, when)
    assert first.data == write_package(dict(reversed(files.items())), {"case_id": 1}, key, when).data
    assert verify_package(first.data, public_key_pem(key)).ok


@pytest.mark.parametrize("name", ["case.json", "decisions.json", "listing.txt", "reports.json", "screenshot"])
def test_a_changed_byte_in_any_file_is_caught(world: World, name: str) -> None:
    members = _members(_export(world))
    name = next(n for n in members if n.startswith("screenshots/")) if name == "screenshot" else name
    changed = bytearray(members[name])
    changed[len(changed) // 2] ^= 0x01
    members[name] = bytes(changed)
    assert _kinds(_zip(members)) == {("changed", name)}


def test_a_changed_file_with_its_hash_recomputed_breaks_the_signature(world: World) -> None:
    members = _members(_export(world))
    members["listing.txt"] = LISTING.replace("3 pieces", "1 piece").encode()
    manifest = json.loads(members[MANIFEST])
    for entry in manifest["files"]:
        if entry["path"] == "listing.txt":
            entry["sha256"] = hashlib.sha256(members["listing.txt"]).hexdigest()
            entry["bytes"] = len(members["listing.txt"])
    members[MANIFEST] = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False).encode() + b"\n"
    result = verify_package(_zip(members), public_key())
    assert {(p.kind, p.path) for p in result.problems} == {("bad_signature", SIGNATURE)}
    assert not result.ok and result.files_checked == 5


def test_removed_added_and_duplicated_files_are_caught(world: World) -> None:
    members = _members(_export(world))
    shot = next(n for n in members if n.startswith("screenshots/"))
    assert _kinds(_zip({n: d for n, d in members.items() if n != shot})) == {("missing", shot)}
    assert _kinds(_zip({**members, "screenshots/9-planted.png": b"x"})) == {("extra", "screenshots/9-planted.png")}
    assert _kinds(_zip({n: d for n, d in members.items() if n != MANIFEST})) == {("no_manifest", MANIFEST)}
    doubled = io.BytesIO(_zip(members))
    with pytest.warns(UserWarning), zipfile.ZipFile(doubled, "a") as zf:
        zf.writestr("listing.txt", b"another listing")
    assert ("duplicate", "listing.txt") in _kinds(doubled.getvalue())


def test_a_replaced_or_missing_signature_is_caught(world: World) -> None:
    members = _members(_export(world))
    other = generate_key()
    forged = {**members, SIGNATURE: sign(other, members[MANIFEST]).encode()}
    assert _kinds(_zip(forged)) == {("bad_signature", SIGNATURE)}
    assert verify_package(_zip(forged), public_key_pem(other)).ok  # valid, but for another key
    assert _kinds(_zip({**members, SIGNATURE: b"not base64!"})) == {("bad_signature", SIGNATURE)}
    assert _kinds(_zip({n: d for n, d in members.items() if n != SIGNATURE})) == {("no_signature", SIGNATURE)}
    assert not verify_package(_zip({n: d for n, d in members.items() if n != SIGNATURE}), public_key()).ok


def test_damaged_zips_are_caught(world: World) -> None:
    data = bytearray(_export(world))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("listing.txt")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)  # the compressed bytes
    data[start + 2] ^= 0xFF  # a byte changed inside the ZIP itself (its CRC no longer matches)
    assert _kinds(bytes(data)) == {("changed", "listing.txt")}
    assert _kinds(b"PK not really a zip") == {("unreadable", "package")}


def test_verification_needs_no_django(world: World, tmp_path: Path) -> None:
    package = tmp_path / "evidence.zip"
    package.write_bytes(_export(world))
    (tmp_path / "hub.pem").write_bytes(public_key())
    code = ("import sys; from wildwatch.hub.evidence.package import verify_package; "
            f"r = verify_package({str(package)!r}, open({str(tmp_path / 'hub.pem')!r}, 'rb').read()); "
            "assert r.ok, r.problems; assert 'django' not in sys.modules; print('clean')")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "clean", done.stderr


# --- the command ---------------------------------------------------------------------------------------------------


def test_the_verify_command(world: World, tmp_path: Path) -> None:
    good = tmp_path / "good.zip"
    good.write_bytes(_export(world))
    out = io.StringIO()
    call_command("evidence", "verify", str(good), stdout=out)  # the hub's own key by default
    assert out.getvalue().startswith(f"OK {good}: case {world.case.pk}, 5 files unchanged, signature valid")
    assert "this hub exported this package" in out.getvalue()
    members = _members(good.read_bytes())
    members["listing.txt"] += b"!"
    del members["decisions.json"]
    bad = tmp_path / "bad.zip"
    bad.write_bytes(_zip({**members, "extra.txt": b"x"}))
    out = io.StringIO()
    with pytest.raises(CommandError, match="NOT VERIFIED, 3 problem") as caught:
        call_command("evidence", "verify", str(bad), stdout=out)
    assert caught.value.returncode == 1
    lines = out.getvalue().splitlines()
    assert lines[0] == "MISSING decisions.json: listed in the manifest, not in the package"
    assert lines[1].startswith("CHANGED listing.txt: SHA-256 ") and "the manifest says" in lines[1]
    assert lines[2:] == ["EXTRA extra.txt: in the package, not in the manifest"]
    other = tmp_path / "other.pem"
    other.write_bytes(public_key_pem(generate_key()))
    with pytest.raises(CommandError) as caught:
        call_command("evidence", "verify", str(good), "--public-key", str(other), stdout=(out := io.StringIO()))
    assert caught.value.returncode == 1 and out.getvalue().startswith("BAD SIGNATURE manifest.sig")
    for args in ([str(tmp_path / "nope.zip")], [str(good), "--public-key", str(good)],
                 [str(good), "--public-key", str(tmp_path / "none.pem")]):
        with pytest.raises(CommandError) as caught:
            call_command("evidence", "verify", *args, stdout=io.StringIO())
        assert caught.value.returncode == 2, args


def test_the_command_line_exit_codes(world: World, tmp_path: Path) -> None:
    good, bad, key = tmp_path / "good.zip", tmp_path / "bad.zip", tmp_path / "hub.pem"
    good.write_bytes(_export(world))
    key.write_bytes(public_key())
    bad.write_bytes(_zip({**_members(good.read_bytes()), "listing.txt": b"changed"}))
    env = {**os.environ, "WILDWATCH_VAR": str(tmp_path / "var"), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    run = [str(ROOT / ".venv" / "bin" / "wildwatch"), "hub", "evidence", "verify"]
    if not Path(run[0]).exists():
        run = [sys.executable, "-m", "wildwatch", "hub", "evidence", "verify"]
    ok = subprocess.run([*run, str(good), "--public-key", str(key)], capture_output=True, text=True, env=env)
    assert ok.returncode == 0 and ok.stdout.startswith("OK "), ok.stderr
    failed = subprocess.run([*run, str(bad), "--public-key", str(key)], capture_output=True, text=True, env=env)
    assert failed.returncode == 1 and failed.stdout.startswith("CHANGED listing.txt")
    assert "NOT VERIFIED" in failed.stderr


# --- audit, custody, pages -----------------------------------------------------------------------------------------


def test_export_is_audited_and_logged_and_views_are_logged(world: World) -> None:
    client = _client(world.officer_fr)
    response = client.post(reverse("evidence:export", args=[world.case.pk]), {"reference": " PJ 2026/ 118 "})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(f'attachment; filename="wildwatch-evidence-case-{world.case.pk}-')
    data = response.content
    digest = services.verify_with_hub_key(data).manifest_digest
    assert response["X-Wildwatch-Manifest-Digest"] == digest
    entry = AuditEntry.objects.get(action="evidence.export")
    assert entry.details["manifest_digest"] == digest and entry.target == f"case:{world.case.pk}"
    assert entry.actor == world.officer_fr and entry.organisation.slug == "ev-police-fr"  # type: ignore[union-attr]
    package = Package.objects.get()
    assert package.manifest_digest == digest and package.reference == "PJ 2026/ 118"
    assert package.manifest.encode() == _members(data)[MANIFEST]
    page = _client(world.analyst).get(reverse("evidence:package", args=[world.case.pk, package.hex_digest]))
    assert page.status_code == 200 and digest in page.content.decode() and "Valid with the hub" in page.content.decode()
    log = [(e.action, e.actor_username, e.organisation_name, e.manifest_digest)
           for e in CustodyEntry.objects.order_by("at", "id")]
    assert log == [("export", world.officer_fr.username, "EV-POLICE-FR", digest),
                   ("view", world.analyst.username, "EV-NGO", digest)]
    assert AuditEntry.objects.filter(action="evidence.view", details__manifest_digest=digest).count() == 1
    html = client.get(reverse("evidence:case", args=[world.case.pk])).content.decode()
    assert html.count(digest) == 3 and world.analyst.username in html and "Custody log" in html


def test_who_may_export(world: World) -> None:
    case_url = reverse("evidence:case", args=[world.case.pk])
    export_url = reverse("evidence:export", args=[world.case.pk])
    for user in (world.analyst, world.officer_fr):
        client = _client(user)
        assert client.get(case_url).status_code == 200
        assert client.post(export_url).status_code == 200
        assert client.get(export_url).status_code == 405
    for user in (world.officer_ke, world.reviewer, world.volunteer):
        client = _client(user)
        assert client.get(case_url).status_code == 403 and client.post(export_url).status_code == 403
    for url in (case_url, export_url):
        response = Client().post(url) if url == export_url else Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Package.objects.count() == CustodyEntry.objects.count() == 2
    assert _client(world.analyst).get(reverse("evidence:case", args=[999999])).status_code == 404
    for digest in ("nothex", "0" * 64):
        assert _client(world.analyst).get(reverse("evidence:package", args=[world.case.pk, digest])).status_code == 404


def test_officers_jurisdiction(world: World) -> None:
    case = world.case
    assert services.officer_may_see(world.officer_fr, case)  # the platform's countries include France
    assert not services.officer_may_see(world.officer_ke, case)
    assert not services.officer_may_see(world.analyst, case)  # not an officer
    case.seller_location = "Nairobi, Kenya"
    assert services.officer_may_see(world.officer_ke, case)  # the seller's location mentions Kenya
    for status in (CaseStatus.TRIAGE, CaseStatus.REJECTED, CaseStatus.OUTREACH):
        case.status = status
        assert not services.officer_may_see(world.officer_fr, case) and not services.may_export(world.officer_fr, case)
        assert services.may_export(world.analyst, case)  # analysts: any case
    Case.objects.filter(pk=case.pk).update(seller_location="Mombasa KE")
    assert services.cases_an_officer_may_see(world.officer_ke) == [Case.objects.get(pk=case.pk)]
    assert services.cases_an_officer_may_see(world.reviewer) == []


def test_a_screenshot_changed_or_lost_on_the_hub_shows(world: World) -> None:
    report = world.case.reports.exclude(screenshot="").get()
    Path(report.screenshot.path).write_bytes(world.png + b"tampered")
    shot = json.loads(_members(_export(world))["reports.json"])[0]["screenshot"]
    assert shot["matches_upload"] is False and shot["sha256"] != shot["sha256_at_upload"]
    Path(report.screenshot.path).unlink()
    data = _export(world)
    assert json.loads(_members(data)["reports.json"])[0]["screenshot"] == {
        "path": None, "missing": True, "sha256_at_upload": hashlib.sha256(world.png).hexdigest()}
    assert services.verify_with_hub_key(data).ok  # the package itself is whole: it says what is missing


def test_screenshot_names_in_the_package(world: World) -> None:
    report = world.case.reports.exclude(screenshot="").get()
    assert report.tracking_code and report.tracking_code in report.screenshot.name  # as stored by the hub
    for stored, wanted in ((f"screenshots/2026/01/{report.tracking_code}-photo.PNG", "photo.png"),
                           ("screenshots/2026/01/照片.png", "screenshot.png"), ("x/../..", "screenshot"),
                           (f"s/{report.pk}-a b (1).jpeg", "a_b_1.jpeg")):
        report.screenshot.name = stored
        assert screenshot_path(report) == f"screenshots/{report.pk}-{wanted}", stored


def test_countries_mentioned() -> None:
    assert countries_mentioned("Lyon, France") == {"FR"} == countries_mentioned("Paris FR")
    assert countries_mentioned("Royaume-Uni") == {"GB"} == countries_mentioned("Belfast, Northern Ireland")
    assert countries_mentioned("Port Moresby, Papua New Guinea") == {"PG"}
    assert countries_mentioned("Hanoi, Việt Nam") == {"VN"} == countries_mentioned("越南河内")
    assert countries_mentioned("free shipping, fr") == set() == countries_mentioned("Frankfurt") == set()
    assert countries_mentioned("") == set()


def test_the_pages_in_french(world: World) -> None:
    client = _client(world.analyst)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    services.build_package(world.case, world.analyst)
    html = client.get(reverse("evidence:case", args=[world.case.pk])).content.decode()
    for text in ("Preuves du dossier", "Exporter le paquet de preuves (ZIP)", "Registre de garde", "Exporté"):
        assert text in html, text
