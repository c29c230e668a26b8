"""Evaluate the engine on the shared labelled sets and write the figures into docs/evaluation.md.

    python tools/run_eval.py [--profile NAME] [--write-docs]

The sets live beside the repo in ``../shared/eval`` (or ``$WILDWATCH_SHARED/eval``); they are read, never copied.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from wildwatch.detect.engine import Detector  # noqa: E402
from wildwatch.detect.library import load_starter  # noqa: E402
from wildwatch.evaluation import evaluate  # noqa: E402

SETS: list[tuple[str, str, list[str], str]] = [
    ("WLT-OSN (ivory, social media)", "eval/wlt-osn/share_data.csv", ["tweet_text_cleaned"], "goal F1 ≥ 0.85"),
    ("LTS sharks (marketplace ads)", "eval/lts/validation_sharks.csv", ["title", "description"], "goal F1 ≥ 0.85"),
    ("LTS leather (marketplace titles)", "eval/lts/leather_validation.csv", ["title"], "no goal (legal goods)"),
]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile")
    ap.add_argument("--write-docs", action="store_true")
    ap.add_argument("--worst", type=int, default=0)
    args = ap.parse_args()
    shared = Path(os.environ.get("WILDWATCH_SHARED", ROOT.parent / "shared"))
    if not shared.is_dir():
        print(f"shared folder not found at {shared}", file=sys.stderr)
        return 2
    detector = Detector(load_starter(), profile=args.profile)
    rows: list[tuple[str, str, dict[str, Any]]] = []
    for name, rel, cols, goal in SETS:
        path = shared / rel
        result = evaluate(path, detector, label_column="label", text_columns=cols, worst=max(args.worst, 1))
        rows.append((name, goal, result))
        print(f"{name}: P {result['precision']:.3f} R {result['recall']:.3f} F1 {result['f1']:.3f} "
              f"(tp {result['tp']} fp {result['fp']} fn {result['fn']} tn {result['tn']})")
        if args.worst:
            for key in ("worst_false_positives", "worst_false_negatives"):
                print(f"  {key}:")
                for item in result[key]:
                    print(f"    {item['score']:.2f} {' '.join(item['text'].split())[:150]}")
    if args.write_docs:
        write_docs(rows, detector)
    return 0


def write_docs(rows: list[tuple[str, str, dict[str, Any]]], detector: Detector) -> None:
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} with `python tools/run_eval.py --write-docs` (library "
        f"{detector.library_version}, profile {detector.policy.profile.id}, rules only: no learned model). "
        "Positive = `block` or `review`.",
        "",
        "| set | rows | precision | recall | F1 | tp | fp | fn | tn | target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, goal, r in rows:
        lines.append(f"| {name} | {r['rows']} | {r['precision']:.3f} | {r['recall']:.3f} | **{r['f1']:.3f}** | "
                     f"{r['tp']} | {r['fp']} | {r['fn']} | {r['tn']} | {goal} |")
    doc = ROOT / "docs" / "evaluation.md"
    text = doc.read_text("utf-8")
    start, end = "<!-- eval:start -->", "<!-- eval:end -->"
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    doc.write_text(f"{head}{start}\n" + "\n".join(lines) + f"\n{end}{tail}", "utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
