"""Evaluate the engine on the shared labelled sets and write the figures into docs/evaluation.md.

    python tools/run_eval.py [--profile NAME] [--write-docs]          # the rules alone
    python tools/run_eval.py --model [--folds 5] [--write-docs]        # rules alone against rules + model

With ``--model``: on each set, stratified k-fold cross-validation (train the model on k-1 folds, thresholds chosen
by inner cross-validation on them, evaluate on the held-out fold), then cross-dataset figures (train on all of one
set, test on another). The models trained here are written to ``benchmarks/out/models/`` (git-ignored): the sets
are for evaluation only, and a model trained on them is never committed or shipped.

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
from wildwatch.docsections import replace_section  # noqa: E402
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
    ap.add_argument("--model", action="store_true", help="rules alone against rules + the learned model")
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args()
    shared = Path(os.environ.get("WILDWATCH_SHARED", ROOT.parent / "shared"))
    if not shared.is_dir():
        print(f"shared folder not found at {shared}", file=sys.stderr)
        return 2
    if args.model:
        return run_model(shared, args)
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
    replace_section(ROOT / "docs" / "evaluation.md", "eval", "\n".join(lines))


def run_model(shared: Path, args: argparse.Namespace) -> int:
    import json

    from wildwatch.model.evaluate import cross_validate, evaluate_model, format_figures, read_labelled
    from wildwatch.model.train import TrainParams, train

    detector = Detector(load_starter(), profile=args.profile)
    params = TrainParams(folds=args.folds)
    out_dir = ROOT / "benchmarks" / "out" / "models"
    out_dir.mkdir(parents=True, exist_ok=True)
    data = {name: read_labelled([shared / rel], label_column="label", text_columns=cols) for name, rel, cols, _ in SETS}
    cv: dict[str, dict[str, Any]] = {}
    models = {}
    for name, _, _, _ in SETS:
        t0 = time.perf_counter()
        cv[name] = cross_validate(data[name], detector, folds=args.folds, params=params)
        print(format_figures(f"{name}, {args.folds}-fold cross-validation", cv[name]))
        print(f"  thresholds per fold: {cv[name]['thresholds']} ({time.perf_counter() - t0:.0f} s)")
        d = data[name]
        model = train(d.texts, d.labels, rules=[x.verdict for x in detector.check_many(d.texts)], params=params,
                      name=f"eval-{SHORT[name]}", training={"files": d.files})
        model.save(out_dir / f"eval-{SHORT[name]}.json.gz")
        models[name] = model
    cross: list[tuple[str, str, dict[str, Any]]] = []
    for train_name, model in models.items():
        for test_name in data:
            if test_name == train_name:
                continue
            r = evaluate_model(model, data[test_name], detector)
            cross.append((train_name, test_name, r))
            print(format_figures(f"trained on {SHORT[train_name]}, tested on {SHORT[test_name]}", r))
    (ROOT / "benchmarks" / "out" / "eval_model.json").write_text(
        json.dumps({"cv": cv, "cross": [{"train": a, "test": b, **r} for a, b, r in cross]}, indent=1))
    if args.write_docs:
        write_model_docs(cv, cross, detector, args.folds)
    return 0


SHORT = {SETS[0][0]: "WLT-OSN", SETS[1][0]: "LTS sharks", SETS[2][0]: "LTS leather"}
GOALS = {SETS[0][0]: "goal F1 ≥ 0.95", SETS[1][0]: "goal F1 ≥ 0.95", SETS[2][0]: "no goal (legal goods)"}
ROWS = [("rules_alone", "rules alone"), ("model_alone", "model alone"), ("rules_and_model", "rules + model"),
        ("rules_and_model_clear", "rules + model, `model_may_clear`")]


def write_model_docs(cv: dict[str, dict[str, Any]], cross: list[tuple[str, str, dict[str, Any]]],
                     detector: Detector, folds: int) -> None:
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} with `python tools/run_eval.py --model --write-docs` (library "
        f"{detector.library_version}, profile {detector.policy.profile.id}; model: char 3–5-grams of the first 256 "
        "normalised characters, logistic regression, Platt calibration; thresholds chosen by inner "
        "cross-validation on the training folds only). Positive = `block` or `review`.",
        "",
        f"Stratified {folds}-fold cross-validation (train on {folds - 1} folds, evaluate on the held-out fold; "
        "counts summed over the folds):",
        "",
        "| set | decided by | precision | recall | F1 | tp | fp | fn | target |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, r in cv.items():
        for key, label in ROWS:
            m = r[key]
            f1 = f"**{m['f1']:.3f}**" if key == "rules_and_model" else f"{m['f1']:.3f}"
            lines.append(f"| {SHORT[name]} | {label} | {m['precision']:.3f} | {m['recall']:.3f} | {f1} | {m['tp']} | "
                         f"{m['fp']} | {m['fn']} | {GOALS[name] if key == 'rules_and_model' else ''} |")
    lines += [
        "",
        "Across data sets (train on all of one set, test on another; the rules' figures are the test set's):",
        "",
        "| trained on | tested on | rules alone F1 | model alone P / R / F1 | rules + model P / R / F1 | "
        "rules + model, `model_may_clear`, F1 |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for a, b, r in cross:
        mo, rm = r["model_alone"], r["rules_and_model"]
        lines.append(f"| {SHORT[a]} | {SHORT[b]} | {r['rules_alone']['f1']:.3f} | {mo['precision']:.3f} / "
                     f"{mo['recall']:.3f} / {mo['f1']:.3f} | {rm['precision']:.3f} / {rm['recall']:.3f} / "
                     f"{rm['f1']:.3f} | {r['rules_and_model_clear']['f1']:.3f} |")
    replace_section(ROOT / "docs" / "evaluation.md", "eval-model", "\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
