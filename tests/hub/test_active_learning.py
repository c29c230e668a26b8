"""Active learning: with the hub's classifier (``WILDWATCH_MODEL``), referred cases carry its score, and a member that
chooses it gets its queue ordered overdue first, then by uncertainty (the score nearest 0.5), unscored ones last."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from login_helpers import login

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.reports import services as reports
from wildwatch.hub.reports.models import Case, MemberSettings
from wildwatch.hub.review import services
from wildwatch.model.train import TrainParams, train

pytestmark = pytest.mark.django_db

TRADE = ["carved tusk bangle polished", "raw pangolin scales wholesale", "rhino horn cup family piece",
         "tiger skin rug old", "ivory netsuke carved"]
BENIGN = ["wooden chair solid oak", "garden hose like new", "kids bicycle with helmet", "ceramic vase signed",
          "winter coat size m"]


@pytest.fixture
def model_path(tmp_path: Path, settings: Any) -> Path:
    rng = random.Random(2)
    texts, labels = [], []
    for n in range(200):
        trade = n % 2 == 0
        texts.append(f"{rng.choice(TRADE if trade else BENIGN)} lot {rng.randint(1, 9)}")
        labels.append(trade)
    path = train(texts, labels, params=TrainParams(folds=3), name="hub-test",
                 training={"files": [{"name": "synthetic", "rows": 200, "positives": 100}]}).save(
        tmp_path / "model.json.gz")
    settings.WILDWATCH_MODEL = str(path)
    return path


@pytest.fixture
def market(role_users: dict[str, Any]) -> dict[str, Any]:
    org = accounts.create_organisation("t-market", "T-MARKET", "member")
    accounts.add_platform(org, "t-market-web", "Web", "ecommerce", ["FR"], domains=["market.example"])
    return {**role_users, "org": org}


def refer(world: dict[str, Any], path: str, text: str) -> Case:
    report = reports.file_report("public", f"https://market.example/{path}", listing_text=text)
    return reports.accept(report.case, world["analyst"])


def test_cases_are_scored_and_the_queue_follows_the_members_choice(model_path: Path, market: dict[str, Any],
                                                                   password: str) -> None:
    sure_trade = refer(market, "a", "raw pangolin scales wholesale lot 3")
    sure_benign = refer(market, "b", "garden hose like new lot 2")
    unsure = refer(market, "c", "scales oak helmet bangle")  # half of each: the model hesitates
    unscored = refer(market, "d", "")
    late = refer(market, "e", "tiger skin rug old lot 1")
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    scores = {c.pk: Case.objects.get(pk=c.pk).model_score for c in (sure_trade, sure_benign, unsure, unscored)}
    assert scores[sure_trade.pk] > 0.8 and scores[sure_benign.pk] < 0.2 and scores[unscored.pk] is None
    uncertainty = {pk: abs(s - 0.5) for pk, s in scores.items() if s is not None}
    assert uncertainty[unsure.pk] < min(uncertainty[sure_trade.pk], uncertainty[sure_benign.pk])

    reviewer = market["reviewer"]
    default = [c.pk for c in services.queue(reviewer)]
    assert default[0] == late.pk  # urgency: overdue first, then severity and due time

    admin = Client()
    assert login(admin, "user-member_admin", password)
    page = admin.get(reverse("review:settings")).content.decode()
    assert 'name="queue_order"' in page and "least sure" in page
    response = admin.post(reverse("review:settings"), {"sla_hours": "24", "queue_order": "uncertain"})
    assert response.status_code == 302
    assert MemberSettings.objects.get(organisation=market["org"]).queue_order == "uncertain"
    assert AuditEntry.objects.filter(action="review.queue_order", target="t-market").exists()
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))  # saving the SLA re-dated it
    ordered = [c.pk for c in services.queue(reviewer)]
    assert ordered[0] == late.pk and ordered[1] == unsure.pk and ordered[-1] == unscored.pk
    assert services.claim_next(reviewer) == Case.objects.get(pk=late.pk)
    assert services.claim_next(reviewer) == Case.objects.get(pk=unsure.pk)  # the most instructive next


def test_without_a_model_nothing_is_scored(market: dict[str, Any], settings: Any, tmp_path: Path) -> None:
    settings.WILDWATCH_MODEL = str(tmp_path / "missing.json.gz")
    assert refer(market, "a", "ivory bangle").model_score is None
    (tmp_path / "broken.json.gz").write_bytes(b"not a model")
    settings.WILDWATCH_MODEL = str(tmp_path / "broken.json.gz")
    assert refer(market, "b", "ivory bangle 2").model_score is None  # a broken artefact is refused, logged
    with pytest.raises(services.ReviewError):
        services.set_queue_order(market["org"], "random", market["member_admin"])
