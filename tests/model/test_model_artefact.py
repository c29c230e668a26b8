"""The artefact is JSON data: it round-trips exactly, and malformed or altered artefacts are refused clearly."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from wildwatch.model import Model, ModelError, load_model
from wildwatch.model.artefact import digest_of


def test_round_trip(model: Model, synthetic: tuple[list[str], list[bool]], tmp_path: Path) -> None:
    texts = synthetic[0][:80]
    for name in ("m.json.gz", "m.json"):
        path = model.save(tmp_path / name)
        raw = path.read_bytes()
        assert (raw[:2] == b"\x1f\x8b") == name.endswith(".gz")
        body = json.loads(gzip.decompress(raw) if name.endswith(".gz") else raw)
        assert body["format"] == "wildwatch-model" and body["format_version"] == 1
        assert body["training"]["files"] == [{"name": "synthetic", "rows": 400, "positives": 100}]
        assert {"model_alone", "cv_folds"} <= set(body["metrics"])
        again = load_model(path)
        assert again.digest == model.digest
        assert np.array_equal(again.score(texts), model.score(texts))


def test_artefact_holds_no_training_text(model: Model, synthetic: tuple[list[str], list[bool]]) -> None:
    blob = model.to_bytes(compress=False).decode("utf-8")
    assert not any(t in blob for t in synthetic[0])


def _body(model: Model) -> dict[str, Any]:
    return json.loads(model.to_bytes(compress=False))


def _resigned(body: dict[str, Any]) -> bytes:
    body["digest"] = digest_of(body)
    return json.dumps(body).encode()


@pytest.mark.parametrize(("change", "message"), [
    (lambda b: b.update(format="something-else"), "not a wildwatch model"),
    (lambda b: b.update(format_version=99), "format version 99 is not supported"),
    (lambda b: b.update(kind="pickle"), "kind 'pickle' is not supported"),
    (lambda b: b["features"].update(idf=b["features"]["idf"][:-1]), "features.idf has"),
    (lambda b: b["linear"].update(coef=["x", *b["linear"]["coef"][1:]]), "linear.coef must hold numbers"),
    (lambda b: b["linear"].update(intercept="1"), "linear.intercept must be a finite number"),
    (lambda b: b["calibration"].update(method="isotonic"), "calibration method"),
    (lambda b: b["thresholds"].update(review=0), "thresholds.review"),
    (lambda b: b["features"].update(vocabulary=[1, *b["features"]["vocabulary"][1:]]), "vocabulary must be"),
    (lambda b: b["features"].update(ngram_range=[3]), "ngram_range"),
    (lambda b: b["features"].update(analyzer="word"), "only char_wb"),
    (lambda b: b.pop("linear"), "linear is missing"),
])
def test_malformed_refused(model: Model, change: Any, message: str) -> None:
    body = _body(model)
    change(body)
    with pytest.raises(ModelError, match=message):
        load_model(_resigned(body))


def test_altered_or_broken_refused(model: Model, tmp_path: Path) -> None:
    body = _body(model)
    body["linear"]["intercept"] += 1.0  # altered without a new digest
    with pytest.raises(ModelError, match="digest does not match"):
        load_model(json.dumps(body).encode())
    with pytest.raises(ModelError, match="not a JSON model artefact"):
        load_model(b"\x80\x04\x95 a pickle")
    with pytest.raises(ModelError, match="not a JSON model artefact"):
        load_model(b'{"format": "wildwatch-model", "x": NaN}')
    with pytest.raises(ModelError, match="not a valid gzip"):
        load_model(model.to_bytes()[:200])
    with pytest.raises(ModelError, match="not a JSON object"):
        load_model(b"[1, 2]")
    with pytest.raises(ModelError, match="cannot read model"):
        load_model(tmp_path / "missing.json.gz")


def test_scoring_needs_no_sklearn(model: Model, tmp_path: Path) -> None:
    import subprocess
    import sys

    path = model.save(tmp_path / "m.json.gz")
    code = ("import sys; from wildwatch.detect.engine import Detector; from wildwatch.model import load_model; "
            f"d = Detector(model=load_model({str(path)!r})); d.check_many(['white gold bangle', 'chair']); "
            "assert not [m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')], 'imported'")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stderr
