"""Executor side of a distributed scan: Arrow batches of input records in, Arrow batches of decisions out.

Nothing here imports pyspark. Each record goes through the local scanner's rules (:func:`wildwatch.io._rows.
build_row` for CSV and Parquet, :func:`wildwatch.io.readers.parse_jsonl_line` for JSON Lines), so a bad record is a
bad row in both engines, a long text is truncated with the same warning, and the same detector decides. Bad rows are
kept: their output row has no verdict and an ``error`` (the input file and the reason).

The detector is built once per process (per executor Python worker) for a given release, profile and text limit,
and reused by every batch and every partition that process scans afterwards (:func:`detector_for`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..detect.engine import Detector
from ..detect.library import load_bundle
from ..io._rows import BadRow, Columns, Row, build_row
from ..io.readers import parse_jsonl_line
from ..io.writers import HIT_FIELDS

#: input records of a batch: ``csv`` (strings decoded as ISO-8859-1 by the reader, so that every byte survives and
#: is decoded as UTF-8 here), ``jsonl`` (raw lines as bytes) or ``parquet`` (typed values)
Kind = Literal["csv", "jsonl", "parquet"]

SOURCE = "_wildwatch_source"  # the input file of each record (a column added by the reader)
LINE = "_wildwatch_line"  # JSON Lines: the raw line
CORRUPT = "_wildwatch_corrupt"  # CSV: Spark's malformed-record column
CHECK_ROWS = 1024  # listings per check_many call (as in wildwatch.scanner)

_HIT_TYPES = {"start": "bigint", "end": "bigint"}
#: the output schema, as a Spark DDL string (same columns as the local Parquet output, plus ``error``)
OUTPUT_DDL = (
    "id string, verdict string, score double, library_version string, reasons array<string>, "
    "hits array<struct<" + ", ".join(f"`{n}`: {_HIT_TYPES.get(n, 'string')}" for n in HIT_FIELDS) + ">>, "
    "warnings array<string>, error string"
)


@dataclass(frozen=True)
class ScanSpec:
    """What every executor needs besides the release: the columns, the record kind, the profile and the limit."""

    cols: Columns
    kind: Kind
    profile: str | None
    release_digest: str


_detectors: dict[tuple[str, str | None, int], Detector] = {}


def release_digest(bundle: bytes) -> str:
    return hashlib.sha256(bundle).hexdigest()


def detector_for(spec: ScanSpec, bundle: Callable[[], bytes], on_build: Callable[[], None] | None = None) -> Detector:
    """This process's detector for the spec's release (built from ``bundle()`` the first time only)."""
    key = (spec.release_digest, spec.profile, spec.cols.max_text_bytes)
    detector = _detectors.get(key)
    if detector is None:
        library, _ = load_bundle(bundle())
        detector = Detector(library, profile=spec.profile, max_text_bytes=spec.cols.max_text_bytes)
        _detectors.clear()  # one release at a time per process: a new release replaces the old automaton
        _detectors[key] = detector
        if on_build is not None:
            on_build()
    return detector


def _csv_value(value: Any) -> Any:
    # The reader decoded the bytes as ISO-8859-1 (one character per byte): encode back to the original bytes,
    # which build_row decodes as UTF-8 and reports as invalid when they are not.
    return value.encode("latin-1") if isinstance(value, str) else value


def _where(source: object) -> str:
    return str(source) if source else "input"


def records(columns: dict[str, list[Any]], spec: ScanSpec) -> Iterator[Row | BadRow]:
    """The rows of one batch (as ``to_pydict()`` gives it), in order, with the local scanner's rules."""
    n = len(next(iter(columns.values()), []))
    sources = columns.get(SOURCE) or [None] * n
    if spec.kind == "jsonl":
        for raw, source in zip(columns[LINE], sources, strict=True):
            row = parse_jsonl_line(bytes(raw or b""), 0, spec.cols)
            if isinstance(row, BadRow):
                yield BadRow(0, f"{_where(source)}: {row.error}", row.id)
            elif row is not None:
                yield row
        return
    names = [c for c in columns if c not in (SOURCE, CORRUPT)]
    corrupt = columns.get(CORRUPT) or [None] * n
    for i in range(n):
        values = {name: columns[name][i] for name in names}
        if spec.kind == "csv":
            values = {name: _csv_value(v) for name, v in values.items()}
            if corrupt[i] is not None:
                yield BadRow(0, f"{_where(sources[i])}: malformed CSV record (wrong number of fields or quoting)",
                             _bad_id(values.get(spec.cols.id)))
                continue
        row = build_row(values, 0, spec.cols)
        yield BadRow(0, f"{_where(sources[i])}: {row.error}", row.id) if isinstance(row, BadRow) else row


def _bad_id(value: object) -> str | None:
    """The id of a malformed record, when it is readable (as the local CSV reader reports it)."""
    if not isinstance(value, bytes):
        return None
    try:
        return value.decode("utf-8").strip() or None
    except UnicodeDecodeError:
        return None


OUTPUT_NAMES = ("id", "verdict", "score", "library_version", "reasons", "hits", "warnings", "error")


def decide_columns(rows: Sequence[Row | BadRow], detector: Detector) -> dict[str, list[Any]]:
    """The output columns (:data:`OUTPUT_DDL`) for ``rows``, in order: the local scanner's decision for each
    row (its Parquet record, with the reader's warnings first), and no verdict but an ``error`` for a bad row."""
    good = [r.text for r in rows if isinstance(r, Row)]
    decisions = iter([d for i in range(0, len(good), CHECK_ROWS)
                      for d in detector.check_many(good[i:i + CHECK_ROWS])])
    cols: dict[str, list[Any]] = {name: [] for name in OUTPUT_NAMES}
    for r in rows:
        cols["id"].append(r.id)
        if isinstance(r, BadRow):
            for name, value in (("verdict", None), ("score", None), ("library_version", None), ("reasons", []),
                                ("hits", []), ("warnings", []), ("error", r.error)):
                cols[name].append(value)
            continue
        d = next(decisions)
        cols["verdict"].append(d.verdict)
        cols["score"].append(float(d.score))
        cols["library_version"].append(d.library_version)
        cols["reasons"].append(list(d.reasons))
        cols["hits"].append([{name: getattr(h, name) for name in HIT_FIELDS} for h in d.hits])
        cols["warnings"].append([*r.warnings, *d.warnings])
        cols["error"].append(None)
    return cols


def scan_batches(batches: Iterable[Any], spec: ScanSpec, bundle: Callable[[], bytes],
                 on_build: Callable[[], None] | None = None) -> Iterator[Any]:
    """The function a ``mapInArrow`` runs on each partition: Arrow record batches in, decisions out."""
    import pyarrow as pa

    from ..io.writers import result_schema

    schema = pa.schema([*result_schema(), pa.field("error", pa.string())])
    detector = detector_for(spec, bundle, on_build)
    for batch in batches:
        if batch.num_rows == 0:
            continue
        cols = decide_columns(list(records(batch.to_pydict(), spec)), detector)
        yield pa.RecordBatch.from_arrays([pa.array(cols[f.name], type=f.type) for f in schema], schema=schema)
