"""``wildwatch model suggest-terms`` on a labelled file: candidates printed, JSON on demand, rejected ones left out."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest

from wildwatch.cli import main


@pytest.fixture
def labelled(tmp_path: Path) -> Path:
    rng = random.Random(3)
    words = ["nice", "carved", "piece", "sale", "price", "shipping", "gift", "old", "rare", "home"]
    path = tmp_path / "listings.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        for n in range(120):
            extra = "blanc os" if n < 25 else ("teak" if n % 2 else "")
            writer.writerow([" ".join([*rng.sample(words, 6), extra]), 1 if n < 25 else 0])
    return path


def test_suggest_terms_prints_and_remembers_rejections(labelled: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["model", "suggest-terms", str(labelled), "--top", "5"]) == 0
    out = capsys.readouterr().out
    assert "25 positives, 95 negatives" in out and "'blanc os'" in out
    assert main(["model", "suggest-terms", str(labelled), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found[0]["term"] == "blanc os" and found[0]["positives"] == 25 and found[0]["negatives"] == 0
    rejected = tmp_path / "rejected.txt"
    rejected.write_text("Blanc OS\n", encoding="utf-8")
    assert main(["model", "suggest-terms", str(labelled), "--json", "--rejected", str(rejected)]) == 0
    assert all(c["term"] != "blanc os" for c in json.loads(capsys.readouterr().out))
