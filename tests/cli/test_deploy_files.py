"""The deployment examples (deploy/, Procfile) run commands that exist, with limits that match the hub's."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
FILES = [ROOT / "Procfile", *sorted((ROOT / "deploy").iterdir())]


def test_every_hub_command_they_run_exists() -> None:
    commands = set(get_commands())
    used = set()
    for path in FILES:
        used |= set(re.findall(r"wildwatch hub ([a-z_]+)", path.read_text()))
    assert {"migrate", "qcluster", "collectstatic", "schedules"} <= used
    assert used <= commands, used - commands


def test_gunicorn_serves_the_hubs_wsgi_application() -> None:
    from wildwatch.hub import wsgi

    assert callable(wsgi.application)
    for path in (ROOT / "Procfile", ROOT / "deploy" / "wildwatch-hub.service"):
        assert "gunicorn wildwatch.hub.wsgi" in path.read_text()


def test_the_proxy_limits_bodies_like_the_hub_and_serves_static_from_static_root() -> None:
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    size = re.search(r"client_max_body_size (\d+)m;", conf)
    assert size and int(size.group(1)) * 1024 * 1024 == settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert "location /static/" in conf and "location /media/ { return 404; }" in conf
    assert "proxy_set_header X-Forwarded-Proto https;" in conf


def test_the_environment_example_names_only_settings_the_hub_reads() -> None:
    documented = (ROOT / "src" / "wildwatch" / "hub" / "settings.py").read_text()
    names = re.findall(r"^([A-Z_]+)=", (ROOT / "deploy" / "wildwatch.env.example").read_text(), re.M)
    assert names and all(name in documented for name in names), [n for n in names if n not in documented]
    env = (ROOT / "deploy" / "wildwatch.env.example").read_text()
    assert "WILDWATCH_DEBUG=0" in env and "WILDWATCH_SECRET_KEY_FILE=" in env
