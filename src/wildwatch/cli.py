"""`wildwatch check | scan | eval | library` — thin: parse, call, print.

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
    p.add_argument("--workers", type=int, default=1, help="worker processes (0 = one per core)")
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["hub"]:  # Django parses its own arguments
        from .hub.manage import main as hub_main

        return hub_main(argv[1:] or ["help"])
    args = build_parser().parse_args(argv)
    try:
        handler = {"check": cmd_check, "scan": cmd_scan, "eval": cmd_eval, "library": cmd_library}[args.command]
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


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
