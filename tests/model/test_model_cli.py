"""`wildwatch model train` and `wildwatch model eval` on a temporary CSV."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from wildwatch.model import load_model


def ww(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wildwatch", *args], capture_output=True, text=True, timeout=300,
                          check=False)


def test_train_and_eval(synthetic: tuple[list[str], list[bool]], tmp_path: Path) -> None:
    texts, labels = synthetic
    path = tmp_path / "labelled.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "body", "is_trade"])
        for i, (text, label) in enumerate(zip(texts, labels, strict=True)):
            writer.writerow([i, text, "yes" if label else "no"])
    out = tmp_path / "model.json.gz"
    r = ww("model", "train", str(path), "-o", str(out), "--text-column", "body", "--label-column", "is_trade",
           "--positive", "yes", "--folds", "3", "--name", "cli-v1")
    assert r.returncode == 0, r.stderr
    assert "cross-validated (3 folds" in r.stdout and "rules + model" in r.stdout
    model = load_model(out)
    assert model.name == "cli-v1"
    assert model.training["files"] == [{"name": "labelled.csv", "rows": len(texts), "positives": sum(labels)}]
    assert model.metrics["model_alone"]["f1"] > 0.9
    r = ww("model", "eval", str(out), str(path), "--text-column", "body", "--label-column", "is_trade",
           "--positive", "yes", "--json")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)["results"][str(path)]
    assert result["rows"] == len(texts)
    assert result["rules_and_model"]["recall"] >= result["rules_alone"]["recall"]
    assert result["rules_and_model"]["f1"] > 0.9


def test_bad_model_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "wildwatch-model", "format_version": 7}')
    csv_path = tmp_path / "x.csv"
    csv_path.write_text("text,label\nhello,0\n")
    r = ww("model", "eval", str(bad), str(csv_path))
    assert r.returncode == 2
    assert "format version 7 is not supported" in r.stderr
