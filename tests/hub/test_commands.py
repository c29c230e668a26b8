"""The hub's commands (`wildwatch hub …`), migrations, password reset by e-mail, and the WSGI server."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from wildwatch.hub.accounts.models import Membership, Organisation, Platform
from wildwatch.hub.accounts.services import authenticate_key
from wildwatch.hub.library.models import Release, Term

pytestmark = pytest.mark.django_db


def test_migrations_are_committed() -> None:
    call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())


def test_demo_loads_everything_and_can_run_again() -> None:
    out = io.StringIO()
    call_command("demo", stdout=out)
    counts = (Organisation.objects.count(), Platform.objects.count(), Membership.objects.count(),
              Term.objects.count(), Release.objects.count())
    assert Organisation.objects.filter(kind="ngo").count() == 3
    # the four demo members, plus the 36 made for the 2018-2024 progress figures (21 at the launch)
    assert Organisation.objects.filter(kind="member").count() == 40 and counts[1] > 50
    assert Organisation.objects.filter(kind="agency").count() == 1
    # the two demo volunteers, and the 40 cyber spotters behind the 2018-2024 reports (no usable password)
    assert Membership.objects.filter(role="volunteer").count() == 2 + 40
    assert set(Organisation.objects.values_list("slug", flat=True)) >= {"demo-market", "demo-social", "demo-ngo",
                                                                      "demo-police"}
    assert counts[3] > 5000 and counts[4] == 1
    text = out.getvalue()
    for role in ("analyst", "coalition_admin", "reviewer", "member_admin", "engineer", "officer", "volunteer"):
        assert role in text  # one account per role, printed with the password
    assert "wildwatch-demo-2026" in text
    # the demo members share signals, and three removals are in the bank (texts, contacts, a photo)
    from wildwatch.hub.signals.models import Sharing, Signal

    assert Sharing.objects.filter(enabled=True).count() == 4 and Signal.objects.count() == 10
    assert set(Signal.objects.values_list("kind", flat=True)) == {"image_pdq", "image_sha256", "text_minhash",
                                                                  "contact"}
    call_command("demo", stdout=io.StringIO())
    assert Signal.objects.count() == 10
    assert counts == (Organisation.objects.count(), Platform.objects.count(), Membership.objects.count(),
                      Term.objects.count(), Release.objects.count())


def test_apikey_create_prints_the_key_alone_on_the_last_line() -> None:
    call_command("demo", "--no-library", stdout=io.StringIO())
    out = io.StringIO()
    call_command("apikey", "create", "--org", "demo-social", "--platform", "demo-social-chat", stdout=out,
                 stderr=io.StringIO())
    key_line = out.getvalue().strip().splitlines()[-1]
    key = authenticate_key(key_line)
    assert key is not None and key.platform.slug == "demo-social-chat" and key.role == "engineer"


def test_password_reset_by_email(role_users: dict[str, Any]) -> None:
    user = role_users["analyst"]
    user.email = "analyst@example.org"
    user.save()
    response = Client().post("/accounts/password-reset/", {"email": "analyst@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "/accounts/reset/" in mail.outbox[0].body


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_the_hub(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'hub.sqlite3'}", "WILDWATCH_VAR": str(tmp_path)}
    bin_dir = Path(sys.executable).parent
    subprocess.run([str(bin_dir / "wildwatch"), "hub", "migrate", "-v0"], env=env, check=True, timeout=120)
    port = _free_port()
    server = subprocess.Popen([str(bin_dir / "gunicorn"), "wildwatch.hub.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/species/", timeout=2) as response:
                    assert response.status == 200
                    assert b"Which species are protected?" in response.read()
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not answer")
    finally:
        server.terminate()
        server.wait(timeout=20)
