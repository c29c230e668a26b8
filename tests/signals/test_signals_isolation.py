"""The signals package stays free of Django: the SDK's embedded detector uses it without the hub."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import wildwatch.signals

PACKAGE = Path(wildwatch.signals.__file__).parent


def test_importing_signals_loads_no_django() -> None:
    code = (
        "import sys, wildwatch.signals, wildwatch.signals.bank, wildwatch.signals.contacts;"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith(('django.', 'wildwatch.hub')));"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_module_mentions_django_imports() -> None:
    for source in PACKAGE.glob("*.py"):
        text = source.read_text("utf-8")
        assert "import django" not in text and "from django" not in text, source.name
        assert "wildwatch.hub" not in text.replace("`wildwatch.hub.enforcement.identifiers`", ""), source.name
