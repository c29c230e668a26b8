"""An analyst uploads the classifier that the next releases ship, lets it clear reviews, and the next release
carries it with that setting; a file that is not a model is refused with the reason."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import login

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery-9"


def test_upload_and_ship_a_model(live_server: Any, page: Any, shot: Any, settings: Any, tmp_path: Path) -> None:
    from wildwatch.hub.accounts import services as accounts
    from wildwatch.hub.library.services import import_starter, publish_release, release_library
    from wildwatch.model.train import TrainParams, train

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    accounts.add_member(accounts.create_organisation("bm-ngo", "NGO", "ngo"), "bm-analyst", "analyst",
                        password=PASSWORD)
    rng = random.Random(8)
    texts = [f"{rng.choice(['tusk bangle', 'pangolin scales'] if n % 2 else ['oak chair', 'garden hose'])} {n}"
             for n in range(80)]
    artefact = train(texts, [bool(n % 2) for n in range(80)], params=TrainParams(folds=3), name="browser-v1",
                     training={"files": [{"name": "hub review outcomes", "rows": 80, "positives": 40}]}).save(
        tmp_path / "model.json.gz")
    (tmp_path / "not-a-model.json").write_text("{}", encoding="utf-8")

    login(page, live_server.url, "bm-analyst", "/accounts/login/?next=/library/model/")
    assert "No model is set" in page.inner_text("#current-model")
    page.set_input_files("#id_artefact", str(tmp_path / "not-a-model.json"))
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert "not a wildwatch model" in page.inner_text("main")
    page.set_input_files("#id_artefact", str(artefact))
    page.check("#id_may_clear")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    current = page.inner_text("#current-model")
    assert "browser-v1" in current and "hub review outcomes" in current
    shot(page, "release-model-set")

    import_starter()
    library = release_library(publish_release(changelog="with the classifier"))
    assert library.model is not None and library.model["artefact"]["name"] == "browser-v1"
    assert library.model["settings"] == {"model_may_block": False, "model_may_clear": True}
