"""``wildwatch model train --from-hub``: the hub's review outcomes (removals and "no violation" decisions, not the
reopened ones) train the classifier; the artefact names the source and counts, never a text."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from wildwatch.cli import main
from wildwatch.hub.reports.models import Case, Decision
from wildwatch.hub.reports.training import review_outcomes
from wildwatch.model import load_model

pytestmark = pytest.mark.django_db

TRADE = ["carved tusk bangle, polished, DM for price", "raw scales 2 kg, wholesale, ship discreetly",
         "baby parrots hand reared, talking, cage included", "old horn cup, family piece, serious buyers"]
BENIGN = ["wooden chair, solid oak, pick up only", "garden hose 20 m, like new", "kids bicycle with helmet",
          "ceramic vase with flowers painted, signed"]


def _decided(n: int, text: str, action: str, *, reopened: bool = False) -> None:
    case = Case.objects.create(canonical_url=f"https://t.example/{n}", url=f"https://t.example/{n}",
                               host="t.example", listing_text=text, status="decided")
    decision = Decision.objects.create(case=case, category="prohibited", action=action)
    if reopened:
        Decision.objects.filter(pk=decision.pk).update(reopened_at=decision.created_at)


def test_train_from_the_hubs_review_outcomes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(5)
    for n in range(120):
        trade = n % 3 == 0
        text = f"{rng.choice(TRADE if trade else BENIGN)} lot {rng.randint(1, 99)}"
        _decided(n, text, "removed_listing" if trade else "no_violation")
    _decided(1000, "garden hose, reopened", "removed_listing", reopened=True)  # reopened: not an outcome
    Case.objects.create(canonical_url="https://t.example/x", url="https://t.example/x", host="t.example")
    texts, labels = review_outcomes()
    assert len(texts) == 120 and sum(labels) == 40

    out = tmp_path / "hub-model.json.gz"
    assert main(["model", "train", "--from-hub", "-o", str(out), "--folds", "3", "--name", "hub-v1"]) == 0
    model = load_model(out)
    assert model.training["files"] == [{"name": "hub review outcomes", "rows": 120, "positives": 40}]
    assert "garden hose" not in str(model.training)
    assert "cross-validated" in capsys.readouterr().out


def test_nothing_to_train_on_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["model", "train", "--from-hub", "-o", str(tmp_path / "m.json.gz")]) == 2
    assert "no decided case" in capsys.readouterr().err
    assert main(["model", "train", "-o", str(tmp_path / "m.json.gz")]) == 2
    assert "--from-hub" in capsys.readouterr().err
