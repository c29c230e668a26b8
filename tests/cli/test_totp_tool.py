"""tools/totp.py, the demo's stand-in for an authenticator app, gives RFC 6238's codes and the hub's."""

from __future__ import annotations

import base64
import importlib.util
import subprocess
import sys
import time
from pathlib import Path

from django_otp.oath import TOTP

TOOL = Path(__file__).resolve().parents[2] / "tools" / "totp.py"
spec = importlib.util.spec_from_file_location("totp_tool", TOOL)
assert spec and spec.loader
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)
RFC_KEY = base64.b32encode(b"12345678901234567890").decode()


def test_rfc_6238_vectors() -> None:
    for at, code in [(59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924"), (2000000000, "69279037")]:
        assert tool.totp(RFC_KEY, at, digits=8) == code


def test_same_code_as_the_hub_and_grouped_keys_accepted() -> None:
    key = b"\x8f" * 20
    grouped = " ".join(base64.b32encode(key).decode()[i:i + 4] for i in range(0, 32, 4))
    for now in (time.time(), 1_800_000_000.0, 29.9, 30.0):
        hub = TOTP(key)
        hub.time = now
        assert tool.totp(grouped, now) == f"{hub.token():06d}"


def test_command_line() -> None:
    out = subprocess.run([sys.executable, str(TOOL), RFC_KEY], capture_output=True, text=True, check=True)
    assert len(out.stdout.strip()) == 6 and out.stdout.strip().isdigit()
    usage = subprocess.run([sys.executable, str(TOOL)], capture_output=True, text=True)
    assert usage.returncode != 0 and "usage" in usage.stderr
