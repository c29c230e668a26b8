"""``wildwatch hub backup`` / ``restore``: a backup restored into an empty database (a fresh SQLite file or a fresh
PostgreSQL database, in a subprocess) holds the same rows, files and keys, and the restored hub works (logins, API
keys, the audit chain, new ids); tampered, newer and misdirected restores are refused."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from wildwatch.detect.library import load_starter
from wildwatch.hub.accounts import auditchain, services
from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.accounts.roles import Role
from wildwatch.hub.enforcement.identifiers import hold_key
from wildwatch.hub.library import services as library
from wildwatch.hub.ops.backup import EXCLUDED, MANIFEST, Serializer, backed_up_models, rows
from wildwatch.hub.ops.restore import nonempty_tables
from wildwatch.hub.reports import services as reports
from wildwatch.hub.signals import keys as signal_keys

pytestmark = pytest.mark.django_db
PG_ADMIN = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "dbname": "postgres"}
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4

#: run in the restored hub: its rows (as the backup serializes them) and what still works
READ_BACK = r"""
import json, os, sys
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "wildwatch.hub.settings"
django.setup()
from django.conf import settings
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
from django.test import Client
from wildwatch.hub.accounts import auditchain, services
from wildwatch.hub.accounts.models import AuditEntry, Organisation
from wildwatch.hub.ops.backup import Serializer, backed_up_models, rows
args = json.loads(sys.argv[1])
out = {"rows": {m._meta.label_lower: Serializer().serialize(rows(m)).splitlines() for m in backed_up_models()}}
out["verify_before"] = auditchain.verify().ok
from django.urls import reverse
client = Client()  # the login form (axes records the client's address)
response = client.post(reverse("login"), {"username": args["user"], "password": args["password"]})
out["login"] = response.status_code == 302 and "_auth_user_id" in client.session
out["api"] = Client().get("/api/v1/library/releases/latest", HTTP_X_API_KEY=args["key"]).status_code
max_org, max_audit = Organisation.objects.order_by("-pk")[0].pk, AuditEntry.objects.order_by("-pk")[0].pk
org = services.create_organisation("after-restore", "After", "ngo")
entry = AuditEntry.objects.order_by("-pk")[0]
out["fresh_ids"] = org.pk > max_org and entry.pk > max_audit
auditchain.seal()
out["verify_after"] = auditchain.verify().ok
print("RESULT " + json.dumps(out))
"""


def _dump() -> dict[str, list[str]]:
    return {m._meta.label_lower: Serializer().serialize(rows(m)).splitlines() for m in backed_up_models()}


def _canonical(lines: list[str]) -> list[str]:
    return sorted(json.dumps(json.loads(line), sort_keys=True) for line in lines)


@pytest.fixture
def hub_files(settings: Any, tmp_path: Path) -> Path:
    var = tmp_path / "var"
    var.mkdir()
    settings.MEDIA_ROOT = var / "media"
    settings.SIGNING_KEY_PATH = var / "signing-key.pem"
    settings.WILDWATCH_HOLD_KEY_FILE = str(var / "hold-key")
    settings.WILDWATCH_SIGNAL_KEYS = str(var / "signal-keys")
    settings.WILDWATCH_AUDIT_ANCHORS = var / "audit-anchors.jsonl"
    return var


@pytest.fixture
def content(hub_files: Path) -> dict[str, Any]:
    """Organisations, users, an API key, a published release, a report with a screenshot, keys, a sealed and
    anchored audit chain."""
    ngo = services.create_organisation("bk-ngo", "BK NGO", "ngo")
    market = services.create_organisation("bk-market", "BK Market", "member")
    services.add_platform(market, "bk-shop", "BK Shop", "ecommerce", ["FR"], domains=["shop.example"])
    services.add_member(ngo, "bk-analyst", Role.ANALYST, password="correct-horse-battery-9")
    services.add_member(market, "bk-reviewer", Role.REVIEWER, password="correct-horse-battery-9")
    _, key = services.create_api_key("bk-market", role="engineer")
    library.import_library(load_starter())
    library.publish_release(changelog="backed up")
    reports.file_report("public", "https://shop.example/item/7", email="w@example.org", listing_text="ivory bangle",
                        screenshot=SimpleUploadedFile("shot.png", PNG, "image/png"),
                        screenshot_sha256=hashlib.sha256(PNG).hexdigest())
    signal_keys.rotate()
    hold_key()
    auditchain.anchor()
    services.audit("test.unsealed", target="after the anchor")  # an entry not yet sealed survives too
    return {"key": key, "user": "bk-analyst", "password": "correct-horse-battery-9", "var": hub_files}


def _backup(path: Path, *extra: str) -> Path:
    call_command("backup", str(path), *extra, stdout=io.StringIO())
    return path


def _pg_reachable() -> bool:
    try:
        import psycopg

        psycopg.connect(**PG_ADMIN, connect_timeout=3).close()  # type: ignore[arg-type]
    except Exception:
        return False
    return True


@pytest.fixture
def target(request: Any, tmp_path: Path) -> Iterator[str]:
    """The DATABASE_URL of an empty database: the test database's vendor ("same") or the other one ("other")."""
    vendor = connection.vendor if request.param == "same" else {"sqlite": "postgresql"}.get(connection.vendor, "sqlite")
    if vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    if not _pg_reachable():
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    import psycopg

    name = f"wildwatch_backup_r_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(**PG_ADMIN, autocommit=True) as admin:  # type: ignore[arg-type]
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{PG_ADMIN['user']}@{PG_ADMIN['host']}:{PG_ADMIN['port']}/{name}"
    finally:
        with psycopg.connect(**PG_ADMIN, autocommit=True) as admin:  # type: ignore[arg-type]
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(args: list[str], database_url: str, var: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("WILDWATCH_", "DJANGO_")) and k != "DATABASE_URL"}
    env.update(DATABASE_URL=database_url, WILDWATCH_VAR=str(var), WILDWATCH_LOG_LEVEL="ERROR")
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=600, check=False)


@pytest.mark.slow
@pytest.mark.parametrize("target", ["same", "other"], indirect=True)
def test_backup_restores_into_an_empty_database(content: dict[str, Any], target: str, tmp_path: Path) -> None:
    archive = _backup(tmp_path / "hub.zip", "--with-keys")
    assert archive.stat().st_mode & 0o777 == 0o600
    manifest = json.loads(zipfile.ZipFile(archive).read(MANIFEST))
    assert manifest["database_vendor"] == connection.vendor and manifest["with_keys"] is True
    assert manifest["migrations"]["accounts"][0] == "0001_initial"
    assert manifest["counts"]["accounts.auditentry"] == AuditEntry.objects.count() > 5
    assert not set(manifest["counts"]) & EXCLUDED and "django_q.schedule" in manifest["counts"]
    before = _dump()

    restored_var = tmp_path / "restored-var"
    done = _run(["-m", "wildwatch", "hub", "restore", str(archive)], target, restored_var)
    assert done.returncode == 0, done.stderr
    assert "restored" in done.stdout and "accounts.auditentry" in done.stdout
    verify = _run(["-m", "wildwatch", "hub", "auditchain", "verify"], target, restored_var)
    assert verify.returncode == 0 and "audit chain verified" in verify.stdout, verify.stderr

    args = json.dumps({"key": content["key"], "user": content["user"], "password": content["password"]})
    read = _run(["-c", READ_BACK, args], target, restored_var)
    assert read.returncode == 0, read.stderr
    result = json.loads(read.stdout.split("RESULT ", 1)[1])
    assert set(result["rows"]) == set(before)
    for label, lines in before.items():  # every model: the same rows (PostgreSQL's jsonb reorders JSON keys)
        assert _canonical(result["rows"][label]) == _canonical(lines), label
    assert result["verify_before"] and result["verify_after"] and result["fresh_ids"]
    assert result["login"] is True and result["api"] == 200

    var: Path = content["var"]
    for original, copy in [(var / "hold-key", restored_var / "hold-key"),
                           (var / "signing-key.pem", restored_var / "signing-key.pem"),
                           (var / "signal-keys" / "k1", restored_var / "signal-keys" / "k1")]:
        assert copy.read_bytes() == original.read_bytes() and copy.stat().st_mode & 0o777 == 0o600
    shots = list((restored_var / "media" / "screenshots").rglob("*.png"))
    assert len(shots) == 1 and shots[0].read_bytes() == PNG
    assert (restored_var / "audit-anchors.jsonl").read_bytes() == (var / "audit-anchors.jsonl").read_bytes()

    again = _run(["-m", "wildwatch", "hub", "restore", str(archive)], target, restored_var)
    assert again.returncode != 0 and "not empty" in again.stderr


def test_keys_only_with_the_flag(content: dict[str, Any], tmp_path: Path) -> None:
    archive = _backup(tmp_path / "nokeys.zip")
    names = zipfile.ZipFile(archive).namelist()
    assert not [n for n in names if n.startswith("files/keys/")]
    assert any(n.startswith("files/media/screenshots/") for n in names) and names[-1] == MANIFEST
    assert archive.stat().st_mode & 0o777 == 0o600
    with pytest.raises(CommandError, match="already exists"):
        _backup(archive)


def _rewrite(src: Path, dst: Path, change: Any) -> Path:
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dst, "w") as new:
        for info in old.infolist():
            new.writestr(info.filename, change(info.filename, old.read(info.filename)))
    return dst


def test_a_tampered_archive_is_refused(content: dict[str, Any], tmp_path: Path) -> None:
    archive = _backup(tmp_path / "hub.zip")

    def change(name: str, data: bytes) -> bytes:
        return data.replace(b"test.unsealed", b"test.forged!!") if "accounts.auditentry" in name else data

    with pytest.raises(CommandError, match="altered"):
        call_command("restore", str(_rewrite(archive, tmp_path / "tampered.zip", change)), stdout=io.StringIO())

    def extra(name: str, data: bytes) -> bytes:
        return data

    planted = _rewrite(archive, tmp_path / "planted.zip", extra)
    with zipfile.ZipFile(planted, "a") as z:
        z.writestr("files/keys/hold-key", b"attacker's key")
    with pytest.raises(CommandError, match="not in its manifest"):
        call_command("restore", str(planted), stdout=io.StringIO())


def test_restore_refuses_a_database_with_content(content: dict[str, Any], tmp_path: Path) -> None:
    archive = _backup(tmp_path / "hub.zip")
    count = AuditEntry.objects.count()
    with pytest.raises(CommandError, match=r"not empty.*--force"):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert AuditEntry.objects.count() == count


def test_restore_refuses_a_backup_of_a_newer_version(content: dict[str, Any], tmp_path: Path) -> None:
    archive = _backup(tmp_path / "hub.zip")

    def newer(name: str, data: bytes) -> bytes:
        if name != MANIFEST:
            return data
        manifest = json.loads(data)
        manifest["migrations"]["accounts"].append("9999_from_the_future")
        return json.dumps(manifest).encode()

    with pytest.raises(CommandError, match=r"newer version.*accounts\.9999_from_the_future"):
        call_command("restore", str(_rewrite(archive, tmp_path / "newer.zip", newer)), stdout=io.StringIO())


def test_missing_or_foreign_archives_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no backup archive at"):
        call_command("restore", str(tmp_path / "nothing.zip"), stdout=io.StringIO())
    (tmp_path / "text.zip").write_text("not a zip")
    with pytest.raises(CommandError, match="not a readable backup archive"):
        call_command("restore", str(tmp_path / "text.zip"), stdout=io.StringIO())
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(CommandError, match="no manifest"):
        call_command("restore", str(tmp_path / "other.zip"), stdout=io.StringIO())


def test_a_freshly_migrated_database_counts_as_empty() -> None:
    # rows made by data migrations (quizzes, training modules, counters) are no hub data; a new data migration
    # seeding another model must be added to ops.restore.SEEDED
    assert nonempty_tables() == []
