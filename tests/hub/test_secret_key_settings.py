"""With WILDWATCH_DEBUG=0 the hub refuses to start without a real secret key (missing, the development key, too
short); the key may come from a file (WILDWATCH_SECRET_KEY_FILE, a secrets mount)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

GOOD = "k" * 20 + "Z9-_x" * 8  # 60 characters


def _load(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WILDWATCH_") and k != "DJANGO_SETTINGS_MODULE"}
    code = "import wildwatch.hub.settings as s; print(s.SECRET_KEY)"
    return subprocess.run([sys.executable, "-c", code], env={**clean, "WILDWATCH_VAR": str(tmp_path / "var"), **env},
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)


@pytest.mark.parametrize(("env", "problem"), [
    ({}, "is not set"),
    ({"WILDWATCH_SECRET_KEY": "dev-only-insecure-key-do-not-use-in-production"}, "is the development key"),
    ({"WILDWATCH_SECRET_KEY": "x" * 49}, "is shorter than 50 characters"),
])
def test_settings_refuse_to_load_without_a_real_key(tmp_path: Path, env: dict[str, str], problem: str) -> None:
    result = _load(tmp_path, WILDWATCH_DEBUG="0", **env)
    assert result.returncode != 0
    assert "RuntimeError" in result.stderr and problem in result.stderr and "refuses to start" in result.stderr


def test_the_key_comes_from_a_file_without_its_newline(tmp_path: Path) -> None:
    key_file = tmp_path / "secret_key"
    key_file.write_text(GOOD + "\n", encoding="utf-8")
    result = _load(tmp_path, WILDWATCH_DEBUG="0", WILDWATCH_SECRET_KEY_FILE=str(key_file))
    assert result.returncode == 0, result.stderr
    assert result.stdout == GOOD + "\n"
    assert _load(tmp_path, WILDWATCH_DEBUG="0", WILDWATCH_SECRET_KEY=GOOD).stdout == GOOD + "\n"
    short = tmp_path / "short"
    short.write_text("x" * 40 + "\n", encoding="utf-8")
    assert "shorter than 50" in _load(tmp_path, WILDWATCH_DEBUG="0", WILDWATCH_SECRET_KEY_FILE=str(short)).stderr
    both = _load(tmp_path, WILDWATCH_DEBUG="0", WILDWATCH_SECRET_KEY=GOOD, WILDWATCH_SECRET_KEY_FILE=str(key_file))
    assert both.returncode != 0 and "not both" in both.stderr
    missing = _load(tmp_path, WILDWATCH_DEBUG="0", WILDWATCH_SECRET_KEY_FILE=str(tmp_path / "nowhere"))
    assert missing.returncode != 0 and "cannot read" in missing.stderr


def test_development_keeps_its_default_key(tmp_path: Path) -> None:
    result = _load(tmp_path, WILDWATCH_DEBUG="1")
    assert result.returncode == 0 and result.stdout.strip() == "dev-only-insecure-key-do-not-use-in-production"


def test_hold_and_signal_keys_may_live_outside_var(tmp_path: Path, settings: Any) -> None:
    from wildwatch.hub.enforcement import identifiers
    from wildwatch.hub.signals import keys

    hold, folder = tmp_path / "mounted-hold-key", tmp_path / "mounted-signal-keys"
    hold.write_bytes(b"a-mounted-hold-key\n")
    settings.WILDWATCH_HOLD_KEY = None
    settings.WILDWATCH_HOLD_KEY_FILE = str(hold)
    settings.WILDWATCH_SIGNAL_KEYS = str(folder)
    settings.VAR_DIR = tmp_path / "var"
    assert identifiers.hold_key() == b"a-mounted-hold-key"
    key_id, key = keys.current()
    assert key_id == "k1" and (folder / "k1").read_bytes().strip() == key
    assert not (tmp_path / "var").exists()
