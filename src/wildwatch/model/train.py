"""Training the baseline classifier (scikit-learn, imported here only) and choosing its thresholds by
cross-validation.

The features are scikit-learn's ``TfidfVectorizer(analyzer="char_wb", norm=None)`` over the engine's normalised
text (its first ``max_chars`` characters), divided by the occurrence norm (:mod:`wildwatch.model.features`, which
computes the same rows in numpy at scoring time). The classifier is a class-balanced logistic regression; its
decision values are calibrated with Platt scaling fitted on out-of-fold decision values (stratified k-fold). The
thresholds are chosen on those out-of-fold probabilities only, never on individual rows:

* ``review``: the probability from which a listing the rules allow goes to review, maximising the F1 of the
  rules and the model together (or of the model alone when no rules verdicts are given);
* ``clear`` (used only with ``model_may_clear``): the probability below which a rules ``review`` is allowed,
  maximising that F1 again given ``review``;
* ``block`` (used only with ``model_may_block``): the lowest probability at which at least 99% of the rules'
  reviews were positive (at least 10 of them), or never.

The inner folds share the training set's vocabulary and idf weights (fitted once); held-out figures come from
:func:`wildwatch.model.evaluate.cross_validate`, which trains on each outer fold from scratch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from .. import __version__
from ..detect.normalize import normalize_batch
from .artefact import Model, _sigmoid
from .combine import Thresholds
from .features import occurrence_norm

GRID = np.round(np.arange(0.02, 0.99, 0.01), 2)


@dataclass(frozen=True)
class TrainParams:
    ngram_range: tuple[int, int] = (3, 5)
    max_chars: int | None = 256
    min_df: int = 2
    max_features: int = 50_000
    C: float = 10.0
    folds: int = 5
    seed: int = 0


def prf(y: np.ndarray, pred: np.ndarray) -> dict[str, Any]:
    """Precision, recall, F1 and the confusion counts."""
    y = np.asarray(y, dtype=bool)
    pred = np.asarray(pred, dtype=bool)
    tp = int((y & pred).sum())
    fp = int((~y & pred).sum())
    fn = int((y & ~pred).sum())
    tn = int((~y & ~pred).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "tp": tp, "fp": fp, "fn": fn, "tn": tn}


def _f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = np.count_nonzero(y & pred)
    denom = np.count_nonzero(pred) + np.count_nonzero(y)
    return 2 * tp / denom if denom else 0.0


def rules_flags(verdicts: Sequence[str] | None, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(positive: review or block, block) for the rules' verdicts; all False without rules."""
    if verdicts is None:
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    v = np.asarray(verdicts)
    return (v == "review") | (v == "block"), v == "block"


def combined_positive(rules_pos: np.ndarray, rules_block: np.ndarray, p: np.ndarray, t: Thresholds,
                      may_clear: bool = False) -> np.ndarray:
    """The evaluation's positive (``block`` or ``review``) for the rules and the model together (see
    :mod:`wildwatch.model.combine`)."""
    out = rules_pos | (p >= t.review)
    if may_clear:
        out &= ~(rules_pos & ~rules_block & (p < t.clear))
    return out


def choose_thresholds(p: np.ndarray, y: np.ndarray, verdicts: Sequence[str] | None) -> Thresholds:
    y = np.asarray(y, dtype=bool)
    rules_pos, rules_block = rules_flags(verdicts, len(y))
    best = (-1.0, 0.5)
    for t in GRID:  # ties: the highest threshold (fewest reviews)
        f = _f1(y, rules_pos | (p >= t))
        if f >= best[0]:
            best = (f, float(t))
    review = best[1]
    clear = 0.0
    if verdicts is not None:
        reviewable = rules_pos & ~rules_block
        base = rules_pos | (p >= review)
        best_clear = (_f1(y, base), 0.0)
        for t in GRID[review > GRID]:  # ties: the lowest (clears least)
            f = _f1(y, base & ~(reviewable & (p < t)))
            if f > best_clear[0]:
                best_clear = (f, float(t))
        clear = best_clear[1]
    pool = (rules_pos & ~rules_block) if verdicts is not None else np.ones(len(y), dtype=bool)
    block = 1.01
    for t in GRID:
        sel = pool & (p >= t)
        if sel.sum() >= 10 and y[sel].mean() >= 0.99:
            block = float(t)
            break
    return Thresholds(review=review, block=block, clear=clear)


def limit_alphabet(vocabulary: list[str], max_n: int) -> list[str] | None:
    """None when the vocabulary's characters fit the scorer's exact keys (:mod:`.features`: ids of
    ``(64 - 3) // max_n`` bits); otherwise the n-grams made of the commonest characters only (counted over the
    vocabulary), which do."""
    limit = (1 << ((64 - 3) // max_n)) - 2  # ids 0 and 1: unknown and space
    counts: dict[str, int] = {}
    for gram in vocabulary:
        for ch in set(gram) - {" "}:
            counts[ch] = counts.get(ch, 0) + 1
    if len(counts) <= limit:
        return None
    keep = set(sorted(counts, key=lambda c: (-counts[c], c))[:limit])
    return [g for g in vocabulary if all(c == " " or c in keep for c in g)]


def normalised_texts(texts: Sequence[str], max_chars: int | None) -> list[str]:
    norm = normalize_batch(list(texts)) if texts else []
    return [t[:max_chars] for t in norm] if max_chars is not None else norm


def _vectorizer(params: TrainParams, n_rows: int) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer="char_wb", ngram_range=params.ngram_range, lowercase=False,
                           min_df=min(params.min_df, max(1, n_rows // 2)), max_features=params.max_features,
                           norm=None, dtype=np.float64)


def _scaled(raw: Any, idf: np.ndarray) -> Any:
    import scipy.sparse as sp

    norm = occurrence_norm(raw, idf)
    return sp.diags(1.0 / np.where(norm > 0, norm, 1.0)) @ raw


def _classifier(params: TrainParams) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=params.C, class_weight="balanced", solver="liblinear", max_iter=1000)


def train(texts: Sequence[str], labels: Sequence[bool] | np.ndarray, *, rules: Sequence[str] | None = None,
          params: TrainParams | None = None, name: str = "baseline-v1",
          training: dict[str, Any] | None = None) -> Model:
    """Train on raw listing texts and their labels (True: wildlife trade). ``rules``: the rules' verdict for each
    text, to choose the thresholds for the rules and the model together."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    params = params or TrainParams()
    y = np.asarray(labels, dtype=bool)
    if len(y) != len(texts) or (rules is not None and len(rules) != len(texts)):
        raise ValueError("texts, labels and rules verdicts differ in length")
    minority = int(min(y.sum(), (~y).sum()))
    if minority < 2:
        raise ValueError(f"training needs at least 2 positives and 2 negatives (got {int(y.sum())} positives, "
                         f"{int((~y).sum())} negatives)")
    folds = max(2, min(params.folds, minority))
    docs = normalised_texts(texts, params.max_chars)
    vec = _vectorizer(params, len(docs))
    raw = vec.fit_transform(docs)
    kept = limit_alphabet([str(g) for g in vec.get_feature_names_out()], params.ngram_range[1])
    if kept is not None:  # too many distinct characters for exact keys: keep the n-grams of the commonest ones
        vec = _vectorizer(params, len(docs))
        vec.set_params(vocabulary=kept, min_df=1, max_features=None)
        raw = vec.fit_transform(docs)
    idf = np.asarray(vec.idf_, dtype=np.float64)
    X = _scaled(raw, idf)
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=params.seed)
    margins = cross_val_predict(_classifier(params), X, y, cv=cv, method="decision_function")
    platt = LogisticRegression(C=1e4, solver="lbfgs").fit(margins.reshape(-1, 1), y)
    a, b = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    p = _sigmoid(a * margins + b)
    thresholds = choose_thresholds(p, y, rules)
    clf = _classifier(params).fit(X, y)
    rules_pos, rules_block = rules_flags(rules, len(y))
    metrics: dict[str, Any] = {
        "cv_folds": folds, "rows": len(y), "positives": int(y.sum()),
        "note": "out-of-fold predictions on the training data, thresholds chosen on them (optimistic); held-out "
                "figures: `wildwatch model eval` on other data, or tools/run_eval.py --model",
        "model_alone": prf(y, p >= thresholds.review),
    }
    if rules is not None:
        metrics["rules_alone"] = prf(y, rules_pos)
        metrics["rules_and_model"] = prf(y, combined_positive(rules_pos, rules_block, p, thresholds))
        metrics["rules_and_model_clear"] = prf(y, combined_positive(rules_pos, rules_block, p, thresholds, True))
    info = dict(training or {})
    info["params"] = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(params).items()}
    info["classifier"] = "LogisticRegression(class_weight=balanced, solver=liblinear)"
    return Model(name=name, vocabulary=[str(g) for g in vec.get_feature_names_out()], idf=idf,
                 coef=np.asarray(clf.coef_[0], dtype=np.float64), intercept=float(clf.intercept_[0]),
                 calibration=(a, b), thresholds=thresholds, ngram_range=params.ngram_range,
                 max_chars=params.max_chars, training=info, metrics=metrics,
                 created=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), wildwatch_version=__version__)


def sklearn_margins(model: Model, texts: Sequence[str]) -> np.ndarray:
    """The decision values computed with scikit-learn's vectoriser from the model's vocabulary and idf (for the
    test that the numpy scorer computes the same)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=model.ngram_range, lowercase=False, norm=None,
                          vocabulary={g: i for i, g in enumerate(model.vocabulary)}, dtype=np.float64)
    vec.fit(["x"])  # fixes the vocabulary; the idf is set below
    vec.idf_ = model.idf
    docs = normalised_texts(texts, model.max_chars)
    X = _scaled(vec.transform(docs), model.idf)
    return np.asarray(X @ model.coef).ravel() + model.intercept
