"""The API's checks (listings, batches, searches), its authentication, body caps, errors and rate limit."""

from __future__ import annotations

import base64
import io
import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from wildwatch.detect.categories import VERDICTS
from wildwatch.detect.engine import Detector
from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import ApiKey
from wildwatch.hub.checks import api as api_module
from wildwatch.hub.checks import auth, detectors
from wildwatch.hub.checks.middleware import cap_for

pytestmark = pytest.mark.django_db
MIB = 1024 * 1024
IVORY = "Genuine ivory bangle for sale, $200"


@pytest.fixture(autouse=True)
def _fresh_state() -> None:
    detectors.reset(keep_starter=True)
    caches["default"].clear()




def post(path: str, body: Any, key: str | None, **extra: Any) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    if key is not None:
        extra["HTTP_X_API_KEY"] = key
    return Client().post(path, data=data, content_type="application/json", **extra)


def error_of(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content[:500])
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"} and isinstance(error["message"], str)
    if code:
        assert error["code"] == code, error
    return dict(error)


# --- /check --------------------------------------------------------------------------------------------------------


def test_check_returns_the_decision_with_the_id(keys: dict[str, str]) -> None:
    response = post("/api/v1/check", {"id": "L1", "text": IVORY}, keys["engineer"])
    assert response.status_code == 200
    body = response.json()
    assert {"id", "verdict", "score", "hits", "reasons", "library_version"} <= set(body)
    assert body["id"] == "L1" and body["verdict"] == "block" and body["hits"]
    quiet = post("/api/v1/check", {"id": "L2", "title": "Red dress", "description": "size M", "lang": "en",
                                   "seller": {"id": "s1", "contacts": ["+33 6 12 34 56 78"]},
                                   "image_urls": ["https://example.org/a.jpg"],
                                   "images": [base64.b64encode(b"\x89PNG....").decode()]}, keys["engineer"])
    assert quiet.status_code == 200 and quiet.json()["verdict"] == "allow" and quiet.json()["id"] == "L2"


@pytest.mark.parametrize("header", [None, "", "ww_nope_nope", "not-a-key"])
def test_missing_or_unknown_key_is_401(keys: dict[str, str], header: str | None) -> None:
    error_of(post("/api/v1/check", {"id": "x", "text": IVORY}, header), 401, "unauthorized")


def test_revoked_key_is_401(keys: dict[str, str]) -> None:
    key = ApiKey.objects.get(role="engineer")
    accounts.revoke_api_key(key)
    error_of(post("/api/v1/check", {"id": "x", "text": IVORY}, keys["engineer"]), 401, "unauthorized")


@pytest.mark.parametrize(("body", "field"), [
    ({"text": IVORY}, "id"),
    ({"id": 5, "text": IVORY}, "id"),
    ({"id": "x"}, "text"),
    ({"id": "x", "title": "only a title"}, "description"),
    ({"id": "x", "text": IVORY, "seller": {"contacts": []}}, "seller"),
    ({"id": "x", "text": IVORY, "images": ["aGVsbG8="] * 5}, "images"),
    ({"id": "x", "text": IVORY, "images": ["not base64!!"]}, "images"),
])
def test_schema_errors_name_the_field(keys: dict[str, str], body: dict[str, Any], field: str) -> None:
    error = error_of(post("/api/v1/check", body, keys["engineer"]), 422, "invalid_request")
    assert field in error["message"]
    assert isinstance(error["details"], list) and all("loc" in d for d in error["details"])


def test_malformed_json_and_bad_utf8_are_422(keys: dict[str, str]) -> None:
    error = error_of(post("/api/v1/check", b'{"id": "x", "text": ', keys["engineer"]), 422, "malformed_json")
    assert "line 1" in error["message"]
    error_of(post("/api/v1/check", b'{"id": "x", "text": "\xff\xfe"}', keys["engineer"]), 422, "invalid_encoding")
    error_of(post("/api/v1/check", b"[1, 2]", keys["engineer"]), 422)


# --- body caps -----------------------------------------------------------------------------------------------------


def test_declared_length_over_the_cap_is_413(keys: dict[str, str]) -> None:
    cap = cap_for("/api/v1/check")  # four 2 MiB images in base64 fit
    assert cap >= 4 * 2 * MIB * 4 // 3
    error = error_of(post("/api/v1/check", b"{}", keys["engineer"], CONTENT_LENGTH=str(cap + 1)), 413,
                     "body_too_large")
    assert error["details"] == {"max_bytes": cap}
    big = {"id": "x", "text": "a" * (cap + 10)}
    error_of(post("/api/v1/check", big, keys["engineer"]), 413)
    error_of(post("/api/v1/search/intercept", {"query": "a" * (MIB + 10)}, keys["engineer"]), 413)
    # over Django's own DATA_UPLOAD_MAX_MEMORY_SIZE too: still our 413, never Django's 400
    error_of(post("/api/v1/check/batch", b"{}", keys["engineer"], CONTENT_LENGTH=str(13 * MIB)), 413)
    error_of(post("/api/v1/check/batch", {"items": [{"id": "x", "text": "a" * (10 * MIB)}]}, keys["engineer"]), 413)


@pytest.mark.parametrize("declared", ["10", ""])
def test_bytes_read_over_the_cap_are_413_whatever_the_declared_length(keys: dict[str, str], declared: str) -> None:
    """A server that ends the input itself (gunicorn, chunked bodies) is read to the cap + 1, never further."""
    cap = cap_for("/api/v1/check")
    payload = json.dumps({"id": "x", "text": "a" * (cap + MIB)}).encode()
    stream = io.BytesIO(payload)
    response = post("/api/v1/check", b"", keys["engineer"], CONTENT_LENGTH=declared,
                    **{"wsgi.input": stream, "wsgi.input_terminated": True})
    error_of(response, 413, "body_too_large")
    assert stream.tell() <= cap + 1


def test_batch_takes_bodies_up_to_ten_mib(keys: dict[str, str]) -> None:
    items = [{"id": f"i{n}", "text": "a plain wooden chair " * 5000} for n in range(20)]  # about 2 MiB
    response = post("/api/v1/check/batch", {"items": items}, keys["engineer"])
    assert response.status_code == 200 and len(response.json()["results"]) == 20


# --- /check/batch --------------------------------------------------------------------------------------------------


def test_batch_keeps_order_and_reports_bad_items_in_place(keys: dict[str, str], monkeypatch: Any) -> None:
    calls: list[int] = []
    original = Detector.check_many

    def counting(self: Detector, listings: Any) -> Any:
        listings = list(listings)
        calls.append(len(listings))
        return original(self, listings)

    monkeypatch.setattr(Detector, "check_many", counting)
    too_big = base64.b64encode(b"\0" * (2 * MIB + 1)).decode()
    items: list[Any] = [{"id": "a", "text": IVORY}, {"id": "b"}, {"id": "c", "text": "a blue sofa"},
                        {"text": IVORY}, {"id": "e", "text": IVORY, "images": [too_big]}]
    response = post("/api/v1/check/batch", {"items": items}, keys["engineer"])
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["id"] for r in results] == ["a", "b", "c", None, "e"]
    assert results[0]["verdict"] == "block" and results[2]["verdict"] == "allow"
    for n in (1, 3, 4):
        assert set(results[n]["error"]) == {"code", "message", "details"}
    assert "text" in results[1]["error"]["message"] and "id" in results[3]["error"]["message"]
    assert "images" in results[4]["error"]["message"]
    assert calls == [2]


def test_batch_over_a_thousand_items_is_422(keys: dict[str, str]) -> None:
    items = [{"id": str(n), "text": "chair"} for n in range(1001)]
    error = error_of(post("/api/v1/check/batch", {"items": items}, keys["engineer"]), 422, "invalid_request")
    assert "items" in error["message"]
    assert post("/api/v1/check/batch", {"items": items[:1000]}, keys["engineer"]).status_code == 200
    error_of(post("/api/v1/check/batch", {"things": []}, keys["engineer"]), 422)


# --- /search/intercept ---------------------------------------------------------------------------------------------


def test_search_intercept(keys: dict[str, str]) -> None:
    hit = post("/api/v1/search/intercept", {"query": "buy ivory", "lang": "en"}, keys["engineer"])
    assert hit.status_code == 200
    body = hit.json()
    assert body["intercept"] is True and body["message"] and set(body) == {"intercept", "title", "message",
                                                                           "learn_more_url"}
    assert body["learn_more_url"].startswith("http://testserver/species/")  # a full address, not a hub path
    miss = post("/api/v1/search/intercept", {"query": "tiger print dress"}, keys["engineer"]).json()
    assert miss == {"intercept": False, "title": None, "message": None, "learn_more_url": None}
    error_of(post("/api/v1/search/intercept", {"q": "ivory"}, keys["engineer"]), 422)
    error_of(post("/api/v1/search/intercept", {"query": "ivory"}, None), 401)


# --- rate limit, last use, errors ----------------------------------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after(keys: dict[str, str], settings: Any) -> None:
    settings.WILDWATCH_API_RATE = 2
    for _ in range(2):
        assert post("/api/v1/check", {"id": "x", "text": "chair"}, keys["engineer"]).status_code == 200
    response = post("/api/v1/check", {"id": "x", "text": "chair"}, keys["engineer"])
    error = error_of(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 60 and error["details"]["limit"] == 2
    # per key: the other key still has its own window
    assert post("/api/v1/check", {"id": "x", "text": "chair"}, keys["reviewer"]).status_code == 200


def test_the_limit_holds_across_processes_through_the_shared_cache(keys: dict[str, str], settings: Any,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Each process adds its requests to the shared counter in small batches: a process that starts (or forgets
    its own counts) still sees what the others used, and no request writes the cache on its own."""
    settings.WILDWATCH_API_RATE = 20
    monkeypatch.setattr(auth, "SYNC_EVERY", 4)
    monkeypatch.setattr(auth, "SYNC_SECONDS", 3600.0)
    for _ in range(12):  # "worker 1"
        assert post("/api/v1/check", {"id": "x", "text": "chair"}, keys["engineer"]).status_code == 200
    auth.forget_rates()  # "worker 2": its own counts start at zero, the shared total does not
    statuses = [post("/api/v1/check", {"id": "x", "text": "chair"}, keys["engineer"]).status_code
                for _ in range(20)]
    assert statuses.count(200) <= 20 - 12 + auth.SYNC_EVERY and statuses[-1] == 429
    assert statuses.count(200) >= 20 - 12 - auth.SYNC_EVERY


def test_last_used_at_is_written_at_most_once_a_minute(keys: dict[str, str],
                                                       django_assert_max_num_queries: Any) -> None:
    key = ApiKey.objects.get(role="engineer")
    assert key.last_used_at is None
    post("/api/v1/check", {"id": "x", "text": "chair"}, keys["engineer"])
    key.refresh_from_db()
    first = key.last_used_at
    assert first is not None
    post("/api/v1/check", {"id": "x", "text": "chair"}, keys["engineer"])
    key.refresh_from_db()
    assert key.last_used_at == first
    from datetime import timedelta

    ApiKey.objects.filter(pk=key.pk).update(last_used_at=first - timedelta(seconds=61))
    auth.forget_keys()  # as after KEY_SECONDS: the key is read again
    post("/api/v1/check", {"id": "x", "text": "chair"}, keys["engineer"])
    key.refresh_from_db()
    assert key.last_used_at is not None and key.last_used_at > first - timedelta(seconds=61)


def test_unexpected_errors_are_500_with_a_generic_message(keys: dict[str, str], monkeypatch: Any) -> None:
    def broken(platform: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api_module, "detector_for", broken)
    error = error_of(post("/api/v1/check", {"id": "x", "text": "chair"}, keys["engineer"]), 500, "internal_error")
    assert "secret" not in error["message"]


# --- OpenAPI, docs, a real server ----------------------------------------------------------------------------------


def test_openapi_lists_every_path_and_docs_need_no_cdn() -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert set(schema["paths"]) >= {"/api/v1/check", "/api/v1/check/batch", "/api/v1/search/intercept",
                                    "/api/v1/library/releases/latest", "/api/v1/library/releases/{n}",
                                    "/api/v1/decisions"}
    docs = Client().get("/api/v1/docs")
    assert docs.status_code == 200
    page = docs.content.decode().lower()
    assert "cdn" not in page and 'src="http' not in page and 'href="http' not in page


@pytest.mark.django_db(transaction=True)
def test_a_real_server(live_server: Any) -> None:
    org = accounts.create_organisation("live-market", "Live Market", "member")
    accounts.add_platform(org, "live-shop", "Shop", "ecommerce")
    _, key = accounts.create_api_key("live-market")
    url = f"{live_server.url}/api/v1/check"
    data = json.dumps({"id": "live", "text": IVORY}).encode()
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json", "X-Api-Key": key})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.loads(response.read())
    assert body["id"] == "live" and body["verdict"] in VERDICTS
    anonymous = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(anonymous, timeout=30)
    assert info.value.code == 401 and json.loads(info.value.read())["error"]["code"] == "unauthorized"
