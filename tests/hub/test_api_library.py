"""The API's library downloads (watermarked releases) and decisions fed back to the terms' counters."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from wildwatch.detect.library import load_starter
from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.checks import detectors
from wildwatch.hub.checks.models import IdempotentResponse
from wildwatch.hub.library import services as library
from wildwatch.hub.library.models import Download, Release, Term

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_state(settings: Any, tmp_path: Path) -> None:
    settings.SIGNING_KEY_PATH = tmp_path / "signing-key.pem"
    detectors.reset(keep_starter=True)
    caches["default"].clear()




@pytest.fixture
def release(db: Any) -> Release:
    library.import_library(load_starter())
    return library.publish_release(changelog="Starter library")


def get(path: str, key: str | None, **extra: Any) -> Any:
    if key is not None:
        extra["HTTP_X_API_KEY"] = key
    return Client().get(path, **extra)


def post(path: str, body: Any, key: str, **extra: Any) -> Any:
    return Client().post(path, data=json.dumps(body), content_type="application/json", HTTP_X_API_KEY=key, **extra)


def error_code(response: Any, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.content[:300])
    return str(response.json()["error"]["code"])


# --- releases ------------------------------------------------------------------------------------------------------


def test_no_release_yet_is_404(keys: dict[str, str]) -> None:
    assert error_code(get("/api/v1/library/releases/latest", keys["engineer"]), 404) == "no_release"


def test_engineer_downloads_the_watermarked_copy(keys: dict[str, str], release: Release) -> None:
    response = get("/api/v1/library/releases/latest", keys["engineer"])
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    etag = response["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and response["X-Wildwatch-Signature"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["copy_for"] == "api-market"
    download = Download.objects.get()
    assert download.api_key is not None and download.api_key.role == "engineer" and f'"{download.etag}"' == etag
    assert AuditEntry.objects.filter(action="release.download", api_key=download.api_key).count() == 1
    # the same copy by number; an ETag that matches is a 304 without a body, and not a download
    assert get(f"/api/v1/library/releases/{release.number}", keys["engineer"])["ETag"] == etag
    cached = get("/api/v1/library/releases/latest", keys["engineer"], HTTP_IF_NONE_MATCH=etag)
    assert cached.status_code == 304 and cached.content == b"" and cached["ETag"] == etag
    assert Download.objects.count() == 2
    assert get("/api/v1/library/releases/latest", keys["engineer"], HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_release_errors(keys: dict[str, str], release: Release) -> None:
    assert error_code(get("/api/v1/library/releases/99", keys["engineer"]), 404) == "no_release"
    assert error_code(get("/api/v1/library/releases/latest", keys["reviewer"]), 403) == "forbidden"
    assert error_code(get("/api/v1/library/releases/1", keys["reviewer"]), 403) == "forbidden"
    assert error_code(get("/api/v1/library/releases/latest", None), 401) == "unauthorized"
    assert error_code(get("/api/v1/library/releases/abc", keys["engineer"]), 422) == "invalid_request"
    assert not Download.objects.exists()


def test_checks_use_the_latest_release(keys: dict[str, str], monkeypatch: Any) -> None:
    monkeypatch.setattr(detectors, "REFRESH_SECONDS", 0.0)
    before = post("/api/v1/check", {"id": "x", "text": "ivory bangle"}, keys["engineer"]).json()
    library.import_library(load_starter())
    published = library.publish_release()
    after = post("/api/v1/check", {"id": "x", "text": "ivory bangle"}, keys["engineer"]).json()
    assert after["library_version"] == published.library_version != before["library_version"]


# --- decisions -----------------------------------------------------------------------------------------------------


def _terms(n: int) -> list[str]:
    library.import_library(load_starter())
    return list(Term.objects.order_by("term_id").values_list("term_id", flat=True)[:n])


def test_decision_updates_the_counters_and_is_audited(keys: dict[str, str]) -> None:
    a, b, c = _terms(3)
    body = {"id": "L1", "verdict_taken": "removed_listing", "policy": "prohibited", "terms_confirmed": [a, b],
            "terms_rejected": [c]}
    response = post("/api/v1/decisions", body, keys["engineer"])
    assert response.status_code == 200 and response.json() == {"id": "L1", "recorded": True}
    counts = {t.term_id: (t.confirmed, t.rejected) for t in Term.objects.filter(term_id__in=[a, b, c])}
    assert counts == {a: (1, 0), b: (1, 0), c: (0, 1)}
    entry = AuditEntry.objects.get(action="decision.record")
    assert entry.target == "L1" and entry.api_key is not None and entry.details["verdict_taken"] == "removed_listing"


def test_idempotent_retry_writes_once(keys: dict[str, str]) -> None:
    (a,) = _terms(1)
    body = {"id": "L1", "verdict_taken": "no_violation", "policy": "allowed", "terms_rejected": [a]}
    first = post("/api/v1/decisions", body, keys["engineer"], HTTP_IDEMPOTENCY_KEY="retry-1")
    again = post("/api/v1/decisions", body, keys["engineer"], HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert Term.objects.get(term_id=a).rejected == 1
    assert AuditEntry.objects.filter(action="decision.record").count() == 1
    assert IdempotentResponse.objects.count() == 1
    post("/api/v1/decisions", body, keys["engineer"], HTTP_IDEMPOTENCY_KEY="retry-2")
    assert Term.objects.get(term_id=a).rejected == 2


def test_decision_errors_write_nothing(keys: dict[str, str]) -> None:
    (a,) = _terms(1)
    good = {"id": "L1", "verdict_taken": "removed_post", "policy": "restricted", "terms_confirmed": [a]}
    response = post("/api/v1/decisions", {**good, "terms_rejected": ["t-nope", "t-nada"]}, keys["engineer"])
    assert error_code(response, 422) == "unknown_terms"
    assert response.json()["error"]["details"] == {"term_ids": ["t-nada", "t-nope"]}
    assert "t-nope" in response.json()["error"]["message"]
    for field, value in (("verdict_taken", "deleted"), ("policy", "banned"), ("id", None)):
        response = post("/api/v1/decisions", {**good, field: value}, keys["engineer"])
        assert error_code(response, 422) == "invalid_request" and field in response.json()["error"]["message"]
    assert error_code(post("/api/v1/decisions", {**good, "terms_rejected": [a]}, keys["engineer"]), 422) \
        == "conflicting_terms"
    assert Term.objects.get(term_id=a).confirmed == 0
    assert not AuditEntry.objects.filter(action="decision.record").exists()
    assert not IdempotentResponse.objects.exists()
