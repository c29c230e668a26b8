"""Feature variants of the baseline classifier, measured against the issue's F1 goal (docs/evaluation.md,
"Other features tried").

    python tools/eval_variants.py [--sets wlt sharks]

Each variant is a class-balanced logistic regression with Platt calibration, combined with the rules exactly as
the shipped model is (:func:`wildwatch.model.train.combined_positive`). Same outer split as
``tools/run_eval.py --model`` (stratified 5-fold, seed 0); the calibration and every threshold come from
out-of-fold predictions of the training folds only. Variants:

* ``char``: character 3-5-grams of the first 256 normalised characters (sublinear tf, l2 norm);
* ``+whole text``: the same over the first 1,000 characters;
* ``+words``: with word 1-2-grams of the whole normalised text;
* ``+rules hits``: with tokens for the rules' verdict, score decile and each hit's kind, category, context,
  product and taxon (what the rules saw, as features);
* ``words + rules hits``: without character n-grams.

Nothing is written to the repo: the sets are read from ``../shared/eval`` and the models are discarded.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from wildwatch.detect.engine import Decision, Detector  # noqa: E402
from wildwatch.detect.library import load_starter  # noqa: E402
from wildwatch.detect.normalize import normalize_batch  # noqa: E402
from wildwatch.model.evaluate import read_labelled  # noqa: E402
from wildwatch.model.train import choose_thresholds, combined_positive, prf, rules_flags  # noqa: E402

SETS = {
    "wlt": ("WLT-OSN", "eval/wlt-osn/share_data.csv", ["tweet_text_cleaned"]),
    "sharks": ("LTS sharks", "eval/lts/validation_sharks.csv", ["title", "description"]),
    "leather": ("LTS leather", "eval/lts/leather_validation.csv", ["title"]),
}
VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("char", {"char": 256}),
    ("char, whole text", {"char": 1000}),
    ("char + words", {"char": 256, "word": True}),
    ("char + rules hits", {"char": 256, "rules": True}),
    ("char + words + rules hits", {"char": 256, "word": True, "rules": True}),
    ("words + rules hits", {"word": True, "rules": True}),
]


def rule_tokens(d: Decision) -> str:
    toks = [f"V_{d.verdict}", f"S_{int(d.score * 10)}"]
    for h in d.hits:
        toks += [f"K_{h.kind}", f"C_{h.category}", f"X_{h.context}", f"P_{h.product}", f"T_{h.taxon}"]
    return " ".join(toks)


def features(cfg: dict[str, Any], train: list[tuple[str, str]], test: list[tuple[str, str]]) -> tuple[Any, Any]:
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer

    tr, te = [], []
    if "char" in cfg:
        n = cfg["char"]
        v = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, max_features=50_000, sublinear_tf=True)
        tr.append(v.fit_transform([d[:n] for d, _ in train]))
        te.append(v.transform([d[:n] for d, _ in test]))
    if cfg.get("word"):
        v = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")
        tr.append(v.fit_transform([d for d, _ in train]))
        te.append(v.transform([d for d, _ in test]))
    if cfg.get("rules"):
        v = TfidfVectorizer(analyzer=str.split, lowercase=False, use_idf=False)
        tr.append(v.fit_transform([r for _, r in train]))
        te.append(v.transform([r for _, r in test]))
    return sp.hstack(tr).tocsr(), sp.hstack(te).tocsr()


def probabilities(cfg: dict[str, Any], train: list[tuple[str, str]], y: np.ndarray,
                  test: list[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold probabilities on the training rows, and the held-out rows' probabilities."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    X, Xt = features(cfg, train, test)
    clf = LogisticRegression(C=10, class_weight="balanced", solver="liblinear", max_iter=2000)
    margins = cross_val_predict(clf, X, y, cv=StratifiedKFold(5, shuffle=True, random_state=0),
                                method="decision_function")
    platt = LogisticRegression(C=1e4).fit(margins.reshape(-1, 1), y)
    clf.fit(X, y)
    held = clf.decision_function(Xt).reshape(-1, 1)
    return platt.predict_proba(margins.reshape(-1, 1))[:, 1], platt.predict_proba(held)[:, 1]


def measure(texts: list[str], y: np.ndarray, cfg: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    from sklearn.model_selection import StratifiedKFold

    decisions = Detector(load_starter()).check_many(texts)
    verdicts = [d.verdict for d in decisions]
    rows = list(zip(normalize_batch(texts), [rule_tokens(d) for d in decisions], strict=True))
    default = np.zeros(len(y), dtype=bool)
    clear = np.zeros(len(y), dtype=bool)
    for tr, te in StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(texts, y):
        p_tr, p_te = probabilities(cfg, [rows[i] for i in tr], y[tr], [rows[i] for i in te])
        t = choose_thresholds(p_tr, y[tr], [verdicts[i] for i in tr])
        pos, block = rules_flags([verdicts[i] for i in te], len(te))
        default[te] = combined_positive(pos, block, p_te, t)
        clear[te] = combined_positive(pos, block, p_te, t, may_clear=True)
    return prf(y, default), prf(y, clear)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", nargs="+", choices=list(SETS), default=["wlt", "sharks"])
    args = ap.parse_args()
    shared = Path(os.environ.get("WILDWATCH_SHARED", ROOT.parent / "shared"))
    print("| set | variant | rules + model F1 (fp, fn) | `model_may_clear` F1 (fp, fn) |\n|---|---|---:|---:|")
    for key in args.sets:
        title, rel, cols = SETS[key]
        data = read_labelled([shared / rel], label_column="label", text_columns=cols)
        for name, cfg in VARIANTS:
            a, b = measure(data.texts, data.labels, cfg)
            print(f"| {title} | {name} | {a['f1']:.3f} ({a['fp']}, {a['fn']}) | {b['f1']:.3f} ({b['fp']}, {b['fn']}) |",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
