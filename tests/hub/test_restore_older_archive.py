"""A backup made by an older version restores into this one: the database is migrated to the archive's state, the
rows load with the models as they were then, and the newer migrations run after them.

The older archive is the one the version before the audit chain and two-factor authentication wrote: no
``accounts.0005`` (the chain's columns and head), no django-otp apps. It is made from a current archive by taking
out exactly what those migrations added (and its checksums recomputed), since the old code is not at hand."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from test_backup_restore import _backup, _run, content, hub_files, target  # noqa: F401 (fixtures)

from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.ops.backup import MANIFEST

pytestmark = pytest.mark.django_db
CHAIN_MIGRATION = "0005_audit_chain"
NEWER_APPS = ("otp_totp", "otp_static")
CHAIN_FIELDS = ("seq", "payload", "prev_hash", "entry_hash")

READ_BACK = r"""
import json, os
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "wildwatch.hub.settings"
django.setup()
from django.db.migrations.executor import MigrationExecutor
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice
from wildwatch.hub.accounts import auditchain
from wildwatch.hub.accounts.models import AuditEntry, AuditHead
executor = MigrationExecutor(connection)
out = {"pending": len(executor.migration_plan(executor.loader.graph.leaf_nodes())),
       "entries": AuditEntry.objects.count(), "unsealed": AuditEntry.objects.filter(seq__isnull=True).count(),
       "heads": AuditHead.objects.count(), "devices": TOTPDevice.objects.count(),
       "actions": sorted(set(AuditEntry.objects.values_list("action", flat=True)))}
out["sealed"] = auditchain.seal()
out["verify"] = auditchain.verify().ok
print("RESULT " + json.dumps(out))
"""


def make_older(current: Path, older: Path) -> dict[str, Any]:
    """The archive as the version before ``accounts.0005`` and django-otp would have written it."""
    with zipfile.ZipFile(current) as src:
        manifest = json.loads(src.read(MANIFEST))
        assert CHAIN_MIGRATION in manifest["migrations"]["accounts"]
        manifest["migrations"]["accounts"].remove(CHAIN_MIGRATION)
        for app in NEWER_APPS:
            manifest["migrations"].pop(app)
        members: dict[str, Any] = {}
        with zipfile.ZipFile(older, "w", zipfile.ZIP_DEFLATED) as dst:
            for name, meta in manifest["members"].items():
                model = meta.get("model", "")
                if model.split(".")[0] in NEWER_APPS or model == "accounts.audithead" \
                        or name == "files/audit-anchors.jsonl":
                    manifest["counts"].pop(model, None)
                    continue
                data = src.read(name)
                if model == "accounts.auditentry":
                    rows = [json.loads(line) for line in data.decode().splitlines()]
                    for row in rows:
                        for field in CHAIN_FIELDS:
                            row["fields"].pop(field)
                    data = "".join(json.dumps(r) + "\n" for r in rows).encode()
                dst.writestr(name, data)
                members[name] = {**meta, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            manifest["members"] = members
            manifest["files"]["anchors"] = 0
            dst.writestr(MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


@pytest.mark.slow
@pytest.mark.parametrize("target", ["same"], indirect=True)
def test_an_archive_of_an_older_version_restores_and_migrates_forward(
        content: dict[str, Any], target: str, tmp_path: Path) -> None:  # noqa: F811 (the fixtures imported above)
    entries = AuditEntry.objects.count()
    manifest = make_older(_backup(tmp_path / "current.zip"), tmp_path / "older.zip")
    assert "otp_totp.totpdevice" not in manifest["counts"]

    restored_var = tmp_path / "restored-var"
    done = _run(["-m", "wildwatch", "hub", "restore", str(tmp_path / "older.zip")], target, restored_var)
    assert done.returncode == 0, done.stderr
    # the newer migrations ran after the rows were loaded: accounts.0005 and django-otp's six
    assert "7 newer migration" in done.stdout, done.stdout

    read = _run(["-c", READ_BACK], target, restored_var)
    assert read.returncode == 0, read.stderr
    result = json.loads(read.stdout.split("RESULT ", 1)[1])
    assert result["pending"] == 0 and result["devices"] == 0
    assert result["entries"] == entries and result["unsealed"] == entries  # the old rows, not yet in the chain
    assert "release.publish" in result["actions"] and "member.add" in result["actions"]
    assert result["sealed"] == entries and result["verify"] is True  # sealed into a new chain, which verifies
