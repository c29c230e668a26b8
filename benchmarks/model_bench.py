"""Throughput of the rules with the learned model against the rules alone, in the same run.

    python benchmarks/model_bench.py [--mb 30] [--terms 20000] [--repeats 3] [--write-docs]

The corpus and the 20,000-term library are those of ``benchmarks/scan_bench.py`` (20 languages, about 1% positives).
The model is trained here on a separate synthetic corpus (another seed), labelled by the rules' own verdicts: the
benchmark measures speed, not quality (quality: docs/evaluation.md). Both pipelines read the corpus file and check
it in batches of ``wildwatch.scanner.CHUNK`` listings in one process; the runs are interleaved and the best of each
is kept. Also measured: the model's scoring alone on already-normalised batches, and the artefact's size and load
time. The goal: rules + model at ≥ 60% of the rules' throughput.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scan_bench import big_library, make_corpus, run_pipeline, shards, write_corpus  # noqa: E402
from wildwatch.detect.engine import Detector  # noqa: E402
from wildwatch.detect.normalize import normalize_batch  # noqa: E402
from wildwatch.model import load_model  # noqa: E402
from wildwatch.model.train import TrainParams, train  # noqa: E402
from wildwatch.scanner import CHUNK  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=30.0)
    ap.add_argument("--terms", type=int, default=20000)
    ap.add_argument("--train-listings", type=int, default=20000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--write-docs", action="store_true")
    args = ap.parse_args()

    print(f"generating a {args.mb:.0f} MB corpus ...", file=sys.stderr)
    texts = make_corpus(args.mb)
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    corpus_path = write_corpus(texts)
    lib = big_library(args.terms)
    rules = Detector(lib)

    print("training the model ...", file=sys.stderr)
    train_texts = make_corpus(args.train_listings * 700 / 1e6, seed=11)[: args.train_listings]
    labels = [d.verdict != "allow" for d in rules.check_many(train_texts)]
    t0 = time.perf_counter()
    model = train(train_texts, labels, params=TrainParams(folds=3), name="bench")
    train_s = time.perf_counter() - t0
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    path = model.save(out / "model_bench.json.gz")
    t0 = time.perf_counter()
    model = load_model(path)
    load_s = time.perf_counter() - t0
    with_model = Detector(lib, model=model)

    parts = shards(corpus_path, 128)
    batches = [normalize_batch(texts[i : i + CHUNK]) for i in range(0, min(len(texts), 40 * CHUNK), CHUNK)]
    n_scored = sum(len(b) for b in batches)
    runs_rules, runs_model, runs_alone = [], [], []
    for _ in range(args.repeats):  # interleaved, best of N: the cores are shared and noisy
        runs_rules.append(run_pipeline(rules, corpus_path, parts))
        runs_model.append(run_pipeline(with_model, corpus_path, parts))
        t0 = time.perf_counter()
        for b in batches:
            model.score_normalized(b)
        runs_alone.append(time.perf_counter() - t0)
    corpus_path.unlink()
    (t_r, c_r), (t_m, c_m), t_a = min(runs_rules), min(runs_model), min(runs_alone)
    flagged = with_model.check_many(texts[:20000])
    results: dict[str, Any] = {
        "corpus_mb": round(mb, 1), "listings": len(texts), "terms": len(lib.terms),
        "vocabulary": len(model.vocabulary), "artefact_bytes": path.stat().st_size, "load_s": round(load_s, 2),
        "train_listings": len(train_texts), "train_s": round(train_s, 1),
        "rules_mb_s": round(mb / t_r, 1), "rules_listings_s": round(len(texts) / t_r),
        "model_mb_s": round(mb / t_m, 1), "model_listings_s": round(len(texts) / t_m),
        "ratio": round(t_r / t_m, 3), "cpu_ratio": round(c_r / c_m, 3),
        "scoring_alone_listings_s": round(n_scored / t_a),
        "reviews_by_model_in_first_20000": sum(1 for d in flagged if d.decided_by == "model"),
    }
    table = render(results)
    print(table)
    (out / "model_bench.json").write_text(json.dumps(results, indent=1))
    if args.write_docs:
        write_docs(table)
    return 0


def render(r: dict[str, Any]) -> str:
    return "\n".join([
        f"Corpus: {r['corpus_mb']} MB, {r['listings']:,} listings in 20 languages; library: {r['terms']:,} terms; "
        f"model: {r['vocabulary']:,} n-grams (char 3–5, first 256 normalised characters), artefact "
        f"{r['artefact_bytes']:,} bytes (gzip JSON), loaded in {r['load_s']} s; trained on {r['train_listings']:,} "
        f"synthetic listings in {r['train_s']} s. One process.",
        "",
        "| measure | MB/s | listings/s | ratio |",
        "|---|---:|---:|---:|",
        f"| rules alone (full pipeline) | {r['rules_mb_s']} | {r['rules_listings_s']:,} | 1.00 |",
        f"| rules + model | {r['model_mb_s']} | {r['model_listings_s']:,} | {r['ratio']} of rules alone "
        f"(in CPU time: {r['cpu_ratio']}) |",
        f"| the model's scoring alone, on normalised batches | | {r['scoring_alone_listings_s']:,} | |",
    ])


def write_docs(table: str) -> None:
    from wildwatch.docsections import replace_section

    replace_section(ROOT / "docs" / "performance.md", "model_bench", f"Measured {time.strftime('%Y-%m-%d')} with "
                    f"`python benchmarks/model_bench.py --write-docs`:\n\n{table}")


if __name__ == "__main__":
    raise SystemExit(main())
