"""Tests for wildwatch.io.writers: every format is written to a real file and read back."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from wildwatch.io import CSV_COLUMNS, open_writer, result_schema
from wildwatch.io.writers import ParquetResultWriter

HIT = {
    "term": "象牙",
    "lang": "zh",
    "kind": "product",
    "taxon": "loxodonta-africana",
    "product": "ivory",
    "start": 0,
    "end": 2,
    "normalized": "象牙",
}
RECORDS: list[dict[str, Any]] = [
    {
        "id": "1",
        "verdict": "block",
        "score": 0.92,
        "library_version": "2026.11.0",
        "reasons": ["prohibited product: ivory", "sale intent"],
        "hits": [HIT, {"term": "出售", "lang": "zh", "kind": "intent", "start": 3, "end": 5}],
        "warnings": ["text truncated to 1048576 bytes (was 3145728)"],
    },
    {
        "id": "2",
        "verdict": "allow",
        "score": 0.0,
        "library_version": "2026.11.0",
        "reasons": [],
        "hits": [],
        "warnings": [],
    },
    {"id": "3", "verdict": "error", "score": None, "library_version": "2026.11.0"},
]


def test_jsonl_file_is_compact_and_unescaped(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with open_writer(path, "jsonl") as writer:
        for record in RECORDS:
            writer.write(record)
    assert writer.count == 3
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert [json.loads(line) for line in lines] == RECORDS
    assert "象牙" in lines[0]
    assert ", " not in lines[1]
    assert text.endswith("\n")
    assert "\r" not in text


def test_jsonl_refuses_nan_and_writes_after_close(tmp_path: Path) -> None:
    writer = open_writer(tmp_path / "out.jsonl", "jsonl")
    with pytest.raises(ValueError, match="Out of range float"):
        writer.write({"id": "1", "score": float("nan")})
    writer.close()
    writer.close()  # idempotent
    with pytest.raises(ValueError, match="closed"):
        writer.write(RECORDS[0])


def test_jsonl_and_csv_to_stdout_and_streams(capsys: pytest.CaptureFixture[str]) -> None:
    with open_writer("-", "jsonl") as writer:
        writer.write(RECORDS[1])
    assert json.loads(capsys.readouterr().out) == RECORDS[1]
    stream = io.StringIO()
    with open_writer(stream, "csv") as writer:
        writer.write(RECORDS[1])
    assert not stream.closed  # a caller's stream is flushed, not closed
    assert stream.getvalue().splitlines()[0] == ",".join(CSV_COLUMNS)


def test_gzip_output(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl.gz"
    with open_writer(str(path), "jsonl") as writer:
        writer.write(RECORDS[0])
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        assert json.loads(fh.read()) == RECORDS[0]


def test_csv_columns_and_values(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    with open_writer(path, "csv") as writer:
        for record in RECORDS:
            writer.write({**record, "ignored": "x"})
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
        rows = list(reader)
    assert rows[0]["id"] == "1"
    assert rows[0]["verdict"] == "block"
    assert float(rows[0]["score"]) == 0.92
    assert rows[0]["library_version"] == "2026.11.0"
    assert rows[0]["reasons"] == "prohibited product: ivory | sale intent"
    assert json.loads(rows[0]["hits"]) == RECORDS[0]["hits"]
    assert rows[0]["warnings"] == "text truncated to 1048576 bytes (was 3145728)"
    assert rows[1] == {
        "id": "2",
        "verdict": "allow",
        "score": "0.0",
        "library_version": "2026.11.0",
        "reasons": "",
        "hits": "[]",
        "warnings": "",
    }
    assert rows[2]["score"] == ""
    assert rows[2]["hits"] == "[]"


def test_csv_quotes_awkward_ids(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    awkward = 'a,"b"\nc'
    with open_writer(path, "csv") as writer:
        writer.write({"id": awkward, "verdict": "allow", "score": 1})
    with path.open(encoding="utf-8", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["id"] == awkward
    assert row["score"] == "1.0"


def test_parquet_schema_and_values(tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    with open_writer(path, "parquet") as writer:
        for record in RECORDS:
            writer.write(record)
    table = pq.read_table(path)
    assert table.schema.equals(result_schema())
    rows = table.to_pylist()
    assert rows[0]["reasons"] == RECORDS[0]["reasons"]
    assert rows[0]["hits"][0] == HIT
    assert rows[0]["hits"][1] == {
        "term": "出售",
        "lang": "zh",
        "kind": "intent",
        "taxon": None,
        "product": None,
        "start": 3,
        "end": 5,
        "normalized": None,
    }
    assert rows[0]["warnings"] == RECORDS[0]["warnings"]
    assert rows[1] == RECORDS[1]
    assert rows[2] == {**RECORDS[2], "reasons": [], "hits": [], "warnings": []}


def test_parquet_is_written_in_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ParquetResultWriter, "batch_rows", 10)
    path = tmp_path / "out.parquet"
    with open_writer(path, "parquet") as writer:
        for i in range(25):
            writer.write({**RECORDS[0], "id": str(i)})
    parquet = pq.ParquetFile(path)
    assert parquet.metadata.num_row_groups == 3
    assert parquet.read().column("id").to_pylist() == [str(i) for i in range(25)]


def test_empty_parquet_keeps_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    open_writer(path, "parquet").close()
    table = pq.read_table(path)
    assert table.num_rows == 0
    assert table.schema.equals(result_schema())


def test_parquet_rejects_bad_records_at_write(tmp_path: Path) -> None:
    with open_writer(tmp_path / "out.parquet", "parquet") as writer:
        with pytest.raises(TypeError, match="must be a list of strings"):
            writer.write({"id": "1", "reasons": "not a list"})
        with pytest.raises(TypeError, match="'start' must be an integer"):
            writer.write({"id": "1", "hits": [{"term": "x", "start": "0"}]})
        with pytest.raises(TypeError, match="a hit must be a mapping"):
            writer.write({"id": "1", "hits": ["x"]})
        writer.write(RECORDS[1])
    assert pq.read_table(tmp_path / "out.parquet").column("id").to_pylist() == ["2"]


@pytest.mark.parametrize("target", ["-", io.StringIO()])
def test_parquet_needs_a_path(target: Any) -> None:
    with pytest.raises(ValueError, match="Parquet output needs a file path"):
        open_writer(target, "parquet")


def test_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown output format 'xml'"):
        open_writer(tmp_path / "out.xml", "xml")  # type: ignore[arg-type]
