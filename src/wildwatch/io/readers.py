"""Streaming readers for listing files: CSV, JSON Lines and Parquet (CSV and JSON Lines may be gzip-compressed).

`read_listings` yields one `Row` per usable record and one `BadRow` per record it cannot use (missing id,
missing or empty text, invalid UTF-8, broken JSON, a JSON value that is not an object, a CSV record with the wrong
number of fields). A bad record never stops the stream and never costs another record. Files are read record by
record (Parquet in small batches), never whole.

The text of a listing is the ``text`` column when present and non-blank (or `text_column` when given), else
``title`` + ``"\\n"`` + ``description`` (either may be missing, not both). A text longer than `max_text_bytes` UTF-8
bytes is truncated at a character boundary and the row carries a warning. Invalid UTF-8 is only reported for the
fields the reader uses (id, text fields, extra columns); other columns are ignored.

Header problems (a missing id or text column) raise `ValueError` when `read_listings` is called, before any row;
each file is opened and read once, so a named pipe works too. A damaged gzip stream raises while reading (it is not
a bad record). The `csv` module's field size limit is raised process-wide so that multi-MiB fields parse.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Literal

from wildwatch.io._rows import BadRow, Columns, Row, build_row, valid_utf8

__all__ = ["BadRow", "Format", "Row", "detect_format", "read_listings"]

Format = Literal["csv", "jsonl", "parquet"]

_EXTENSIONS: dict[str, Format] = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".jsonlines": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_NAMES: dict[str, Format] = {
    "csv": "csv",
    "jsonl": "jsonl",
    "ndjson": "jsonl",
    "jsonlines": "jsonl",
    "parquet": "parquet",
    "pq": "parquet",
}
_CSV_FIELD_LIMIT = 2**31 - 1  # characters; multi-MiB fields are normal (they are truncated after parsing)
_PARQUET_BATCH_ROWS = 1024  # rows per batch: texts may be MiBs each
_BOM = b"\xef\xbb\xbf"
_READY = BadRow(0, "ready")  # internal sentinel, never seen by callers


def _is_gzip(path: str | Path) -> bool:
    return str(path).lower().endswith(".gz")


def detect_format(path: str | Path, explicit: str | None = None) -> Format:
    """The input format: `explicit` when given (csv, jsonl/ndjson, parquet), else from the file extension."""
    if explicit is not None:
        fmt = _NAMES.get(explicit.strip().lower())
        if fmt is None:
            raise ValueError(f"unknown input format {explicit!r}: expected csv, jsonl or parquet")
        return fmt
    name = Path(path).name.lower()
    gz = name.endswith(".gz")
    ext = Path(name[:-3] if gz else name).suffix
    fmt = _EXTENSIONS.get(ext)
    if fmt == "parquet" and gz:
        raise ValueError(f"{path}: Parquet is compressed internally; gzip-compressed Parquet is not supported")
    if fmt is not None:
        return fmt
    if ext == ".json":
        raise ValueError(
            f"{path}: a .json file may be a single JSON document; name JSON Lines files .jsonl or .ndjson "
            "(one object per line) or give the format explicitly"
        )
    raise ValueError(
        f"cannot tell the format of {path} from its extension ({ext or 'none'}): use .csv, .jsonl, .ndjson, "
        ".parquet or .pq (.csv.gz, .jsonl.gz and .ndjson.gz for gzip), or give the format explicitly"
    )


def listing_columns(*, id_column: str = "id", text_column: str | None = None, title_column: str = "title",
                    description_column: str = "description", max_text_bytes: int = 1 << 20,
                    extra_columns: Sequence[str] = ()) -> Columns:
    """Which columns hold the id and the text (see the module docstring); shared with the Spark engine."""
    if max_text_bytes < 1:
        raise ValueError(f"max_text_bytes must be at least 1, got {max_text_bytes}")
    return Columns(id=id_column, text=text_column or "text", text_explicit=text_column is not None,
                   title=title_column, description=description_column, extra=tuple(extra_columns),
                   max_text_bytes=max_text_bytes)


def read_listings(
    path: str | Path,
    *,
    fmt: str | None = None,
    id_column: str = "id",
    text_column: str | None = None,
    title_column: str = "title",
    description_column: str = "description",
    max_text_bytes: int = 1 << 20,
    extra_columns: Sequence[str] = (),
) -> Generator[Row | BadRow, None, None]:
    """Stream the listings of `path` as `Row` / `BadRow` values, in file order.

    Raises `ValueError` at once for an unknown format or when the header (CSV) or schema (Parquet) lacks the id
    column, a text source or an extra column; `OSError` when the file cannot be opened.
    """
    cols = listing_columns(id_column=id_column, text_column=text_column, title_column=title_column,
                           description_column=description_column, max_text_bytes=max_text_bytes,
                           extra_columns=extra_columns)
    kind = detect_format(path, fmt)
    if kind == "parquet" and _is_gzip(path):
        raise ValueError(f"{path}: gzip-compressed Parquet is not supported")
    readers = {"csv": _iter_csv, "jsonl": _iter_jsonl, "parquet": _iter_parquet}
    stream = readers[kind](path, cols)
    # Each reader opens the file once, checks its header, then yields _READY: so header errors raise here, at
    # the call, and the file is read a single time (it may be a pipe).
    ready = next(stream)
    assert ready is _READY
    return stream


def check_columns(path: str | Path, names: Sequence[str], cols: Columns) -> None:
    present = set(names)
    listing = ", ".join(repr(n) for n in names) or "(none)"
    if cols.id not in present:
        raise ValueError(f"{path} has no {cols.id!r} column; columns are: {listing}")
    if cols.text_explicit and cols.text not in present:
        raise ValueError(f"{path} has no {cols.text!r} column; columns are: {listing}")
    if not present & {cols.text, cols.title, cols.description}:
        raise ValueError(
            f"{path} has no text: it needs a {cols.text!r} column, or {cols.title!r} and/or "
            f"{cols.description!r}; columns are: {listing}"
        )
    for name in cols.extra:
        if name not in present:
            raise ValueError(f"{path} has no {name!r} column (asked for as an extra column); columns are: {listing}")


# -- CSV --------------------------------------------------------------------------------------------------------


def _open_csv(path: str | Path) -> IO[str]:
    # surrogateescape: bytes that are not UTF-8 become lone surrogates, so one bad row is found and reported alone
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    if _is_gzip(path):
        return gzip.open(path, "rt", encoding="utf-8-sig", errors="surrogateescape", newline="")
    return open(path, encoding="utf-8-sig", errors="surrogateescape", newline="")


def _csv_header(path: str | Path, reader: Iterator[list[str]]) -> list[str]:
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ValueError(f"{path}: cannot parse the CSV header: {exc}") from None
    if header is None:
        raise ValueError(f"{path} is empty: a CSV input needs a header row")
    names = [name.strip() for name in header]
    if not all(valid_utf8(name) for name in names):
        raise ValueError(f"{path}: the CSV header is not valid UTF-8")
    return names


def _iter_csv(path: str | Path, cols: Columns) -> Generator[Row | BadRow, None, None]:
    with _open_csv(path) as fh:
        reader = csv.reader(fh)
        header = _csv_header(path, reader)
        check_columns(path, header, cols)
        index: dict[str, int] = {}
        for position, name in enumerate(header):
            index.setdefault(name, position)
        wanted = [(name, index[name]) for name in cols.wanted(header)]
        id_index = index[cols.id]
        yield _READY
        done = reader.line_num  # physical lines consumed so far
        while True:
            start = done + 1
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                done = reader.line_num
                yield BadRow(start, f"malformed CSV record: {exc}")
                continue
            done = reader.line_num
            if not record:  # blank line
                continue
            if len(record) != len(header):
                raw_id = record[id_index].strip() if id_index < len(record) else ""
                bad_id = raw_id if raw_id and valid_utf8(raw_id) else None
                yield BadRow(start, f"expected {len(header)} fields, got {len(record)}", bad_id)
                continue
            yield build_row({name: record[i] for name, i in wanted}, start, cols)


# -- JSON Lines -------------------------------------------------------------------------------------------------

_JSON_TYPES = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean"}


def parse_jsonl_line(raw: bytes, line: int, cols: Columns) -> Row | BadRow | None:
    """One line of JSON Lines (bytes): a `Row`, a `BadRow`, or None for a blank line. A byte-order mark at the
    start of a line is dropped (files that were concatenated carry one at the start of each part)."""
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    if not raw.strip():
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return BadRow(line, f"invalid UTF-8 at byte {exc.start} of the line")
    try:
        value: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        return BadRow(line, f"invalid JSON: {exc.msg} (column {exc.colno})")
    except RecursionError:
        return BadRow(line, "invalid JSON: nested too deeply")
    if not isinstance(value, dict):
        kind = "null" if value is None else _JSON_TYPES.get(type(value), type(value).__name__)
        return BadRow(line, f"the JSON value is {kind}, not an object")
    return build_row(value, line, cols)


def _iter_jsonl(path: str | Path, cols: Columns) -> Generator[Row | BadRow, None, None]:
    with gzip.open(path, "rb") if _is_gzip(path) else open(path, "rb") as fh:
        yield _READY
        for line, raw in enumerate(fh, 1):
            row = parse_jsonl_line(raw, line, cols)
            if row is not None:
                yield row


# -- Parquet ----------------------------------------------------------------------------------------------------


def _parquet_file(path: str | Path) -> Any:
    import pyarrow.parquet as pq  # imported lazily: only Parquet needs pyarrow

    return pq.ParquetFile(str(path))


def _iter_parquet(path: str | Path, cols: Columns) -> Generator[Row | BadRow, None, None]:
    parquet = _parquet_file(path)
    try:
        names = list(parquet.schema_arrow.names)
        check_columns(path, names, cols)
        wanted = cols.wanted(names)
        yield _READY
        line = 0
        for batch in parquet.iter_batches(batch_size=_PARQUET_BATCH_ROWS, columns=wanted):
            data: dict[str, list[Any]] = batch.to_pydict()
            for i in range(batch.num_rows):
                line += 1
                yield build_row({name: data[name][i] for name in wanted}, line, cols)
    finally:
        parquet.close()
