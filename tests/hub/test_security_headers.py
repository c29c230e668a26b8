"""Security headers: a strict Content-Security-Policy on every answer (pages, API, errors), the other headers from
the settings, HSTS and the secure cookies behind HTTPS (WILDWATCH_HTTPS=1), and templates free of inline scripts
and styles (the policy would block them)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from login_helpers import login

from wildwatch.hub.accounts.roles import Role
from wildwatch.hub.accounts.security import HEADER, document_policy, policy, style_hashes

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "wildwatch" / "hub"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'")
#: standalone documents (not hub pages) keep their own style element, allowed by hash (``document_policy``)
STANDALONE = {"metrics/report_document.html"}


def _assert_headers(response: Any) -> None:
    assert response[HEADER] == CSP, response.request["PATH_INFO"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response  # plain HTTP: no HSTS


@pytest.mark.django_db
def test_pages_api_and_errors_carry_the_policy_and_headers(client: Client, role_users: dict[str, Any],
                                                           password: str) -> None:
    assert policy() == CSP
    public = [("/", 200), ("/accounts/login/", 200), ("/reports/new/", 200), ("/no-such-page/", 404),
              ("/api/v1/library/releases/latest", 401)]
    for path, status in public:
        response = client.get(path)
        assert response.status_code == status, path
        _assert_headers(response)
    api = client.get("/api/v1/library/releases/latest")
    assert api["Content-Type"].startswith("application/json") and json.loads(api.content)
    assert login(client, role_users[Role.ANALYST].username, password)
    for path in ("/review/triage/", reverse("metrics:dashboard")):
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_headers(response)
        assert b"<style" not in response.content and b" style=" not in response.content  # the charts' SVG too
    admin = Client()
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", "root@example.org", password)
    assert login(admin, "root", password)
    response = admin.get("/admin/")
    assert response.status_code == 200
    _assert_headers(response)  # the admin (Django 5.2) needs nothing more: see accounts/security.py


@pytest.mark.django_db
def test_behind_https_hsts_secure_cookies_and_redirect(client: Client, settings: Any) -> None:
    settings.SECURE_HSTS_SECONDS = 365 * 24 * 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = client.get("/accounts/login/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/accounts/login/"
    secure = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert secure[HEADER] == CSP


def _settings_in_subprocess(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WILDWATCH_") and k != "DJANGO_SETTINGS_MODULE"}
    code = ("import json, wildwatch.hub.settings as s; print(json.dumps({k: getattr(s, k, None) for k in ("
            "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_PROXY_SSL_HEADER', "
            "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', 'SECRET_KEY', 'X_FRAME_OPTIONS', "
            "'SECURE_REFERRER_POLICY', 'SECURE_CONTENT_TYPE_NOSNIFF', 'SECURE_CROSS_ORIGIN_OPENER_POLICY', "
            "'SECURE_REDIRECT_EXEMPT')}))")
    return subprocess.run([sys.executable, "-c", code], env={**clean, "WILDWATCH_VAR": str(tmp_path), **env},
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)


def test_wildwatch_https_turns_the_https_settings_on(tmp_path: Path) -> None:
    on = json.loads(_settings_in_subprocess(tmp_path, WILDWATCH_HTTPS="1").stdout)
    assert on["SECURE_HSTS_SECONDS"] == 31536000 and on["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert on["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert on["SESSION_COOKIE_SECURE"] is on["CSRF_COOKIE_SECURE"] is on["SECURE_SSL_REDIRECT"] is True
    assert (on["X_FRAME_OPTIONS"], on["SECURE_REFERRER_POLICY"], on["SECURE_CROSS_ORIGIN_OPENER_POLICY"]) == (
        "DENY", "same-origin", "same-origin") and on["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert "^healthz/?$" in on["SECURE_REDIRECT_EXEMPT"]  # plain-HTTP probes are not redirected
    off = json.loads(_settings_in_subprocess(tmp_path).stdout)
    assert off["SECURE_HSTS_SECONDS"] is None and off["SECURE_SSL_REDIRECT"] is None


def test_no_template_has_inline_scripts_styles_or_handlers() -> None:
    script = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
    style = re.compile(r"<style\b", re.I)
    attribute = re.compile(r"""<[a-z][^>]*?\s(style|on[a-z]+)\s*=""", re.I | re.S)
    found: list[str] = []
    templates = sorted(TEMPLATES.glob("**/templates/**/*.html"))
    assert len(templates) > 50
    for path in templates:
        parts = path.relative_to(TEMPLATES).parts
        name = "/".join(parts[parts.index("templates") + 1:])
        text = path.read_text(encoding="utf-8")
        for kind, pattern in (("inline script", script), ("style element", style), ("attribute", attribute)):
            if kind == "style element" and name in STANDALONE:
                continue
            found += [f"{name}: {kind} {m.group(0)[:60]!r}" for m in pattern.finditer(text)]
    assert not found, "\n".join(found)


def test_a_standalone_document_may_use_its_own_style_blocks_only() -> None:
    html = "<html><head><style>\n  body{color:#000}\n</style></head><body><p>x</p></body></html>"
    (source,) = style_hashes(html)
    digest = base64.b64encode(hashlib.sha256(b"\n  body{color:#000}\n").digest()).decode()
    assert source == f"'sha256-{digest}'"
    assert f"style-src {source};" in document_policy(html) and "script" not in document_policy(html)
    assert "default-src 'none'" in document_policy(html)
