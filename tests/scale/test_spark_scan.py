"""The Spark engine in local mode: same decisions as the local engine on the same input (JSON Lines, CSV, Parquet),
Unicode from every script the library covers, bad rows reported and kept, long texts truncated with the local
engine's warning, empty inputs, the detector built once per executor process, a platform's own DataFrame, a release
with a model, and the errors a user can make."""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from wildwatch.cli import main as cli
from wildwatch.detect.library import LibraryError, load_starter
from wildwatch.io.writers import result_schema
from wildwatch.scale.spark import release_bundle, scan_dataframe, scan_to_parquet

STARTER = load_starter()


def corpus(n_per_lang: int = 6, seed: int = 3) -> list[dict[str, Any]]:
    """Listings in every language of the starter library (its own terms in sale sentences), plain listings, and
    texts with emoji, combining marks and right-to-left script."""
    rng = random.Random(seed)
    by_lang: dict[str, list[str]] = {}
    for t in STARTER.terms:
        by_lang.setdefault(t.lang, []).append(t.term)
    rows: list[dict[str, Any]] = []
    for lang in sorted(by_lang):
        for term in rng.sample(sorted(by_lang[lang]), min(n_per_lang, len(by_lang[lang]))):
            rows.append({"id": f"{lang}-{len(rows)}", "text": f"{term} — 100% real, DM / WhatsApp for price 💬"})
    plain = ["Vintage wooden chair, pick up only", "Ivory lace wedding dress, size 38", "Éléphant en bois sculpté",
             "ช้างไม้แกะสลัก ของตกแต่งบ้าน", "خاتم فضة مع حجر العقيق", "木製の象の置物", "Cafe\u0301 table, oak"]
    rows += [{"id": f"plain-{i}", "title": t, "description": "great condition"} for i, t in enumerate(plain)]
    return rows


def write(rows: list[dict[str, Any]], path: Path) -> Path:
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    elif path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=["id", "text", "title", "description"])
            w.writeheader()
            w.writerows(rows)
    else:
        names = ["id", "text", "title", "description"]
        pq.write_table(pa.table({n: [r.get(n) for r in rows] for n in names}), path, row_group_size=16)
    return path


def by_id(path: Path) -> dict[str, dict[str, Any]]:
    return {r["id"]: {k: v for k, v in r.items() if k != "error"} for r in pq.read_table(path).to_pylist()
            if r.get("verdict") is not None}


def local_scan(path: Path, out: Path, *extra: str) -> dict[str, dict[str, Any]]:
    assert cli(["scan", str(path), "-o", str(out), "--no-progress", *extra]) == 0
    return by_id(out)


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_decisions_are_identical_to_the_local_engine(spark: Any, tmp_path: Path, suffix: str) -> None:
    rows = corpus()
    src = write(rows, tmp_path / f"in{suffix}")
    local = local_scan(src, tmp_path / "local.parquet")
    report = scan_to_parquet(spark, src.as_uri(), str(tmp_path / "spark"))  # a file:// URI, as any Hadoop URI
    remote = by_id(tmp_path / "spark")
    assert len(local) == len(rows) and remote == local
    assert report.listings == len(rows) and report.bad_rows == 0
    assert sum(report.verdicts.values()) == len(rows) and report.verdicts.get("block", 0) > 20


def test_every_script_of_the_library_is_decided_with_its_hits(spark: Any, tmp_path: Path) -> None:
    rows = corpus(n_per_lang=3)
    scan_to_parquet(spark, str(write(rows, tmp_path / "in.parquet")), str(tmp_path / "out"))
    out = by_id(tmp_path / "out")
    langs = {r["id"].split("-")[0] for r in rows if not r["id"].startswith("plain")}
    assert len(langs) >= 20  # ar, hi, ja, ko, ru, th, zh ... all there
    hit_langs = {h["lang"] for r in out.values() for h in r["hits"]}
    assert {"ar", "hi", "ja", "ko", "ru", "th", "zh", "vi"} <= hit_langs
    texts = {r["id"]: r.get("text") or r["title"] for r in rows}
    for rid, decision in out.items():  # every hit's offsets point into the text as Spark delivered it
        for h in decision["hits"]:
            assert 0 <= h["start"] < h["end"] <= len(texts[rid]) + 1, (rid, h)


def test_bad_rows_are_reported_and_kept(spark: Any, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"id": 1, "text": "rhino horn powder"}\n{broken\n{"id": 2, "text": "bad \xff"}\n[1]\n'
                    b'{"text": "no id"}\n{"id": 3, "text": "  "}\n\n{"id": 4, "text": "a chair"}\n')
    report = scan_to_parquet(spark, str(src), str(tmp_path / "out"))
    table = pq.read_table(tmp_path / "out").to_pylist()
    errors = sorted(r["error"].split(": ", 1)[1] for r in table if r["error"])
    assert errors == ["invalid JSON: Expecting property name enclosed in double quotes (column 2)",
                      "invalid UTF-8 at byte 23 of the line", "missing id (column 'id')",
                      "missing or empty text", "the JSON value is an array, not an object"]
    assert {r["id"] for r in table if r["error"]} == {None, "3"}
    assert all(r["verdict"] is None for r in table if r["error"])
    assert report.bad_rows == 5 and report.listings == 2 and len(report.errors) == 5
    assert cli(["scan", str(src), "-o", str(tmp_path / "local.jsonl"), "--no-progress"]) == 0
    assert len((tmp_path / "local.jsonl").read_text().splitlines()) == report.listings


def test_bad_csv_records_are_reported_and_kept(spark: Any, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes('\ufeffid,title,description\n1,"Ivory ""tusk"" carving","two\nlines"\n2,a,b,c\n3,bad \xff,x\n'
                    '4,only two\n5,Tiger bone wine,\n'.encode().replace(b"\xc3\xbf", b"\xff"))
    report = scan_to_parquet(spark, str(src), str(tmp_path / "out"))
    rows = {r["id"]: r for r in pq.read_table(tmp_path / "out").to_pylist()}
    assert rows["1"]["verdict"] and rows["5"]["verdict"] and rows["1"]["error"] is None
    assert "malformed CSV record" in rows["2"]["error"] and "malformed CSV record" in rows["4"]["error"]
    assert rows["3"]["error"].endswith("invalid UTF-8 in field 'title'")
    assert report.bad_rows == 3
    local = local_scan(src, tmp_path / "local.parquet")
    assert {k: rows[k] | {"error": None} for k in local} == {k: v | {"error": None} for k, v in local.items()}


def test_a_text_over_the_limit_is_truncated_with_the_local_warning(spark: Any, tmp_path: Path) -> None:
    long = "Carved ivory bangle, real elephant tusk. " + "é" * 400 + " rhino horn at the end"
    src = write([{"id": "long", "text": long}, {"id": "short", "text": "rhino horn"}], tmp_path / "in.jsonl")
    report = scan_to_parquet(spark, str(src), str(tmp_path / "out"), max_text_bytes=200)
    out = by_id(tmp_path / "out")
    assert out["long"]["warnings"] == [f"text truncated to 200 bytes (was {len(long.encode())})"]
    assert not any(h["term"] == "rhino horn" for h in out["long"]["hits"])  # past the limit: not checked
    assert report.warnings == 1
    assert local_scan(src, tmp_path / "local.parquet", "--max-text-bytes", "200") == out


def test_empty_inputs(spark: Any, tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_bytes(b"")
    report = scan_to_parquet(spark, str(tmp_path / "empty.jsonl"), str(tmp_path / "out1"))
    assert report.listings == 0 and report.bad_rows == 0
    table = pq.read_table(tmp_path / "out1")
    assert table.num_rows == 0 and table.schema.names == [*result_schema().names, "error"]
    write([], tmp_path / "empty.parquet")
    assert scan_to_parquet(spark, str(tmp_path / "empty.parquet"), str(tmp_path / "out2")).listings == 0
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ValueError, match="is empty: a CSV input needs a header row"):
        scan_to_parquet(spark, str(tmp_path / "empty.csv"), str(tmp_path / "out3"))


def test_the_detector_is_built_once_per_executor_process(spark: Any, tmp_path: Path) -> None:
    rows = corpus() * 4
    df = spark.createDataFrame([(f"{i}", r.get("text") or r["title"]) for i, r in enumerate(rows)],
                               "id string, text string").repartition(8)
    builds = spark.sparkContext.accumulator(0)
    out = scan_dataframe(df, STARTER, builds=builds)
    assert out.count() == len(rows)
    assert 1 <= builds.value <= 2  # local[2]: at most two Python workers, reused across the 8 partitions


def test_a_platform_dataframe_with_a_release_file_and_its_model(spark: Any, tmp_path: Path) -> None:
    from wildwatch.model.train import TrainParams, train

    texts = ["white gold carving for sale, pm for price", "selling white gold bangle real"] * 6
    texts += ["wooden chair, pick up only", "kids bike, price negotiable", "phone case, new"] * 6
    model = train(texts, [True] * 12 + [False] * 18, params=TrainParams(folds=3, min_df=1), name="spark-test")
    library = load_starter()
    library.model = {"artefact": model.to_dict(), "settings": {}}
    release = tmp_path / "release.wwlib"
    release.write_bytes(library.to_bundle())
    df = spark.createDataFrame([(7, "white gold bangle, pm for price", "real"), (8, "wooden chair", "oak")],
                               "listing_id long, title string, description string")
    out = {r["id"]: r for r in scan_dataframe(df, str(release), id_column="listing_id").collect()}
    assert out["7"]["verdict"] == "review" and out["8"]["verdict"] == "allow"
    assert any("model:" in reason for reason in out["7"]["reasons"])
    assert out["7"]["library_version"] == library.version


def test_user_errors_are_clear(spark: Any, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"PATH_NOT_FOUND|does not exist"):
        scan_to_parquet(spark, str(tmp_path / "missing.parquet"), str(tmp_path / "o1"))
    src = write([{"id": "1", "text": "x"}], tmp_path / "in.parquet")
    with pytest.raises(ValueError, match="has no 'sku' column"):
        scan_to_parquet(spark, str(src), str(tmp_path / "o2"), id_column="sku")
    (tmp_path / "o3").mkdir()
    with pytest.raises(ValueError, match="already exists"):
        scan_to_parquet(spark, str(src), str(tmp_path / "o3"))
    with pytest.raises(ValueError, match="cannot tell the format"):
        scan_to_parquet(spark, str(tmp_path), str(tmp_path / "o4"))
    with pytest.raises(ValueError, match="has no 'text' column"):
        scan_dataframe(spark.createDataFrame([("1", "x")], "id string, body string"), STARTER, text_column="text")
    with pytest.raises(LibraryError, match="not a library bundle"):
        release_bundle(b"not a bundle")


def test_the_cli_runs_a_spark_scan(tmp_path: Path) -> None:
    src = write(corpus(n_per_lang=1), tmp_path / "in.jsonl")
    run = subprocess.run([sys.executable, "-m", "wildwatch", "scan", str(src), "--engine", "spark", "--master",
                          "local[1]", "-o", str(tmp_path / "out")], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "wildwatch scan summary" in run.stderr and "1 detector(s) built" in run.stderr
    assert by_id(tmp_path / "out") == local_scan(src, tmp_path / "local.parquet")
    bad = subprocess.run([sys.executable, "-m", "wildwatch", "scan", str(src), "--engine", "spark"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "give it with -o OUTPUT" in bad.stderr
