"""The demo's coalition history: membership from the launch, attested totals like the coalition's report, and what
the hub itself recorded (usage counters, reports and their cases, model-policy adoptions), consistent with the
attestations; loaded once.

The demo is loaded once for the module (it takes a while) inside a transaction rolled back after the last test;
each test runs in a savepoint of it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, F, Min, Sum
from django.test import Client, override_settings
from login_helpers import force_login

from wildwatch.detect.categories import CATEGORIES, VERDICTS
from wildwatch.detect.urls import canonical_url
from wildwatch.hub.accounts.models import AuditEntry, Organisation, Platform
from wildwatch.hub.campaigns.models import Campaign
from wildwatch.hub.library.models import Term
from wildwatch.hub.metrics import computations, indicators
from wildwatch.hub.metrics.demo import NOTE, load_demo_metrics
from wildwatch.hub.metrics.demo_history import LINES
from wildwatch.hub.metrics.indicators import Scope
from wildwatch.hub.metrics.models import Attestation, AttestationState, ModelPolicy, PolicyAdoption
from wildwatch.hub.plans.models import TrainingSession
from wildwatch.hub.reports.demo import REPORTS
from wildwatch.hub.reports.models import Action, Case, CaseStatus, Decision, Report
from wildwatch.hub.usage.models import DailyCount

START, END = date(2018, 3, 1), date(2024, 9, 30)
SINCE, UNTIL = datetime(2018, 3, 1, tzinfo=UTC), datetime(2024, 10, 1, tzinfo=UTC)
BLOCKED_OR_REMOVED = ("listings_removed", "posts_removed", "accounts_removed", "blocked_at_posting")
BOTH = ("blocked_at_posting", "search_popups", "listings_removed", "posts_removed", "accounts_removed",
        "groups_removed")
HISTORY = (DailyCount, Case, Report, Decision, ModelPolicy, PolicyAdoption, Campaign, Attestation, TrainingSession,
           Organisation, Platform)


def _counts() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in HISTORY}
    return {**counts, "users": get_user_model().objects.count(), "audit": AuditEntry.objects.count()}


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: object) -> Iterator[dict[str, int]]:
    """``wildwatch hub demo`` (starter library, demo cases, plans, metrics and their history), once for the module."""
    with django_db_blocker.unblock(), override_settings(  # type: ignore[attr-defined]
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("demo", stdout=io.StringIO())
            connection.check_constraints()  # once here, rather than after every test (PostgreSQL's deferred checks)
            yield _counts()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _periods() -> Iterator[tuple[Organisation, date, date]]:
    """Each member company's attested periods: its years from its join date to the end of the history."""
    for org in Organisation.objects.filter(kind="member", joined_on__isnull=False):
        assert org.joined_on is not None
        for year in range(2018, 2025):
            start, end = max(date(year, 1, 1), org.joined_on), min(date(year, 12, 31), END)
            if start <= end:
                yield org, start, end


def _per_month(term_ids: list[str]) -> dict[int, float]:
    """Term hits of these terms per month of each year of the history."""
    rows = (DailyCount.objects.filter(metric="term_hits", term_id__in=term_ids).values("day__year")
            .annotate(n=Sum("count")))
    found = {r["day__year"]: r["n"] for r in rows}
    return {y: found.get(y, 0) / (10 if y == 2018 else 9 if y == 2024 else 12) for y in range(2018, 2025)}


@pytest.mark.django_db
def test_demo_metrics_read_like_the_coalition_report(demo: dict[str, int]) -> None:
    members = indicators.membership(date(2018, 3, 31))
    assert members[-1][1] == 21
    assert indicators.coalition_start() == START
    now = indicators.membership(END)[-1][1]
    assert 38 <= now <= 42
    platforms = Platform.objects.filter(organisation__kind="member", joined_on__lte=END).count()
    assert platforms > 50

    # every demo attestation went through the workflow: entered by a member admin, accepted by the analyst
    attested_demo = Attestation.objects.filter(note=NOTE)
    assert attested_demo.count() > 200
    assert attested_demo.count() == attested_demo.filter(state=AttestationState.ACCEPTED,
                                                         reviewed_by__username="analyst").count()
    assert not attested_demo.filter(created_by__isnull=True).exists()
    assert not attested_demo.filter(created_by__username="analyst").exists()

    totals = indicators.coalition_totals(END, since=START)
    attested = indicators.attested(START, END)
    blocked = sum(attested[k].value or 0 for k in BLOCKED_OR_REMOVED)
    assert 23_500_000 <= blocked <= 24_500_000  # "24.1 million listings and accounts blocked"
    assert totals["listings_removed"].source == "attested"  # the members' figures, the hub's count beside them
    assert totals["listings_removed"].value == attested["listings_removed"].value
    assert totals["staff_trained"].value == pytest.approx(3_050, abs=50)  # from the training sessions
    assert attested["staff_trained"].value == pytest.approx(3_050, abs=50)
    assert attested["user_accounts"].value == pytest.approx(11e9, rel=0.02)  # the latest level of each company
    assert (indicators.attested(date(2019, 1, 1), date(2019, 12, 31))["user_accounts"].value or 0) < 8e9  # grew
    # the figures that follow the hub's history: pop-ups, their redirects, groups removed
    assert (attested["search_popups"].value or 0) > (computations.compute_key("search_popups", START, END, Scope())
                                                     or 0) > 1_000_000
    assert 0.03 <= (attested["redirects"].value or 0) / (attested["search_popups"].value or 1) <= 0.08
    assert 0 < (attested["groups_removed"].value or 0) < 50_000
    if "library_integrated" in indicators.ATTESTED_KEYS:
        assert 20 <= (attested["library_integrated"].value or 0) <= 40


@pytest.mark.django_db
def test_reports_and_cases_of_the_history(demo: dict[str, int]) -> None:
    figures = indicators.compute(START, END)
    volunteer, public = figures["volunteer_reports"].value or 0, figures["public_reports"].value or 0
    assert volunteer == pytest.approx(38_000, rel=0.02) and public == pytest.approx(9_000, rel=0.02)
    assert (figures["volunteer_reports_confirmed"].value or 0) / volunteer == pytest.approx(0.7, abs=0.03)
    assert 0.4 < (figures["public_reports_confirmed"].value or 0) / public < 0.7
    median, sla = figures["median_hours_to_action"].value, figures["sla_compliance"].value
    assert median is not None and 12 < median < 24  # a little under the members' 24-hour SLA
    assert sla is not None and 0.85 <= sla <= 0.92
    by_year = [indicators.compute_one("volunteer_reports", date(y, 1, 1), date(y, 12, 31)) or 0
               for y in range(2019, 2024)]
    assert by_year == sorted(by_year)  # the programme grows

    # every report but the demo command's few lies in the history, and its case begins with its first report
    assert Report.objects.exclude(created_at__gte=SINCE, created_at__lt=UNTIL).count() == len(REPORTS)
    history = Case.objects.filter(created_at__gte=SINCE, created_at__lt=UNTIL)
    assert not history.annotate(first=Min("reports__created_at")).exclude(created_at=F("first")).exists()
    assert history.filter(platform=None, status=CaseStatus.OUTREACH).count() in range(5, 100)
    decided = history.filter(status=CaseStatus.DECIDED)
    assert not decided.exclude(due_at=F("referred_at") + timedelta(hours=24)).exists()
    assert not decided.filter(referred_at__lt=F("created_at")).exists()
    assert not decided.filter(referred_at__gt=F("created_at") + timedelta(days=2)).exists()
    assert not decided.filter(decided_at__lt=F("claimed_at")).exists()
    assert not Decision.objects.filter(case__in=decided).exclude(created_at=F("case__decided_at")).exists()
    assert decided.count() == Decision.objects.filter(case__in=decided).count()
    assert history.filter(status=CaseStatus.REJECTED).exclude(reject_reason="").count() > 1000
    # actions that fit the platform: listings on marketplaces, posts and groups on social media and messaging
    actions = set(Decision.objects.filter(case__platform__type="ecommerce").values_list("action", flat=True))
    assert actions == {Action.REMOVED_LISTING, Action.REMOVED_ACCOUNT, Action.NO_VIOLATION}
    assert Action.REMOVED_LISTING not in set(Decision.objects.exclude(case__platform__type="ecommerce")
                                             .values_list("action", flat=True))
    # deduplication: some listings were reported two or three times, spelled differently
    multiple = history.annotate(n=Count("reports")).filter(n__gt=1)
    assert multiple.count() > 200 and max(multiple.values_list("n", flat=True)) == 3
    for case in multiple[:20]:
        assert {canonical_url(r.url) for r in case.reports.all()} == {case.canonical_url}
    # the cyber spotters: forty demo accounts that cannot log in; the demo volunteers' own pages stay short
    spotters = get_user_model().objects.filter(username__startswith="spotter-",
                                               memberships__organisation__slug="demo-volunteers",
                                               memberships__role="volunteer")
    assert spotters.count() == 40 and not any(u.has_usable_password() for u in spotters)
    assert not Report.objects.filter(kind="volunteer", created_at__lt=UNTIL).exclude(reporter__in=spotters).exists()
    assert Report.objects.filter(reporter__username__in=["volunteer", "volunteer2"]).count() <= 2
    assert Case.objects.exclude(taxon=None).count() > 30_000
    sample = history.filter(severity__gt=0).first()  # JSON stored as JSON, on every database
    assert sample is not None and sample.severity_reasons and isinstance(sample.severity_reasons, list)
    assert sample.seller_contacts == [] and sample.term_ids == [] and sample.hold_notice == {}


@pytest.mark.django_db
def test_usage_counters_of_the_history(demo: dict[str, int]) -> None:
    rows = DailyCount.objects.filter(day__lte=END)
    assert 50_000 < rows.count() <= 150_000
    assert set(rows.values_list("source", flat=True)) == {"api", "local"}
    assert set(rows.values_list("metric", flat=True)) == {"listings", "term_hits", "searches", "search_popups",
                                                          "campaign_popups"}
    assert not rows.exclude(metric="campaign_popups").exclude(day__day=15).exists()  # one row a month
    assert rows.aggregate(first=Min("day"))["first"] >= START
    listings = rows.filter(metric__in=["listings", "term_hits"])
    assert set(listings.values_list("verdict", flat=True)) == set(VERDICTS)
    assert set(listings.values_list("category", flat=True)) <= {*CATEGORIES, "none"}
    assert set(rows.filter(metric="term_hits").values_list("category", flat=True)) == {"prohibited", "restricted",
                                                                                       "cover"}
    terms = set(rows.filter(metric="term_hits").values_list("term_id", flat=True))
    assert 25 <= len(terms) <= 45
    assert Term.objects.filter(term_id__in=terms, status=Term.Status.ACTIVE).count() == len(terms)
    for campaign in Campaign.objects.filter(slug__in=rows.filter(metric="campaign_popups").values("term_id")):
        assert not rows.filter(term_id=campaign.slug).exclude(day__range=(campaign.start, campaign.end)).exists()
    assert rows.filter(metric="campaign_popups").values("term_id").distinct().count() >= 15

    # what the hub counted for a company is part of what it attests: blocked at posting, pop-ups, removals
    for org, start, end in _periods():
        scope = Scope(organisation_ids=frozenset({org.pk}))
        attested = indicators.attested(start, end, scope)
        for key in BOTH:
            computed = computations.compute_key(key, start, end, scope) or 0
            figure = attested.get(key)
            assert computed <= (figure.value or 0 if figure else 0), (org.slug, start.year, key)
    computed_blocked = computations.compute_key("blocked_at_posting", START, END, Scope()) or 0
    assert 0.5 <= computed_blocked / (indicators.attested(START, END)["blocked_at_posting"].value or 1) <= 0.85
    by_month = indicators.series("blocked_at_posting", START, END, step="month")
    assert len(by_month) == 79 and all(value > 0 for _, value in by_month)  # by month: what the hub counted

    # the trade moves: pangolin scales up to 2020 then down, ivory's share down, live animals and code words up
    lines = {line.key: [t for t, _ in line.terms] for line in LINES}
    pangolin = _per_month(lines["pangolin"])
    assert pangolin[2018] < pangolin[2019] < pangolin[2020] > pangolin[2021] > pangolin[2022]
    everything = _per_month([t for ids in lines.values() for t in ids])
    ivory = _per_month(lines["ivory"])
    assert ivory[2024] / everything[2024] < 0.5 * ivory[2018] / everything[2018]
    live = _per_month(lines["live_parrots"] + lines["live_reptiles"])
    assert live[2023] > 2.5 * live[2020]
    code = _per_month(lines["code_words"] + lines["code_slang"])
    assert code[2018] == code[2019] == 0 < code[2021] < code[2023]


@pytest.mark.django_db
def test_model_policy_history(demo: dict[str, int]) -> None:
    versions = list(ModelPolicy.objects.order_by("version").values_list("version", "published_on"))
    assert versions[0] == (1, START) and versions[1][0] == 2 and versions[1][1].year == 2021
    adoptions = PolicyAdoption.objects.select_related("platform", "confirmed_by")
    assert adoptions.count() > 40
    for adoption in adoptions:
        assert adoption.confirmed_by is not None and adoption.confirmed_by.username == "analyst"
        assert adoption.confirmed_at is not None and adoption.platform.joined_on is not None
        assert adoption.platform.joined_on < adoption.adopted_on < adoption.confirmed_at.date() <= END
        assert adoption.public_url == f"https://{adoption.platform.domains[0]}/policies/wildlife"
    in_place = indicators.compute_one("policy_in_place", START, END)
    assert in_place is not None and in_place > 40
    assert (indicators.compute_one("policy_in_place", START, date(2019, 12, 31)) or 0) < in_place
    client = Client()
    force_login(client, get_user_model().objects.get(username="analyst"))
    page = client.get("/metrics/policy/")
    assert page.status_code == 200 and b"/policies/wildlife" in page.content


@pytest.mark.django_db
def test_demo_history_is_loaded_once(demo: dict[str, int]) -> None:
    before = _counts()
    assert before == demo
    assert load_demo_metrics() == 0
    assert _counts() == before
    call_command("demo", stdout=io.StringIO())  # the command again adds nothing to the history
    again = _counts()
    assert {k: v for k, v in again.items() if k != "audit"} == {k: v for k, v in before.items() if k != "audit"}
    call_command("demo", "--no-library", stdout=io.StringIO())  # and keeps the join dates
    assert indicators.membership(date(2018, 3, 31))[-1][1] == 21
