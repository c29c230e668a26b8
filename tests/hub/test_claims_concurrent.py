"""Claims under real concurrency: reviewers in threads, each with its own database connection, claim at the same
moment. Two reviewers never get the same case, for one given case and for "claim next" over several cases.

Run on SQLite (the conditional update decides) and on PostgreSQL (``SELECT … FOR UPDATE SKIP LOCKED`` first), e.g.
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/ww_h3 pytest tests/hub/test_claims_concurrent.py``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.reports import services as reports
from wildwatch.hub.reports.models import Case
from wildwatch.hub.review import services

pytestmark = pytest.mark.django_db(transaction=True)

REVIEWERS = 4


@pytest.fixture
def team(db: Any) -> dict[str, Any]:
    org = accounts.create_organisation("c-market", "C Market", "member")
    accounts.add_platform(org, "c-shop", "C Shop", "ecommerce", ["FR"], domains=["cshop.example"])
    ngo = accounts.create_organisation("c-ngo", "C NGO", "ngo")
    return {"analyst": accounts.add_member(ngo, "c-analyst", "analyst"),
            "reviewers": [accounts.add_member(org, f"c-rev-{n}", "reviewer") for n in range(REVIEWERS)]}


def referred(team: dict[str, Any], n: int) -> Case:
    return reports.accept(reports.file_report("public", f"https://cshop.example/item/{n}").case, team["analyst"])


def at_once(work: list[Callable[[], Any]]) -> list[Any]:
    """Runs the callables in threads released together by a barrier; each thread closes its connections."""
    barrier = threading.Barrier(len(work))
    results: list[Any] = [None] * len(work)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work[i]()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a claim hung"
    assert not errors, errors
    return results


def attempt(case: Case, reviewer: Any) -> Callable[[], str]:
    def go() -> str:
        try:
            services.claim(case, reviewer)
        except services.ReviewError as exc:
            return exc.code
        return "won"

    return go


def test_two_reviewers_claiming_one_case_never_both_get_it(team: dict[str, Any]) -> None:
    first, second = team["reviewers"][:2]
    for n in range(8):  # several rounds: the threads really overlap in some of them
        case = referred(team, n)
        outcome = at_once([attempt(case, first), attempt(case, second)])
        assert sorted(outcome) == ["taken", "won"], outcome
        winner = first if outcome[0] == "won" else second
        assert Case.objects.get(pk=case.pk).claimed_by_id == winner.pk
        assert AuditEntry.objects.filter(action="case.claim", target=f"case:{case.pk}").count() == 1


def test_many_reviewers_claiming_one_case(team: dict[str, Any]) -> None:
    case = referred(team, 1)
    outcome = at_once([attempt(case, r) for r in team["reviewers"]])
    assert outcome.count("won") == 1 and outcome.count("taken") == REVIEWERS - 1


def test_claim_next_hands_each_case_to_one_reviewer(team: dict[str, Any]) -> None:
    cases = [referred(team, n) for n in range(10)]

    def drain(reviewer: Any) -> Callable[[], list[int]]:
        def go() -> list[int]:
            got = []
            while (case := services.claim_next(reviewer)) is not None:
                got.append(case.pk)
            return got

        return go

    results = at_once([drain(r) for r in team["reviewers"]])
    claimed = [pk for got in results for pk in got]
    assert sorted(claimed) == sorted(c.pk for c in cases), results  # every case once, none twice
    for reviewer, got in zip(team["reviewers"], results, strict=True):
        assert set(Case.objects.filter(claimed_by=reviewer).values_list("pk", flat=True)) == set(got)
    assert AuditEntry.objects.filter(action="case.claim").count() == len(cases)


def test_claim_next_in_parallel_one_each(team: dict[str, Any]) -> None:
    """As many reviewers as cases, one "claim next" each: everybody gets a different case."""
    cases = [referred(team, n) for n in range(REVIEWERS)]
    results = at_once([(lambda r=r: services.claim_next(r)) for r in team["reviewers"]])
    got = [case.pk for case in results if case is not None]
    assert sorted(got) == sorted(c.pk for c in cases), (connection.vendor, got)


def test_claim_next_skips_locked_rows_where_the_database_can(team: dict[str, Any]) -> None:
    from django.test.utils import CaptureQueriesContext

    referred(team, 1)
    with CaptureQueriesContext(connection) as queries:
        assert services.claim_next(team["reviewers"][0]) is not None
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    if connection.features.has_select_for_update_skip_locked:  # PostgreSQL
        assert "FOR UPDATE SKIP LOCKED" in sql
    else:  # SQLite: no row locks, the conditional update alone decides
        assert "FOR UPDATE" not in sql
    assert '"claimed_by_id" IS NULL' in sql
