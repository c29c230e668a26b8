"""`wildwatch eval`: precision, recall and F1 of the engine against a labelled file.

A listing counts as predicted positive when the verdict is ``block`` or ``review``.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .detect.engine import Detector
from .io import BadRow, read_listings


def _labelled_rows(path: Path, label_column: str, text_columns: Sequence[str] | None,
                   id_column: str | None) -> Iterator[tuple[str, str, str]]:
    """(id, text, label) for each row. Several text columns are joined with newlines."""
    if path.suffix.lower() == ".csv" and (text_columns is None or len(text_columns) != 1 or id_column is None):
        csv.field_size_limit(sys.maxsize)
        with path.open(newline="", encoding="utf-8", errors="replace") as f:
            reader = csv.DictReader(f)
            fields = reader.fieldnames or []
            if label_column not in fields:
                raise ValueError(f"{path} has no {label_column!r} column; columns are: {', '.join(fields)}")
            cols = list(text_columns) if text_columns else (
                ["text"] if "text" in fields else [c for c in ("title", "description") if c in fields])
            missing = [c for c in cols if c not in fields]
            if missing or not cols:
                raise ValueError(f"{path} has no text column {missing or ['text']}; columns are: {', '.join(fields)}")
            for n, row in enumerate(reader, start=1):
                text = "\n".join((row.get(c) or "") for c in cols).strip()
                yield (row.get(id_column) if id_column else None) or str(n), text, (row.get(label_column) or "")
        return
    rows = read_listings(path, id_column=id_column or "id", text_column=text_columns[0] if text_columns else None,
                         extra_columns=[label_column])
    for item in rows:
        if isinstance(item, BadRow):
            print(f"wildwatch: line {item.line}: skipped: {item.error}", file=sys.stderr)
            continue
        yield item.id, item.text, str(item.extra.get(label_column, ""))


def evaluate(path: Path, detector: Detector, *, label_column: str, text_columns: Sequence[str] | None = None,
             positive: str = "1", id_column: str | None = None, worst: int = 10) -> dict[str, Any]:
    rows = list(_labelled_rows(path, label_column, text_columns, id_column))
    decisions = detector.check_many([text for _, text, _ in rows])
    tp = fp = fn = tn = 0
    fps: list[tuple[float, str, str, list[str]]] = []
    fns: list[tuple[float, str, str, list[str]]] = []
    by_verdict: dict[str, dict[str, int]] = {v: {"positive": 0, "negative": 0} for v in ("block", "review", "allow")}
    for (rid, text, label), d in zip(rows, decisions, strict=True):
        actual = label.strip() == positive
        predicted = d.verdict in ("block", "review")
        by_verdict[d.verdict]["positive" if actual else "negative"] += 1
        if actual and predicted:
            tp += 1
        elif predicted:
            fp += 1
            fps.append((d.score, rid, text, list(d.reasons)))
        elif actual:
            fn += 1
            fns.append((d.score, rid, text, list(d.reasons)))
        else:
            tn += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    fps.sort(key=lambda x: -x[0])
    fns.sort(key=lambda x: x[0])

    def _rows(items: list[tuple[float, str, str, list[str]]]) -> list[dict[str, Any]]:
        return [{"id": i, "score": s, "text": t[:200], "reasons": r} for s, i, t, r in items[:worst]]

    return {
        "input": str(path), "rows": len(rows), "library_version": detector.library_version,
        "profile": detector.policy.profile.id,
        "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
        "by_verdict": by_verdict, "worst_false_positives": _rows(fps), "worst_false_negatives": _rows(fns),
    }


def format_report(r: dict[str, Any]) -> str:
    lines = [
        f"{r['input']}: {r['rows']} rows, library {r['library_version']}, profile {r['profile']}",
        f"precision {r['precision']:.3f}   recall {r['recall']:.3f}   F1 {r['f1']:.3f}",
        "",
        "                 actual +   actual -",
        f"predicted +   {r['tp']:>10} {r['fp']:>10}",
        f"predicted -   {r['fn']:>10} {r['tn']:>10}",
        "",
        "by verdict:     positive   negative",
    ]
    for verdict, counts in r["by_verdict"].items():
        lines.append(f"  {verdict:<10} {counts['positive']:>10} {counts['negative']:>10}")
    for title, key in (("worst false positives", "worst_false_positives"),
                       ("worst false negatives", "worst_false_negatives")):
        lines.append("")
        lines.append(f"{title}:")
        for item in r[key]:
            text = " ".join(item["text"].split())[:110]
            lines.append(f"  {item['score']:.2f} #{item['id']}: {text}")
            if item["reasons"]:
                lines.append(f"        {'; '.join(item['reasons'])[:150]}")
    return "\n".join(lines)
