"""``Idempotency-Key`` on every POST of the API: a retry gets the first answer back, and nothing is done, written or
counted twice; the same key with another request is refused; stored answers are purged."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from api_helpers import error_of, post
from django.core.cache import caches
from django.db.models import Sum
from django.utils import timezone

from wildwatch.detect.library import load_starter
from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.checks import detectors, idempotency
from wildwatch.hub.checks.models import IdempotentResponse
from wildwatch.hub.library import services as library
from wildwatch.hub.library.models import Term
from wildwatch.hub.usage import services as usage
from wildwatch.hub.usage.models import DailyCount

pytestmark = pytest.mark.django_db
IVORY = "Genuine ivory bangle for sale, $200"


@pytest.fixture(autouse=True)
def _fresh_state() -> None:
    detectors.reset(keep_starter=True)
    caches["default"].clear()


def listings_counted() -> int:
    usage.flush()
    return int(DailyCount.objects.filter(metric__in=["listings", "searches"]).aggregate(n=Sum("count"))["n"] or 0)


def bodies() -> dict[str, Any]:
    library.import_library(load_starter())
    term = Term.objects.order_by("term_id").values_list("term_id", flat=True).first()
    day = timezone.now().date().isoformat()
    return {
        "/api/v1/check": {"id": "L1", "text": IVORY},
        "/api/v1/check/batch": {"items": [{"id": "L1", "text": IVORY}, {"id": "L2", "text": "a chair"}]},
        "/api/v1/search/intercept": {"query": "ivory bangle", "lang": "en"},
        "/api/v1/decisions": {"id": "L1", "verdict_taken": "removed_listing", "policy": "prohibited",
                              "terms_confirmed": [term]},
        "/api/v1/usage": {"library_version": "2026.11.0", "days": {day: {"listings": {"allow": {"none": 5}},
                                                                         "searches": 2, "search_popups": 1}}},
    }


def state() -> tuple[int, int, int, int]:
    confirmed = int(Term.objects.aggregate(n=Sum("confirmed"))["n"] or 0)
    return listings_counted(), confirmed, AuditEntry.objects.count(), DailyCount.objects.count()


def test_every_post_endpoint_is_idempotent(keys: dict[str, str], django_capture_on_commit_callbacks: Any) -> None:
    for path, body in bodies().items():
        with django_capture_on_commit_callbacks(execute=True):
            first = post(path, body, keys["engineer"], HTTP_IDEMPOTENCY_KEY=f"k-{path}")
        assert first.status_code == 200, (path, first.content)
        after_first = state()
        with django_capture_on_commit_callbacks(execute=True):
            again = post(path, body, keys["engineer"], HTTP_IDEMPOTENCY_KEY=f"k-{path}")
        assert again.status_code == 200 and again.json() == first.json(), path
        assert state() == after_first, f"{path}: a retry did something again"
        with django_capture_on_commit_callbacks(execute=True):
            new = post(path, body, keys["engineer"], HTTP_IDEMPOTENCY_KEY=f"other-{path}")
        assert new.status_code == 200
        assert state() != after_first, f"{path}: a new key is a new request"
    assert IdempotentResponse.objects.count() == 10


def test_a_key_reused_for_another_request_is_refused(keys: dict[str, str]) -> None:
    assert post("/api/v1/check", {"id": "L1", "text": IVORY}, keys["engineer"],
                HTTP_IDEMPOTENCY_KEY="same").status_code == 200
    error = error_of(post("/api/v1/check", {"id": "L2", "text": IVORY}, keys["engineer"],
                          HTTP_IDEMPOTENCY_KEY="same"), 422, "idempotency_key_reused")
    assert error["details"] == {"idempotency_key": "same"}
    error_of(post("/api/v1/search/intercept", {"query": "x"}, keys["engineer"], HTTP_IDEMPOTENCY_KEY="same"), 422,
             "idempotency_key_reused")
    # keys belong to one API key: another key may use the same idempotency key for its own request
    assert post("/api/v1/check", {"id": "L2", "text": IVORY}, keys["reviewer"],
                HTTP_IDEMPOTENCY_KEY="same").status_code == 200


def test_errors_are_not_stored_and_a_fixed_retry_goes_through(keys: dict[str, str]) -> None:
    bad = {"library_version": "x", "days": {"2026-13-01": {}}}
    error_of(post("/api/v1/usage", bad, keys["engineer"], HTTP_IDEMPOTENCY_KEY="u1"), 422)
    assert IdempotentResponse.objects.count() == 0
    error_of(post("/api/v1/check", {"id": "L1"}, keys["engineer"], HTTP_IDEMPOTENCY_KEY="c1"), 422)
    assert post("/api/v1/check", {"id": "L1", "text": IVORY}, keys["engineer"],
                HTTP_IDEMPOTENCY_KEY="c1").status_code == 200
    error_of(post("/api/v1/check", {"id": "L1", "text": IVORY}, keys["engineer"],
                  HTTP_IDEMPOTENCY_KEY="x" * 201), 422)


def test_old_answers_are_purged(keys: dict[str, str]) -> None:
    post("/api/v1/check", {"id": "L1", "text": IVORY}, keys["engineer"], HTTP_IDEMPOTENCY_KEY="old")
    post("/api/v1/check", {"id": "L2", "text": IVORY}, keys["engineer"], HTTP_IDEMPOTENCY_KEY="new")
    IdempotentResponse.objects.filter(key="old").update(created_at=timezone.now() - timedelta(days=8))
    assert idempotency.purge() == 1
    assert list(IdempotentResponse.objects.values_list("key", flat=True)) == ["new"]
