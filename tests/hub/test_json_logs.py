"""Request ids and structured logs: the X-Request-ID header, the access line, JSON records and what is scrubbed."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from login_helpers import login

from wildwatch.hub.ops.logs import JsonFormatter, RedactingFilter, request_id

pytestmark = pytest.mark.django_db

API_KEY = "ww_0123456789ab_" + "Zx9-_" * 8 + "abc"
PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIOaNwgD7\n-----END PRIVATE KEY-----"


class Captured:
    """The lines a logger wrote through the hub's JSON handler, parsed."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(JsonFormatter())
        self.handler.addFilter(RedactingFilter())

    @property
    def raw(self) -> str:
        return self.stream.getvalue()

    @property
    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.raw.splitlines()]


def _capture(name: str, level: int) -> Iterator[Captured]:
    captured, logger = Captured(), logging.getLogger(name)
    old_level = logger.level
    logger.addHandler(captured.handler)
    logger.setLevel(level)
    try:
        yield captured
    finally:
        logger.removeHandler(captured.handler)
        logger.setLevel(old_level)


@pytest.fixture
def access() -> Iterator[Captured]:
    yield from _capture("wildwatch.access", logging.INFO)


@pytest.fixture
def app_log() -> Iterator[Captured]:
    yield from _capture("wildwatch.test", logging.DEBUG)


def test_request_id_is_echoed_and_logged(access: Captured) -> None:
    response = Client().get("/healthz", HTTP_X_REQUEST_ID="lb-42.abc_DEF")
    assert response["X-Request-ID"] == "lb-42.abc_DEF"
    [line] = access.records
    assert line["logger"] == "wildwatch.access" and line["level"] == "INFO"
    assert line["request_id"] == "lb-42.abc_DEF"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
    assert isinstance(line["duration_ms"], float | int) and line["duration_ms"] >= 0
    assert line["user_id"] is None
    assert line["time"].endswith("+00:00")
    assert request_id.get() is None  # the id does not outlive its request


@pytest.mark.parametrize("given", ["", "x" * 65, "has space", "semi;colon", "é-accent", "new\tline"])
def test_a_malformed_request_id_is_replaced(access: Captured, given: str) -> None:
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=given)
    made = response["X-Request-ID"]
    assert made != given and len(made) == 32 and int(made, 16) >= 0  # a uuid4 in hex
    assert access.records[0]["request_id"] == made


def test_djangos_own_lines_carry_the_request_id(access: Captured) -> None:
    """Django logs a 404 after the middleware chain: the id still holds until the response is closed."""
    captured = Captured()
    logger = logging.getLogger("django.request")
    logger.addHandler(captured.handler)
    try:
        response = Client().get("/no-such-page/?email=a@b.org", HTTP_X_REQUEST_ID="rid-404")
    finally:
        logger.removeHandler(captured.handler)
    assert response.status_code == 404
    [line] = captured.records
    assert line["message"] == "Not Found: /no-such-page/" and line["request_id"] == "rid-404"
    assert line["request"] == "GET /no-such-page/" and "a@b.org" not in captured.raw
    assert access.records[0]["status"] == 404
    assert request_id.get() is None


def test_each_request_gets_its_own_id(access: Captured) -> None:
    first, second = Client().get("/healthz"), Client().get("/healthz")
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert [r["request_id"] for r in access.records] == [first["X-Request-ID"], second["X-Request-ID"]]


def test_access_line_has_no_query_string_and_no_email(access: Captured) -> None:
    Client().get("/healthz?email=a@b.org&key=" + API_KEY)
    [line] = access.records
    assert line["path"] == "/healthz" and line["message"] == "GET /healthz 200"
    assert "a@b.org" not in access.raw and "?" not in access.raw and API_KEY not in access.raw


def test_access_line_names_the_user_by_id_only(access: Captured, role_users: dict[str, Any],
                                              password: str) -> None:
    client = Client()
    assert login(client, "user-analyst", password)
    assert client.get("/").status_code == 200
    [line] = access.records
    assert line["user_id"] == role_users["analyst"].pk
    assert "user-analyst" not in access.raw


def test_log_records_carry_the_request_id_and_extras(app_log: Captured) -> None:
    token = request_id.set("req-1")
    try:
        logging.getLogger("wildwatch.test").warning("case %s flagged", 7, extra={"case": 7, "tags": ["a", "b"]})
    finally:
        request_id.reset(token)
    logging.getLogger("wildwatch.test").info("outside a request")
    first, second = app_log.records
    assert first["message"] == "case 7 flagged" and first["request_id"] == "req-1" and first["level"] == "WARNING"
    assert first["case"] == 7 and first["tags"] == ["a", "b"]
    assert second["request_id"] is None


def test_exceptions_are_one_string(app_log: Captured) -> None:
    try:
        raise ValueError("bad value for someone@example.org")
    except ValueError:
        logging.getLogger("wildwatch.test").exception("it failed")
    [line] = app_log.records
    assert "Traceback" in line["exc_info"] and "ValueError" in line["exc_info"]
    assert "someone@example.org" not in app_log.raw and "[email]" in line["exc_info"]


def test_secrets_are_redacted(app_log: Captured) -> None:
    log = logging.getLogger("wildwatch.test")
    log.warning("login failed for %s with key %s password=%s", "jane.doe+x@example.co.uk", API_KEY, "hunter2",
                extra={"headers": {"Authorization": "Bearer s3cr3t-token", "X-API-Key": API_KEY, "Accept": "*/*"},
                       "body": '{"username": "jane", "password": "hunter2", "email": "jane@example.org"}',
                       "password": "hunter2", "note": "Authorization: Basic dXNlcjpwYXNz",
                       "pem": PRIVATE_KEY})
    log.error("X-API-Key: %s then Authorization: Token abc123", API_KEY)
    raw = app_log.raw
    for secret in ("jane.doe", "example.co.uk", "jane@example.org", API_KEY, "0123456789ab", "hunter2",
                   "s3cr3t-token", "dXNlcjpwYXNz", "MC4CAQAw", "abc123"):
        assert secret not in raw, secret
    first, second = app_log.records
    assert first["message"] == "login failed for [email] with key [key] password=[redacted]"
    assert first["headers"] == {"Authorization": "[redacted]", "X-API-Key": "[redacted]", "Accept": "*/*"}
    assert json.loads(first["body"]) == {"username": "jane", "password": "[redacted]", "email": "[email]"}
    assert first["password"] == "[redacted]"
    assert first["note"] == "Authorization: [redacted]"
    assert first["pem"] == "[redacted]"
    assert second["message"] == "X-API-Key: [redacted] then Authorization: [redacted]"


def test_ordinary_text_is_left_alone(app_log: Captured) -> None:
    text = "release 12 published: 340 terms, status=ok, path=/library/terms/5/, 3 passwords reset"
    logging.getLogger("wildwatch.test").warning(text)
    assert app_log.records[0]["message"] == text


def test_a_request_in_extras_is_written_without_its_query(app_log: Captured, rf: Any) -> None:
    request = rf.get("/reports/status/?email=a@b.org")
    logging.getLogger("wildwatch.test").warning("Not Found", extra={"request": request, "status_code": 404})
    [line] = app_log.records
    assert line["request"] == "GET /reports/status/" and line["status_code"] == 404
    assert "a@b.org" not in app_log.raw
