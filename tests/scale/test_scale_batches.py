"""The executor side of a distributed scan, without Spark: records of each input kind follow the local reader's
rules, bad rows are kept with their reason, and the output schema is the local Parquet schema plus ``error``."""

from __future__ import annotations

import pyarrow as pa

from wildwatch.detect.engine import Detector
from wildwatch.detect.library import load_starter
from wildwatch.io.writers import result_schema
from wildwatch.scale.batches import (
    CORRUPT,
    LINE,
    SOURCE,
    ScanSpec,
    decide_columns,
    detector_for,
    records,
    release_digest,
    scan_batches,
)
from wildwatch.scale.spark import columns

BUNDLE = load_starter().to_bundle()


def spec(kind: str, **kw: object) -> ScanSpec:
    return ScanSpec(columns(**kw), kind, None, release_digest(BUNDLE))  # type: ignore[arg-type]


def test_csv_values_arrive_as_latin1_and_are_decoded_as_utf8_here() -> None:
    text = "象牙手镯 出售"
    latin = text.encode("utf-8").decode("latin-1")  # what Spark's ISO-8859-1 reader hands over
    rows = list(records({"id": ["1", "2", "3"], "text": [latin, "bad \xff", "x"], CORRUPT: [None, None, "3,x,y"],
                         SOURCE: ["file:/in.csv"] * 3}, spec("csv")))
    assert rows[0].text == text  # type: ignore[union-attr]
    assert rows[1].error == "file:/in.csv: invalid UTF-8 in field 'text'" and rows[1].id == "2"  # type: ignore[union-attr]
    assert rows[2].error.startswith("file:/in.csv: malformed CSV record") and rows[2].id == "3"  # type: ignore[union-attr]


def test_jsonl_lines_follow_the_local_reader() -> None:
    lines = [b'\xef\xbb\xbf{"id": 1, "text": "ivory"}', b"", b"{broken", b'{"id": 2, "text": "\xff"}', b"[1]",
             b'{"text": "no id"}']
    rows = list(records({LINE: lines, SOURCE: ["f"] * len(lines)}, spec("jsonl")))
    assert [getattr(r, "id", None) for r in rows] == ["1", None, None, None, None]  # the blank line is skipped
    assert [getattr(r, "error", "").split(": ", 1)[-1][:12] for r in rows[1:]] == [
        "invalid JSON", "invalid UTF-", "the JSON val", "missing id (",
    ]


def test_decide_keeps_bad_rows_in_order_and_truncates_like_the_local_reader() -> None:
    det = Detector(load_starter())
    s = spec("parquet", max_text_bytes=20)
    text = "ivory bangle for sale, real elephant tusk"
    cols = decide_columns(list(records({"id": [1, None, 3], "text": [text, "x", " "]}, s)), det)
    assert cols["id"] == ["1", None, "3"]
    assert cols["warnings"][0] == [f"text truncated to 20 bytes (was {len(text)})"]
    assert cols["error"] == [None, "input: missing id (column 'id')", "input: missing or empty text"]
    assert cols["verdict"][1:] == [None, None] and cols["verdict"][0] == det.check(text[:20]).verdict


def test_the_detector_is_built_once_per_process_and_release() -> None:
    built: list[int] = []
    s = spec("parquet")
    first = detector_for(s, lambda: BUNDLE, lambda: built.append(1))
    assert detector_for(s, lambda: BUNDLE, lambda: built.append(1)) is first and built == [1]
    other = ScanSpec(s.cols, "parquet", None, "another-release")
    assert detector_for(other, lambda: BUNDLE, lambda: built.append(1)) is not first and built == [1, 1]


def test_scan_batches_yields_the_output_schema() -> None:
    batch = pa.RecordBatch.from_pydict({"id": ["1", "2"], "text": ["rhino horn powder", "a chair"]})
    out = list(scan_batches([batch, batch.slice(0, 0)], spec("parquet"), lambda: BUNDLE))
    assert len(out) == 1 and out[0].num_rows == 2
    assert out[0].schema.names == [*result_schema().names, "error"]
    expected = [d.verdict for d in Detector(load_starter()).check_many(["rhino horn powder", "a chair"])]
    assert out[0].column("verdict").to_pylist() == expected == ["review", "allow"]
