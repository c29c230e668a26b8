"""Rules alone against rules and model: cross-validated on one labelled set, or a trained model on another.

A listing counts as predicted positive when the verdict is ``block`` or ``review`` (as in :mod:`wildwatch.evaluation`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..detect.engine import Detector
from ..evaluation import _labelled_rows
from .artefact import Model
from .train import TrainParams, combined_positive, prf, rules_flags, train


@dataclass
class Labelled:
    """The texts and labels of one or more labelled files, with a description (names and counts, never texts)."""

    texts: list[str]
    labels: np.ndarray
    files: list[dict[str, Any]]


def read_labelled(paths: Sequence[str | Path], *, label_column: str, text_columns: Sequence[str] | None = None,
                  positive: str = "1") -> Labelled:
    texts: list[str] = []
    labels: list[bool] = []
    files = []
    for path in map(Path, paths):
        rows = list(_labelled_rows(path, label_column, text_columns, None))
        if not rows:
            raise ValueError(f"{path} has no labelled rows")
        ys = [label.strip() == positive for _, _, label in rows]
        texts.extend(text for _, text, _ in rows)
        labels.extend(ys)
        files.append({"name": path.name, "rows": len(rows), "positives": sum(ys)})
    return Labelled(texts, np.asarray(labels, dtype=bool), files)


def figures(y: np.ndarray, verdicts: Sequence[str], p: np.ndarray, model: Model | None = None,
            thresholds: Any = None) -> dict[str, Any]:
    """rules alone, model alone, rules + model (default combination) and rules + model with model_may_clear."""
    t = thresholds if thresholds is not None else model.thresholds  # type: ignore[union-attr]
    pos, block = rules_flags(verdicts, len(y))
    return {
        "rules_alone": prf(y, pos),
        "model_alone": prf(y, p >= t.review),
        "rules_and_model": prf(y, combined_positive(pos, block, p, t)),
        "rules_and_model_clear": prf(y, combined_positive(pos, block, p, t, may_clear=True)),
    }


def _sum(parts: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in parts[0]:
        c = {k: sum(p[key][k] for p in parts) for k in ("tp", "fp", "fn", "tn")}
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[key] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), **c}
    return out


def cross_validate(data: Labelled, detector: Detector, *, folds: int = 5, params: TrainParams | None = None,
                   seed: int = 0) -> dict[str, Any]:
    """Stratified k-fold: train on k-1 folds (thresholds by inner cross-validation on them), evaluate the rules
    and the model on the held-out fold; the confusion counts are summed over the folds."""
    from sklearn.model_selection import StratifiedKFold

    y = data.labels
    verdicts = [d.verdict for d in detector.check_many(data.texts)]
    parts = []
    fold_thresholds = []
    for train_idx, test_idx in StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(data.texts, y):
        model = train([data.texts[i] for i in train_idx], y[train_idx], rules=[verdicts[i] for i in train_idx],
                      params=params)
        p = model.score([data.texts[i] for i in test_idx])
        parts.append(figures(y[test_idx], [verdicts[i] for i in test_idx], p, model))
        t = model.thresholds
        fold_thresholds.append({"review": t.review, "clear": t.clear, "block": t.block})
    return {"rows": len(y), "positives": int(y.sum()), "folds": folds, "thresholds": fold_thresholds,
            **_sum(parts)}


def evaluate_model(model: Model, data: Labelled, detector: Detector) -> dict[str, Any]:
    """A trained model on another labelled set (held out entirely)."""
    verdicts = [d.verdict for d in detector.check_many(data.texts)]
    p = model.score(data.texts)
    return {"rows": len(data.labels), "positives": int(data.labels.sum()), **figures(data.labels, verdicts, p, model)}


def format_figures(title: str, r: dict[str, Any]) -> str:
    lines = [f"{title}: {r['rows']} rows, {r['positives']} positives",
             "                          precision  recall     F1     tp     fp     fn"]
    names = {"rules_alone": "rules alone", "model_alone": "model alone", "rules_and_model": "rules + model",
             "rules_and_model_clear": "rules + model (may clear)"}
    for key, label in names.items():
        if key in r:
            m = r[key]
            lines.append(f"  {label:<25} {m['precision']:>7.3f} {m['recall']:>7.3f} {m['f1']:>6.3f} "
                         f"{m['tp']:>6} {m['fp']:>6} {m['fn']:>6}")
    return "\n".join(lines)
