"""Tests for wildwatch.io.readers: formats, line numbers, bad rows that never stop the stream."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from wildwatch.io import BadRow, Row, detect_format, read_listings
from wildwatch.io import readers as readers_module


def _read(path: Path, **kwargs: object) -> list[Row | BadRow]:
    return list(read_listings(path, **kwargs))  # type: ignore[arg-type]


# -- detect_format ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.csv", "csv"),
        ("A.CSV", "csv"),
        ("a.csv.gz", "csv"),
        ("a.jsonl", "jsonl"),
        ("a.ndjson", "jsonl"),
        ("a.jsonl.gz", "jsonl"),
        ("dir.x/a.parquet", "parquet"),
        ("a.pq", "parquet"),
    ],
)
def test_detect_format_from_extension(name: str, fmt: str) -> None:
    assert detect_format(name) == fmt
    assert detect_format(Path(name)) == fmt


def test_detect_format_explicit_wins() -> None:
    assert detect_format("listings.txt", "jsonl") == "jsonl"
    assert detect_format("listings.csv", "NDJSON") == "jsonl"
    assert detect_format("listings.dat", "parquet") == "parquet"


@pytest.mark.parametrize(
    ("name", "explicit", "message"),
    [
        ("a.tsv", None, "cannot tell the format"),
        ("noextension", None, "extension (none)"),
        ("a.json", None, ".jsonl or .ndjson"),
        ("a.parquet.gz", None, "gzip-compressed Parquet"),
        ("a.csv", "xml", "unknown input format 'xml'"),
    ],
)
def test_detect_format_errors(name: str, explicit: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        detect_format(name, explicit)


# -- CSV --------------------------------------------------------------------------------------------------------


def test_csv_quoted_multiline_fields_keep_start_lines(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(
        b'id,title,description\r\n1,Ivory,"carved\nbangle\r\nold"\r\n2,"Rhino ""horn""",powder\r\n'
        b'\r\n3,,"only description, with comma"\r\n'
    )
    rows = _read(path)
    assert rows == [
        Row("1", "Ivory\ncarved\nbangle\r\nold", 2),
        Row("2", 'Rhino "horn"\npowder', 5),
        Row("3", "only description, with comma", 7),
    ]


def test_csv_invalid_utf8_in_one_row_only(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(
        b"id,title,description,unused\n"
        b"1,good one,fine,x\n"
        b'2,bad \xff\xfe title,"multi\nline",x\n'
        b"3,good three,fine \xc3\xa9,x\n"
        b'4,ok,"bad in\n\xe9 description",x\n'
        b"5,ignored column,fine,\xff\n"
        b"6,last,fine,x\n"
    )
    rows = _read(path)
    assert [type(r).__name__ for r in rows] == ["Row", "BadRow", "Row", "BadRow", "Row", "Row"]
    assert [r.line for r in rows] == [2, 3, 5, 6, 8, 9]
    bad = [r for r in rows if isinstance(r, BadRow)]
    assert bad[0] == BadRow(3, "invalid UTF-8 in field 'title'", "2")
    assert bad[1] == BadRow(6, "invalid UTF-8 in field 'description'", "4")
    assert rows[2] == Row("3", "good three\nfine é", 5)


def test_csv_wrong_field_count_is_a_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("id,title,description\n1,a,b\n2,a,b,EXTRA\n3\n4,a,b\n", encoding="utf-8")
    rows = _read(path)
    assert rows == [
        Row("1", "a\nb", 2),
        BadRow(3, "expected 3 fields, got 4", "2"),
        BadRow(4, "expected 3 fields, got 1", "3"),
        Row("4", "a\nb", 5),
    ]


def test_csv_missing_id_and_empty_text(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("id,title,description\n,a,b\n2,,\n3,  , \n4,t,\n", encoding="utf-8")
    assert _read(path) == [
        BadRow(2, "missing id (column 'id')"),
        BadRow(3, "missing or empty text", "2"),
        BadRow(4, "missing or empty text", "3"),
        Row("4", "t", 5),
    ]


def test_csv_text_column_wins_and_falls_back(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("id,text,title,description,seller\n1,full,t,d,s1\n2,,t,d,s2\n", encoding="utf-8")
    rows = _read(path, extra_columns=["seller"])
    assert rows == [Row("1", "full", 2, (), {"seller": "s1"}), Row("2", "t\nd", 3, (), {"seller": "s2"})]
    explicit = _read(path, text_column="description")
    assert [r.text for r in explicit if isinstance(r, Row)] == ["d", "d"]
    only_text = _read(path, text_column="text")
    assert only_text[1] == BadRow(3, "missing or empty text", "2")


def test_csv_bom_gzip_and_custom_columns(tmp_path: Path) -> None:
    path = tmp_path / "in.csv.gz"
    with gzip.open(path, "wb") as fh:
        fh.write("\ufefflisting_id,name,body\n 7 ,象牙,手镯\n".encode())
    rows = _read(path, id_column="listing_id", title_column="name", description_column="body")
    assert rows == [Row("7", "象牙\n手镯", 2)]


def test_csv_missing_columns_raise_up_front(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("listing,title\n1,a\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"has no 'id' column; columns are: 'listing', 'title'"):
        read_listings(path)  # raises at the call, before iteration
    path.write_text("id,seller\n1,a\n", encoding="utf-8")
    with pytest.raises(ValueError, match="has no text"):
        read_listings(path)
    with pytest.raises(ValueError, match="has no 'body' column"):
        read_listings(path, text_column="body")
    with pytest.raises(ValueError, match="has no 'price' column"):
        read_listings(path, text_column="seller", extra_columns=["price"])
    path.write_text("", encoding="utf-8")
    with pytest.raises(ValueError, match="is empty"):
        read_listings(path)


def test_large_csv_text_is_truncated_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    big = "x" * (3 << 20)
    path.write_text(f'id,text\n1,"{big}"\n2,small\n', encoding="utf-8")
    rows = _read(path)
    first = rows[0]
    assert isinstance(first, Row)
    assert len(first.text) == 1 << 20
    assert first.warnings == ("text truncated to 1048576 bytes (was 3145728)",)
    assert rows[1] == Row("2", "small", 3)


def test_truncation_cuts_at_a_character_boundary(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": 1, "text": "éé象x"}, ensure_ascii=False) + "\n", encoding="utf-8")
    (row,) = _read(path, max_text_bytes=6)  # é é = 4 bytes, 象 = 3 bytes: does not fit
    assert isinstance(row, Row)
    assert row.text == "éé"
    assert row.warnings == ("text truncated to 6 bytes (was 8)",)
    (row,) = _read(path, max_text_bytes=7)
    assert isinstance(row, Row)
    assert row.text == "éé象"
    with pytest.raises(ValueError, match="max_text_bytes"):
        read_listings(path, max_text_bytes=0)


# -- JSON Lines -------------------------------------------------------------------------------------------------


def test_jsonl_bad_lines_do_not_stop_the_stream(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(
        b'\xef\xbb\xbf{"id": 1, "title": "Ivory", "description": "bangle"}\n'
        b'{"id": "2", "title": "broken"\n'
        b"[1, 2]\n"
        b"\n"
        b'{"id": "5", "text": "bad \xff byte"}\n'
        b'{"text": "no id"}\r\n'
        b'{"id": "7", "text": null, "title": "", "description": null}\n'
        b'{"id": "8", "text": "lone \\ud800 surrogate"}\n'
        b'{"id": 9.5, "text": "float id"}\n'
        b'"just a string"\n'
        b'{"id": "11", "text": "last", "seller": {"name": "x"}}'
    )
    rows = _read(path, extra_columns=["seller"])
    assert [r.line for r in rows] == [1, 2, 3, 5, 6, 7, 8, 9, 10, 11]
    assert rows[0] == Row("1", "Ivory\nbangle", 1, (), {"seller": None})
    assert isinstance(rows[1], BadRow)
    assert rows[1].error.startswith("invalid JSON: ")
    assert rows[2] == BadRow(3, "the JSON value is an array, not an object")
    assert rows[3] == BadRow(5, "invalid UTF-8 at byte 25 of the line")
    assert rows[4] == BadRow(6, "missing id (column 'id')")
    assert rows[5] == BadRow(7, "missing or empty text", "7")
    assert rows[6] == BadRow(8, "invalid UTF-8 in field 'text'", "8")
    assert isinstance(rows[7], BadRow)
    assert "must be a string or an integer" in rows[7].error
    assert rows[8] == BadRow(10, "the JSON value is a string, not an object")
    assert rows[9] == Row("11", "last", 11, (), {"seller": {"name": "x"}})


def test_jsonl_gzip(tmp_path: Path) -> None:
    path = tmp_path / "in.ndjson.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for i in range(3):
            fh.write(json.dumps({"id": i, "title": f"t{i}"}) + "\n")
    assert _read(path) == [Row(str(i), f"t{i}", i + 1) for i in range(3)]


def test_jsonl_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_listings(tmp_path / "nope.jsonl")


# -- Parquet ----------------------------------------------------------------------------------------------------


def test_parquet_rows_in_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers_module, "_PARQUET_BATCH_ROWS", 2)
    path = tmp_path / "in.parquet"
    table = pa.table(
        {
            "id": pa.array([10, 11, None, 13, 14, 15], pa.int64()),
            "title": ["a", None, "c", None, "e", "f"],
            "description": ["A", None, "C", "D", None, "F"],
            "raw": pa.array([b"r", b"r", b"r", b"r", b"r", b"\xff"], pa.binary()),
            "price": [1.5, 2.0, 3.0, 4.0, None, 6.0],
        }
    )
    pq.write_table(table, path, row_group_size=4)
    rows = _read(path, extra_columns=["price", "raw"])
    assert rows == [
        Row("10", "a\nA", 1, (), {"price": 1.5, "raw": "r"}),
        BadRow(2, "missing or empty text", "11"),
        BadRow(3, "missing id (column 'id')"),
        Row("13", "D", 4, (), {"price": 4.0, "raw": "r"}),
        Row("14", "e", 5, (), {"price": None, "raw": "r"}),
        BadRow(6, "invalid UTF-8 in field 'raw'", "15"),
    ]
    assert _read(path, text_column="raw")[1] == Row("11", "r", 2)


def test_parquet_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "in.pq"
    pq.write_table(pa.table({"id": ["1"], "seller": ["s"]}), path)
    with pytest.raises(ValueError, match=r"has no text: .* columns are: 'id', 'seller'"):
        read_listings(path)
    with pytest.raises(ValueError, match="has no 'uid' column"):
        read_listings(path, id_column="uid", text_column="seller")
    assert _read(path, text_column="seller") == [Row("1", "s", 1)]


def test_reader_is_lazy_and_closable(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("id,text\n" + "".join(f"{i},t{i}\n" for i in range(1000)), encoding="utf-8")
    stream = read_listings(path)
    assert next(stream) == Row("0", "t0", 2)
    stream.close()


def test_csv_bad_bytes_deep_in_a_large_file(tmp_path: Path) -> None:
    # the CSV decoder is incremental: bad bytes far into the file only spoil their own row
    path = tmp_path / "in.csv"
    buf = io.BytesIO()
    buf.write(b"id,text\n")
    for i in range(5000):
        buf.write(f"{i},{'y' * 50}\n".encode() if i != 2500 else b"2500,\xe9\xff\n")
    path.write_bytes(buf.getvalue())
    rows = _read(path)
    assert len(rows) == 5000
    assert [r.line for r in rows if isinstance(r, BadRow)] == [2502]
