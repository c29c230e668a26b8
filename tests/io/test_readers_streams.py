"""Robustness of wildwatch.io.readers: pipes, and random mixes of good and undecodable CSV records."""

from __future__ import annotations

import csv
import io
import os
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wildwatch.io import BadRow, Row, read_listings

_CHARS = st.sampled_from(["a", "Z", " ", ",", '"', "\n", "\r\n", "é", "象", "🐘"])
_FIELD = st.lists(_CHARS, max_size=12).map("".join)
_GOOD = st.tuples(st.just("good"), _FIELD, _FIELD).filter(lambda r: bool(r[1].strip() or r[2].strip()))
_BAD = st.tuples(st.just("bad"), _FIELD, _FIELD)


def _lines(chunk: bytes) -> int:
    return len(io.StringIO(chunk.decode("utf-8", "surrogateescape"), newline="").readlines())


@settings(max_examples=150, deadline=None)
@given(records=st.lists(st.one_of(_GOOD, _BAD), max_size=25))
def test_bad_bytes_never_cost_a_good_csv_record(
    tmp_path_factory: pytest.TempPathFactory, records: list[tuple[str, str, str]]
) -> None:
    path = tmp_path_factory.mktemp("csv") / "in.csv"
    data = bytearray(b"id,title,description\r\n")
    line = 2
    expected: list[Row | BadRow] = []
    for i, (kind, title, description) in enumerate(records):
        out = io.StringIO()
        csv.writer(out).writerow([f"id{i}", title + "@" if kind == "bad" else title, description])
        chunk = out.getvalue().encode().replace(b"@", b"\xff")
        if kind == "good":
            expected.append(Row(f"id{i}", "\n".join(p for p in (title, description) if p.strip()), line))
        else:
            expected.append(BadRow(line, "invalid UTF-8 in field 'title'", f"id{i}"))
        data += chunk
        line += _lines(chunk)
    path.write_bytes(bytes(data))
    assert list(read_listings(path)) == expected


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize(
    ("fmt", "payload"),
    [("csv", b"id,text\n1,a\n2,b\n"), ("jsonl", b'{"id":1,"text":"a"}\n{"id":2,"text":"b"}\n')],
)
def test_reads_a_pipe_once(tmp_path: Path, fmt: str, payload: bytes) -> None:
    fifo = tmp_path / "in.pipe"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as fh:
            fh.write(payload)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    rows = list(read_listings(fifo, fmt=fmt))
    feeder.join(timeout=5)
    line = 2 if fmt == "csv" else 1
    assert rows == [Row("1", "a", line), Row("2", "b", line + 1)]
