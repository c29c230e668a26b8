"""A database connection dropped in the middle of a request (its PostgreSQL server process terminated, as a failover
or an administrator does) is answered with a clear 503, nothing is half-written, and the next request succeeds on a
new connection. Against the hub under gunicorn (its real request cycle closes the broken connection), with the
fault hook of ``fault_hooks``. PostgreSQL only: an embedded SQLite database has no connection to drop."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from hub_process import Hub, call, environment

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.checks.models import IdempotentResponse
from wildwatch.hub.library.models import Term

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("faults")]
PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def hub(tmp_path: Path) -> Any:
    if connection.vendor != "postgresql":
        pytest.skip("an embedded SQLite database has no connection to drop (run with DATABASE_URL=postgres://...)")
    (tmp_path / "var").mkdir()
    (tmp_path / "faults").mkdir()
    process = Hub(environment(tmp_path / "var", tmp_path / "faults"), tmp_path / "hub.log")
    process.faults = tmp_path / "faults"
    yield process
    process.kill()


def drop_at(hub: Any, pattern: str) -> None:
    """Arms the hook: the next query matching ``pattern`` meets a terminated connection."""
    (hub.faults / "dropped").unlink(missing_ok=True)
    (hub.faults / "drop-at").write_text(pattern)


def dropped(hub: Any) -> bool:
    return bool((hub.faults / "dropped").exists())


def test_an_api_write_cut_off_answers_503_writes_nothing_and_the_retry_succeeds(hub: Any) -> None:
    org = accounts.create_organisation("dd-market", "Drop Market", "member")
    accounts.add_platform(org, "dd-shop", "Drop Shop", "ecommerce", ["FR"])
    key = accounts.create_api_key("dd-market", role="engineer")[1]
    term = Term.objects.create(term_id="t-drop", term="drop tusk", lang="en", kind="cover")
    body = {"id": "L1", "verdict_taken": "removed_listing", "policy": "prohibited", "terms_confirmed": ["t-drop"]}
    headers = {"X-Api-Key": key, "Idempotency-Key": "drop-1"}

    drop_at(hub, r'^INSERT INTO "accounts_auditentry"')
    status, content, response_headers = call("POST", hub.base + "/api/v1/decisions", body, headers)
    assert dropped(hub), "the request never reached its audit entry"
    assert status == 503 and response_headers["Retry-After"] == "5"
    assert json.loads(content)["error"]["code"] == "database_unavailable"
    # the transaction died with the connection: the term's count, the audit entry and the stored answer are absent
    term.refresh_from_db()
    assert term.confirmed == 0
    assert not AuditEntry.objects.filter(action="decision.record").exists()
    assert not IdempotentResponse.objects.exists()

    for _ in range(3):  # every worker's next request works (each may hold a connection)
        status, content, _ = call("POST", hub.base + "/api/v1/decisions", body, headers)
        assert status == 200 and json.loads(content)["recorded"] is True
    term.refresh_from_db()
    assert term.confirmed == 1  # once, whatever the retries


def _sign_in(base: str, username: str, device: TOTPDevice) -> Any:
    """Password, then the app's code, through the hub's pages; returns an opener holding the session."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def post_form(path: str, fields: dict[str, str]) -> Any:
        with opener.open(base + path, timeout=30) as page:
            html = page.read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert token, html[:300]
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token.group(1)}).encode()
        return opener.open(base + path, data=data, timeout=30)

    post_form("/accounts/login/", {"username": username, "password": PASSWORD}).close()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    with post_form("/accounts/2fa/verify/", {"code": f"{totp.token():06d}", "next": "/library/"}) as page:
        assert page.url.endswith("/library/"), page.url
    return opener


def _get(opener: Any, url: str) -> tuple[int, str]:
    try:
        with opener.open(url, timeout=30) as page:
            return int(page.status), page.read().decode()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read().decode()


def test_a_page_cut_off_in_its_view_or_in_a_middleware_shows_a_clear_page(hub: Any) -> None:
    ngo = accounts.create_organisation("dd-ngo", "Drop NGO", "ngo")
    user = accounts.add_member(ngo, "dd-analyst", "analyst")
    # the hub's own hasher (the tests' fast MD5 is not among the hub's): a cheap PBKDF2 hash it can check
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "dropsalt", iterations=1000)
    user.save(update_fields=["password"])
    device = TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=True)
    opener = _sign_in(hub.base, "dd-analyst", device)

    for where, pattern in (("the view's queries", r'FROM "library_'),
                           ("the first query, in the session middleware", r'FROM "django_session"')):
        drop_at(hub, pattern)
        status, html = _get(opener, hub.base + "/library/")
        assert dropped(hub), where
        assert status == 503 and "lost its connection to its database" in html, (where, status)
        for _ in range(3):
            status, html = _get(opener, hub.base + "/library/")
            assert status == 200 and "Keyword library" in html, (where, status)
