"""The contact-signal HMAC keys: made on first use (mode 0600), rotated by the command, old keys kept."""

from __future__ import annotations

import io
import stat
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.signals import keys

pytestmark = pytest.mark.django_db


def test_keys_are_made_on_first_use_and_rotate(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    first, key = keys.current()
    assert first == "k1" and len(key) == 64
    assert stat.S_IMODE((tmp_path / keys.FOLDER / "k1").stat().st_mode) == 0o600
    assert keys.digest("phone", "+84912345678", key) != keys.digest("phone", "+84912345679", key)
    out = io.StringIO()
    call_command("signalkey", "rotate", stdout=out)
    assert "k2" in out.getvalue() and keys.current()[0] == "k2"
    assert list(keys.all_keys()) == ["k1", "k2"] and keys.all_keys()["k1"] == key  # the old key stays
    listing = io.StringIO()
    call_command("signalkey", "list", stdout=listing)
    assert "k1: 0 contact signal(s)" in listing.getvalue() and "k2 (current)" in listing.getvalue()
    assert AuditEntry.objects.filter(action="signals.key_rotate", target="k2").exists()


def test_the_keys_read_once_see_a_rotation_at_once(settings: Any, tmp_path: Path) -> None:
    settings.WILDWATCH_SIGNAL_KEYS = str(tmp_path / "keys")
    first = keys.all_keys()
    assert keys.all_keys() == first  # from the cache
    for _ in range(3):  # rotations within the same clock tick as the cached read
        new_id = keys.rotate()
        assert new_id in keys.all_keys() and keys.current()[0] == new_id
    (tmp_path / "keys" / "k9").write_bytes(b"")  # a key file being written: empty for now
    assert keys.all_keys()["k9"] == b""
    (tmp_path / "keys" / "k9").write_bytes(b"written-later")
    assert keys.all_keys()["k9"] == b"written-later"  # the half-written state was not kept
