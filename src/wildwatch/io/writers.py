"""Result writers: JSON Lines, CSV and Parquet.

A result record is a dict with the keys ``id``, ``verdict``, ``score``, ``library_version``, ``reasons`` (list of
str), ``hits`` (list of dicts) and ``warnings`` (list of str).

- **JSON Lines**: each record as one compact JSON object per line (UTF-8, ``ensure_ascii=False``), all its keys
  as given. NaN and infinite numbers are refused (they are not JSON).
- **CSV**: a header and the columns ``id, verdict, score, library_version, reasons, hits, warnings``; ``reasons``
  and ``warnings`` are joined with ``" | "``, ``hits`` is a compact JSON array. Other keys are ignored.
- **Parquet**: written in row groups of up to `ParquetResultWriter.batch_rows` records, with this fixed schema::

      id               string
      verdict          string
      score            double
      library_version  string
      reasons          list<string>
      hits             list<struct<term: string, lang: string, kind: string, taxon: string, product: string,
                                   start: int64, end: int64, normalized: string>>
      warnings         list<string>

  All fields are nullable; missing keys (in a record or in a hit) are written as null, other keys are ignored.

JSON Lines and CSV may go to stdout (path ``"-"``) or to an open text stream, which is flushed but not closed; a
path ending in ``.gz`` is gzip-compressed. Parquet needs a file path.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import sys
from abc import ABC, abstractmethod
from collections.abc import Mapping
from types import TracebackType
from typing import IO, Any, Literal, Self, TextIO

__all__ = ["CSV_COLUMNS", "HIT_FIELDS", "ResultWriter", "open_writer", "parquet_values", "result_schema"]

CSV_COLUMNS = ("id", "verdict", "score", "library_version", "reasons", "hits", "warnings")
HIT_FIELDS = ("term", "lang", "kind", "taxon", "product", "start", "end", "normalized")
_HIT_INTS = frozenset({"start", "end"})
_SEP = " | "


class ResultWriter(ABC):
    """Writes result records; use as a context manager, or call `close` when done."""

    def __init__(self) -> None:
        self.count = 0
        self._closed = False

    def write(self, record: Mapping[str, Any]) -> None:
        if self._closed:
            raise ValueError("write to a closed result writer")
        self._write(record)
        self.count += 1

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @abstractmethod
    def _write(self, record: Mapping[str, Any]) -> None: ...

    @abstractmethod
    def _close(self) -> None: ...


class _TextResultWriter(ResultWriter):
    def __init__(self, target: str | os.PathLike[str] | TextIO) -> None:
        super().__init__()
        self._owned = isinstance(target, (str, os.PathLike)) and str(target) != "-"
        self._stream: IO[str]
        if isinstance(target, (str, os.PathLike)):
            self._stream = sys.stdout if str(target) == "-" else _open_text(target)
        else:
            self._stream = target

    def _close(self) -> None:
        if self._owned:
            self._stream.close()
        else:
            self._stream.flush()


def _open_text(path: str | os.PathLike[str]) -> IO[str]:
    if str(path).lower().endswith(".gz"):
        return gzip.open(path, "wt", encoding="utf-8", newline="")
    return open(path, "w", encoding="utf-8", newline="")


class JsonlResultWriter(_TextResultWriter):
    def _write(self, record: Mapping[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        self._stream.write(line + "\n")


class CsvResultWriter(_TextResultWriter):
    def __init__(self, target: str | os.PathLike[str] | TextIO) -> None:
        super().__init__(target)
        self._csv = csv.writer(self._stream, lineterminator="\n")
        self._csv.writerow(CSV_COLUMNS)

    def _write(self, record: Mapping[str, Any]) -> None:
        score = record.get("score")
        self._csv.writerow(
            [
                _text(record.get("id")),
                _text(record.get("verdict")),
                "" if score is None else repr(float(score)),
                _text(record.get("library_version")),
                _SEP.join(_strings(record.get("reasons"), "reasons")),
                json.dumps(list(record.get("hits") or ()), ensure_ascii=False, separators=(",", ":")),
                _SEP.join(_strings(record.get("warnings"), "warnings")),
            ]
        )


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _strings(value: object, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise TypeError(f"result field {name!r} must be a list of strings, got {type(value).__name__}")
    return [str(item) for item in value]


def _hit(value: object) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"a hit must be a mapping, got {type(value).__name__}")
    hit: dict[str, Any] = {}
    for name in HIT_FIELDS:
        item = value.get(name)
        if item is None:
            hit[name] = None
        elif name in _HIT_INTS:
            if isinstance(item, bool) or not isinstance(item, int):
                raise TypeError(f"hit field {name!r} must be an integer, got {type(item).__name__}")
            hit[name] = item
        else:
            hit[name] = str(item)
    return hit


def parquet_values(record: Mapping[str, Any]) -> dict[str, Any]:
    """A result record's values for the Parquet schema (:func:`result_schema`), checked and converted."""
    score = record.get("score")
    hits = record.get("hits")
    if hits is not None and not isinstance(hits, (list, tuple)):
        raise TypeError(f"result field 'hits' must be a list, got {type(hits).__name__}")
    return {
        "id": _str_or_none(record.get("id")),
        "verdict": _str_or_none(record.get("verdict")),
        "score": None if score is None else float(score),
        "library_version": _str_or_none(record.get("library_version")),
        "reasons": _strings(record.get("reasons"), "reasons"),
        "hits": [_hit(h) for h in hits or ()],
        "warnings": _strings(record.get("warnings"), "warnings"),
    }


def _pyarrow() -> Any:
    import pyarrow  # imported lazily: only Parquet needs pyarrow

    return pyarrow


def result_schema() -> Any:
    """The Parquet schema of result files (a ``pyarrow.Schema``); see the module docstring."""
    pa = _pyarrow()
    hit = pa.struct(
        [(name, pa.int64() if name in _HIT_INTS else pa.string()) for name in HIT_FIELDS],
    )
    return pa.schema(
        [
            ("id", pa.string()),
            ("verdict", pa.string()),
            ("score", pa.float64()),
            ("library_version", pa.string()),
            ("reasons", pa.list_(pa.string())),
            ("hits", pa.list_(hit)),
            ("warnings", pa.list_(pa.string())),
        ]
    )


class ParquetResultWriter(ResultWriter):
    batch_rows = 65_536

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__()
        import pyarrow.parquet as pq

        self._schema = result_schema()
        self._writer: Any = pq.ParquetWriter(os.fspath(path), self._schema)
        self._columns: dict[str, list[Any]] = {name: [] for name in CSV_COLUMNS}

    def _write(self, record: Mapping[str, Any]) -> None:
        for name, value in parquet_values(record).items():
            self._columns[name].append(value)
        if len(self._columns["id"]) >= self.batch_rows:
            self._flush()

    def _flush(self) -> None:
        if not self._columns["id"]:
            return
        pa = _pyarrow()
        arrays = [pa.array(self._columns[f.name], type=f.type) for f in self._schema]
        self._writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=self._schema))
        for column in self._columns.values():
            column.clear()

    def _close(self) -> None:
        try:
            self._flush()
        finally:
            self._writer.close()


def open_writer(
    path_or_stream: str | os.PathLike[str] | TextIO, fmt: Literal["jsonl", "csv", "parquet"]
) -> ResultWriter:
    """A result writer for `fmt` writing to a path, ``"-"`` (stdout) or an open text stream (not for Parquet)."""
    if fmt == "jsonl":
        return JsonlResultWriter(path_or_stream)
    if fmt == "csv":
        return CsvResultWriter(path_or_stream)
    if fmt == "parquet":
        if not isinstance(path_or_stream, (str, os.PathLike)) or str(path_or_stream) == "-":
            raise ValueError("Parquet output needs a file path: it cannot be written to stdout or a text stream")
        return ParquetResultWriter(path_or_stream)
    raise ValueError(f"unknown output format {fmt!r}: expected jsonl, csv or parquet")

