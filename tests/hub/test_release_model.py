"""The hub ships a classifier in its next releases: set it (checked first), publish, and the API's checks and the
members' embedded engines use it, with the settings the analyst chose; clearing it stops shipping it."""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_helpers import post
from django.core.management import CommandError, call_command

from wildwatch.detect.engine import Detector
from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.checks import detectors
from wildwatch.hub.library.services import import_starter, publish_release, release_library, release_model
from wildwatch.model.train import TrainParams, train

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_detectors() -> Iterator[None]:
    """This process builds detectors per release number: another test's release 1 is not this one's."""
    detectors.reset(keep_starter=True)
    yield
    detectors.reset(keep_starter=True)


@pytest.fixture
def artefact(tmp_path: Path) -> Path:
    rng = random.Random(4)
    trade, benign = ["carved tusk bangle", "raw pangolin scales"], ["wooden chair oak", "garden hose new"]
    texts = [f"{rng.choice(trade if n % 2 else benign)} lot {n}" for n in range(120)]
    labels = [bool(n % 2) for n in range(120)]
    return train(texts, labels, params=TrainParams(folds=3), name="hub-release-v1",
                 training={"files": [{"name": "hub review outcomes", "rows": 120, "positives": 60}]}).save(
        tmp_path / "model.json.gz")


def test_set_publish_and_the_api_uses_it(artefact: Path, keys: dict[str, str], tmp_path: Path) -> None:
    import_starter()
    out = io.StringIO()
    call_command("releasemodel", "set", str(artefact), stdout=out)
    assert "hub-release-v1" in out.getvalue() and "'model_may_block': False" in out.getvalue()
    release = publish_release(changelog="with a model")
    library = release_library(release)
    assert library.model is not None and library.model["settings"] == {"model_may_block": False,
                                                                       "model_may_clear": False}
    assert Detector(library).model is not None
    answer = post("/api/v1/check", {"id": "1", "text": "raw pangolin scales lot 9"}, keys["engineer"]).json()
    assert answer["model"]["name"] == "hub-release-v1" and answer["verdict"] in ("review", "block")
    assert AuditEntry.objects.filter(action="release_model.set", target="hub-release-v1").exists()

    call_command("releasemodel", "clear", stdout=io.StringIO())
    assert release_library(publish_release(changelog="without")).model is None


def test_a_bad_artefact_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}', encoding="utf-8")
    with pytest.raises(CommandError, match="not a wildwatch model"):
        call_command("releasemodel", "set", str(bad), stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("releasemodel", "set", stdout=io.StringIO())
    assert release_model.current() is None
    out = io.StringIO()
    call_command("releasemodel", "show", stdout=out)
    assert "no model is set" in out.getvalue()
    assert accounts  # organisations come from the shared fixtures
