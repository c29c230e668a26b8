"""`wildwatch check | scan | eval | library | model` — thin: parse, call, print.

The command-line interface is a contract: keep the commands, options and JSON keys stable.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from . import __version__
from .detect.library import LibraryError, load_path, load_starter
from .detect.policy import PolicyError
from .evaluation import evaluate, format_report
from .io import BadRow, Row, detect_format, open_writer, read_listings
from .scanner import Summary, build_detector, default_workers, scan_texts

DEFAULT_MAX_TEXT = 1 << 20


def _add_library_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--library", metavar="PATH", help="a library bundle (.wwlib) or directory (default: the starter)")
    p.add_argument("--profile", metavar="NAME", help="a platform policy profile from the library (default: coalition)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wildwatch", description="Keep wildlife trafficking off the internet.")
    parser.add_argument("--version", action="version", version=f"wildwatch {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="check one listing text and print the decision")
    p.add_argument("text")
    p.add_argument("--lang", help="the listing's language, if known (informative)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--search", action="store_true", help="treat TEXT as a marketplace search query")
    _add_library_args(p)

    p = sub.add_parser("scan", help="scan a CSV, JSONL or Parquet file of listings")
    p.add_argument("input")
    p.add_argument("-o", "--output", help="output file (default: JSONL on stdout)")
    p.add_argument("--format", choices=("jsonl", "csv", "parquet"), help="output format (default: from -o)")
    p.add_argument("--input-format", choices=("csv", "jsonl", "parquet"), help="input format (default: extension)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (0 = one per core; local engine)")
    p.add_argument("--engine", choices=("local", "spark"), default="local",
                   help="local: this machine's processes (default); spark: Apache Spark (the spark extra), "
                        "writing a Parquet directory")
    p.add_argument("--master", help="Spark master: local[N], spark://HOST:PORT, yarn, ... (default local[*])")
    p.add_argument("--id-column", default="id")
    p.add_argument("--text-column")
    p.add_argument("--max-text-bytes", type=int, default=DEFAULT_MAX_TEXT,
                   help="check only the first N bytes of a longer text, with a warning (default 1 MiB)")
    p.add_argument("--no-progress", action="store_true")
    _add_library_args(p)

    p = sub.add_parser("eval", help="precision, recall and F1 against a labelled file")
    p.add_argument("input")
    p.add_argument("--label-column", required=True)
    p.add_argument("--text-column", action="append",
                   help="text column; repeat to join several (default: text, or title + description)")
    p.add_argument("--positive", default="1", help="the label value of positives (default 1)")
    p.add_argument("--id-column", help="id column (default: row number)")
    p.add_argument("--worst", type=int, default=10)
    p.add_argument("--json", action="store_true")
    _add_library_args(p)

    p = sub.add_parser("hub", help="the hub's management commands (migrate, runserver, demo, apikey, ...)",
                       add_help=False)
    p.add_argument("hub_args", nargs=argparse.REMAINDER)

    p = sub.add_parser("library", help="build, inspect or import keyword libraries")
    lsub = p.add_subparsers(dest="library_command", required=True)
    b = lsub.add_parser("build", help="write a library bundle (.wwlib)")
    b.add_argument("-o", "--output", required=True)
    b.add_argument("--source", help="library directory (default: the starter)")
    b.add_argument("--version-label", help="library version (default: the source's)")
    i = lsub.add_parser("info", help="describe a bundle or directory")
    i.add_argument("path", nargs="?")
    c = lsub.add_parser("import-cites", help="import the official CITES species CSV export")
    c.add_argument("csv")
    c.add_argument("-o", "--output", required=True, help="output directory for taxa.json and names.json")

    p = sub.add_parser("model", help="train or evaluate the learned classifier")
    msub = p.add_subparsers(dest="model_command", required=True)
    t = msub.add_parser("train", help="train a model on labelled files and write its artefact (JSON)")
    t.add_argument("inputs", nargs="*", metavar="FILE", help="labelled CSV, JSONL or Parquet files")
    t.add_argument("--from-hub", action="store_true",
                   help="also train on the hub's review outcomes (removals and 'no violation' decisions; the hub's "
                        "database: DATABASE_URL or WILDWATCH_VAR)")
    t.add_argument("-o", "--output", required=True, help="the artefact: model.json.gz (gzip) or model.json")
    t.add_argument("--name", default="baseline-v1", help="the model's name, shown in reasons (default baseline-v1)")
    t.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
    t.add_argument("--ngram-range", default="3,5", help="character n-gram sizes MIN,MAX (default 3,5)")
    t.add_argument("--max-chars", type=int, default=256,
                   help="model the first N characters of the normalised text (0: all; default 256)")
    t.add_argument("--max-features", type=int, default=50_000)
    _add_labelled_args(t)
    _add_library_args(t)
    g = msub.add_parser("suggest-terms", help="candidate code words: frequent in positives, rare in negatives")
    g.add_argument("inputs", nargs="+", metavar="FILE", help="labelled CSV, JSONL or Parquet files")
    g.add_argument("--top", type=int, default=50, help="how many candidates (default 50)")
    g.add_argument("--min-positive", type=int, default=3, help="found in at least N positives (default 3)")
    g.add_argument("--rejected", metavar="FILE", help="a text file of rejected candidates, one per line")
    g.add_argument("--json", action="store_true")
    _add_labelled_args(g)
    _add_library_args(g)
    e = msub.add_parser("eval", help="rules alone against rules and model on labelled files")
    e.add_argument("model", help="a model artefact")
    e.add_argument("inputs", nargs="+", metavar="FILE")
    e.add_argument("--json", action="store_true")
    _add_labelled_args(e)
    _add_library_args(e)
    return parser


def _add_labelled_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--label-column", default="label", help="the label column (default label)")
    p.add_argument("--text-column", action="append",
                   help="text column; repeat to join several (default: text, or title + description)")
    p.add_argument("--positive", default="1", help="the label value of positives (default 1)")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["hub"]:  # Django parses its own arguments
        from .hub.manage import main as hub_main

        return hub_main(argv[1:] or ["help"])
    args = build_parser().parse_args(argv)
    try:
        handler = {"check": cmd_check, "scan": cmd_scan, "eval": cmd_eval, "library": cmd_library,
                   "model": cmd_model}[args.command]
        return handler(args)
    except BrokenPipeError:  # the reader went away (`wildwatch scan … | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (LibraryError, PolicyError, ValueError, OSError) as exc:
        print(f"wildwatch: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def cmd_check(args: argparse.Namespace) -> int:
    detector = build_detector(args.library, args.profile)
    if args.search:
        result = detector.check_search(args.text, args.lang)
        if args.json:
            print(json.dumps(result.to_dict(), ensure_ascii=False))
        else:
            print("intercept" if result.intercept else "no intercept")
            if result.intercept:
                print(f"{result.title}\n{result.message}\n{result.learn_more_url}")
        return 0
    decision = detector.check(args.text).to_dict()
    if args.json:
        print(json.dumps(decision, ensure_ascii=False))
        return 0
    print(f"{decision['verdict'].upper()}  score {decision['score']:.2f}  (library {decision['library_version']})")
    for reason in decision["reasons"]:
        print(f"  - {reason}")
    for hit in decision["hits"]:
        where = f"[{hit['start']}:{hit['end']}]"
        print(f"  {where:>12} {hit['kind']:<8} {hit['term']!r} ({hit['lang']}) {hit['taxon'] or ''}")
    return 0


def cmd_scan(args: argparse.Namespace) -> int:
    if args.engine == "spark":
        return cmd_scan_spark(args)
    if args.master:
        raise ValueError("--master is for --engine spark")
    out_fmt = args.format or (detect_format(args.output) if args.output else "jsonl")
    rows = read_listings(args.input, fmt=args.input_format, id_column=args.id_column, text_column=args.text_column,
                         max_text_bytes=args.max_text_bytes)
    workers = default_workers() if args.workers == 0 else max(1, args.workers)
    summary = Summary()
    pending: deque[Row] = deque()

    def texts() -> Any:
        for row in rows:
            if isinstance(row, BadRow):
                summary.bad_rows += 1
                print(f"wildwatch: line {row.line}: skipped: {row.error}", file=sys.stderr)
                continue
            pending.append(row)
            yield row.text

    progress = _progress(args.no_progress)
    t0 = time.perf_counter()
    target: str | TextIO = args.output or sys.stdout
    with open_writer(target, out_fmt) as writer:
        for decision in scan_texts(texts(), workers=workers, library_path=args.library, profile=args.profile,
                                   max_text_bytes=args.max_text_bytes):
            row = pending.popleft()
            record = {"id": row.id, **decision}
            if row.warnings:
                record["warnings"] = [*row.warnings, *record.get("warnings", [])]
            writer.write(record)
            summary.add(record)
            if progress is not None:
                progress.update(1)
    summary.seconds = time.perf_counter() - t0
    if progress is not None:
        progress.close()
    sys.stderr.write(summary.table())
    return 0


def cmd_scan_spark(args: argparse.Namespace) -> int:
    if not args.output:
        raise ValueError("--engine spark writes a Parquet directory: give it with -o OUTPUT")
    if (args.format or "parquet") != "parquet":
        raise ValueError("--engine spark writes Parquet only")
    try:
        from .scale.spark import scan_to_parquet, session
    except ImportError as exc:
        raise ValueError(f"--engine spark needs the spark extra (pip install 'wildwatch[spark]'): {exc}") from None
    spark = session(args.master)
    try:
        report = scan_to_parquet(spark, args.input, args.output, fmt=args.input_format, id_column=args.id_column,
                                 text_column=args.text_column, profile=args.profile, release=args.library,
                                 max_text_bytes=args.max_text_bytes)
    finally:
        spark.stop()
    for error in report.errors:
        print(f"wildwatch: skipped: {error}", file=sys.stderr)
    summary = Summary(listings=report.listings, bad_rows=report.bad_rows, warnings=report.warnings,
                      seconds=report.seconds)
    summary.verdicts.update(report.verdicts)
    sys.stderr.write(summary.table())
    print(f"wrote {report.output} ({report.detectors_built} detector(s) built on the executors)", file=sys.stderr)
    return 0


def _progress(disabled: bool) -> Any:
    if disabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(unit=" listings", file=sys.stderr, smoothing=0.1)


def cmd_eval(args: argparse.Namespace) -> int:
    detector = build_detector(args.library, args.profile)
    result = evaluate(Path(args.input), detector, label_column=args.label_column, text_columns=args.text_column,
                      positive=args.positive, id_column=args.id_column, worst=args.worst)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        print(format_report(result))
    return 0


def cmd_library(args: argparse.Namespace) -> int:
    if args.library_command == "build":
        library = load_path(Path(args.source)) if args.source else load_starter()
        if args.version_label:
            library.version = args.version_label
        data = library.to_bundle()
        Path(args.output).write_bytes(data)
        print(f"wrote {args.output}: library {library.version}, {library.digest()}, {len(data):,} bytes")
        return 0
    if args.library_command == "info":
        library = load_path(Path(args.path)) if args.path else load_starter()
        kinds: dict[str, int] = {}
        for t in library.terms:
            kinds[t.kind] = kinds.get(t.kind, 0) + 1
        langs = sorted({t.lang for t in library.terms})
        print(f"library {library.version} {library.digest()}")
        print(f"taxa: {len(library.taxa)}; terms: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
        print(f"languages ({len(langs)}): {' '.join(langs)}")
        print(f"profiles: coalition {' '.join(sorted(library.profiles))}")
        return 0
    from .io.cites import import_to_dir

    report = import_to_dir(Path(args.csv), Path(args.output))
    print(report)
    return 0


def cmd_suggest_terms(args: argparse.Namespace) -> int:
    """Keyword discovery on labelled files (``wildwatch.discovery``): the library's terms are the known ones."""
    from .discovery import suggest_terms
    from .model.evaluate import read_labelled

    data = read_labelled(args.inputs, label_column=args.label_column, text_columns=args.text_column,
                         positive=args.positive)
    positives = [t for t, y in zip(data.texts, data.labels, strict=True) if y]
    negatives = [t for t, y in zip(data.texts, data.labels, strict=True) if not y]
    library = build_detector(args.library, args.profile).library
    rejected = Path(args.rejected).read_text(encoding="utf-8").splitlines() if args.rejected else []
    found = suggest_terms(positives, negatives, known=[t.term for t in library.terms],
                          code_words=[t.term for t in library.terms if t.kind == "cover"], rejected=rejected,
                          top=args.top, min_positive=args.min_positive)
    if args.json:
        print(json.dumps([{"term": c.term, "positives": c.positives, "negatives": c.negatives, "g2": c.score,
                           "p_value": c.p_value, "cooccurs": list(c.cooccurs),
                           "examples": [positives[i][:200] for i in c.examples]} for c in found], indent=1,
                         ensure_ascii=False))
        return 0
    print(f"{len(positives):,} positives, {len(negatives):,} negatives; {len(found)} candidates")
    for c in found:
        extra = f"  with {', '.join(c.cooccurs)}" if c.cooccurs else ""
        print(f"{c.term!r:40} {c.positives:>6} / {c.negatives:<6} G2 {c.score:>9.1f}{extra}")
    return 0


def _hub_outcomes() -> tuple[list[str], list[bool]]:
    """The hub's review outcomes (``wildwatch.hub.reports.training``), read through Django's settings."""
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wildwatch.hub.settings")
    django.setup()
    from .hub.reports.training import review_outcomes

    return review_outcomes()


def cmd_model(args: argparse.Namespace) -> int:
    if args.model_command == "suggest-terms":
        return cmd_suggest_terms(args)
    from .model import load_model
    from .model.evaluate import evaluate_model, format_figures, read_labelled

    detector = build_detector(args.library, args.profile)
    if args.model_command == "eval":
        model = load_model(args.model)
        results = {}
        for path in args.inputs:
            data = read_labelled([path], label_column=args.label_column, text_columns=args.text_column,
                                 positive=args.positive)
            results[path] = evaluate_model(model, data, detector)
        if args.json:
            print(json.dumps({"model": model.name, "digest": model.digest, "results": results}, indent=1))
        else:
            print(f"model {model.name} ({model.digest[:19]}), library {detector.library_version}")
            for path, r in results.items():
                print(format_figures(path, r))
        return 0
    import numpy as np

    from .model.evaluate import Labelled
    from .model.train import TrainParams, train

    try:
        lo, hi = (int(x) for x in args.ngram_range.split(","))
    except ValueError as exc:
        raise ValueError(f"--ngram-range must be MIN,MAX (got {args.ngram_range!r})") from exc
    params = TrainParams(ngram_range=(lo, hi), max_chars=args.max_chars or None, max_features=args.max_features,
                         folds=args.folds)
    if not args.inputs and not args.from_hub:
        raise ValueError("give labelled files, --from-hub, or both")
    data = read_labelled(args.inputs, label_column=args.label_column, text_columns=args.text_column,
                         positive=args.positive) if args.inputs else Labelled([], np.zeros(0, dtype=bool), [])
    if args.from_hub:
        texts, labels = _hub_outcomes()
        if not texts:
            raise ValueError("the hub has no decided case with a listing text to train on")
        data = Labelled(data.texts + texts, np.concatenate([data.labels, np.asarray(labels, dtype=bool)]),
                        [*data.files, {"name": "hub review outcomes", "rows": len(texts), "positives": sum(labels)}])
    verdicts = [d.verdict for d in detector.check_many(data.texts)]
    info = {"files": data.files, "label_column": args.label_column, "positive": args.positive,
            "text_columns": args.text_column or "text, or title + description",
            "rules": {"library": detector.library_version, "profile": detector.policy.profile.id}}
    model = train(data.texts, data.labels, rules=verdicts, params=params, name=args.name, training=info)
    out = model.save(args.output)
    m = model.metrics
    t = model.thresholds
    print(f"wrote {out}: model {model.name}, {len(model.vocabulary):,} n-grams, {out.stat().st_size:,} bytes, "
          f"{model.digest}")
    print(f"thresholds: review {t.review:.2f}, clear {t.clear:.2f} (model_may_clear), block {t.block:.2f} "
          "(model_may_block)")
    print(format_figures(f"cross-validated ({m['cv_folds']} folds, out-of-fold, thresholds chosen on them)",
                         {"rows": m["rows"], "positives": m["positives"], **m}))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
