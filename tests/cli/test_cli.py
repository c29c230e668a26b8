"""The real `wildwatch` command on real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "src" / "wildwatch" / "data" / "demo" / "listings.jsonl"
FIXTURE_CITES = ROOT / "tests" / "fixtures" / "cites_sample.csv"


def ww(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wildwatch", *args], capture_output=True, text=True, input=stdin,
                          timeout=120, check=False)


def test_check_json() -> None:
    r = ww("check", "Carved rhino horn for sale, WhatsApp me", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert set(d) >= {"verdict", "score", "hits", "reasons", "library_version"}
    assert d["verdict"] == "block"
    assert any(h["kind"] == "product" for h in d["hits"])


def test_check_human_and_search() -> None:
    r = ww("check", "vintage wooden chair")
    assert r.returncode == 0 and r.stdout.startswith("ALLOW")
    r = ww("check", "--search", "ngà voi", "--lang", "vi", "--json")
    d = json.loads(r.stdout)
    assert d["intercept"] is True and d["lang"] == "vi" and d["message"]


def test_scan_demo_to_stdout() -> None:
    r = ww("scan", str(DEMO))
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(rows) == 40
    assert [row["id"] for row in rows] == [f"d{i:03d}" for i in range(1, 41)]
    assert all(set(row) >= {"id", "verdict", "score", "hits", "reasons", "library_version"} for row in rows)
    verdicts = {row["id"]: row["verdict"] for row in rows}
    assert verdicts["d002"] == "allow" and verdicts["d004"] == "block"
    assert "wildwatch scan summary" in r.stderr and "listings/s" in r.stderr


def test_scan_csv_with_bad_rows(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(
        b"id,title,description\n"
        b"1,Rhino horn,for sale\n"
        b"2,Bad \xff\xfe bytes,here\n"
        b",no id,at all\n"
        b"4,Garden chair,\"multi\nline\"\n"
    )
    r = ww("scan", str(src))
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["id"] for row in rows] == ["1", "4"]
    assert "line 3" in r.stderr and "invalid UTF-8" in r.stderr
    assert "line 4" in r.stderr


def test_scan_parquet_output_and_workers(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out1 = tmp_path / "one.jsonl"
    out2 = tmp_path / "two.jsonl"
    outp = tmp_path / "out.parquet"
    assert ww("scan", str(DEMO), "-o", str(out1)).returncode == 0
    assert ww("scan", str(DEMO), "-o", str(out2), "--workers", "2").returncode == 0
    assert out1.read_text() == out2.read_text()
    r = ww("scan", str(DEMO), "-o", str(outp))
    assert r.returncode == 0, r.stderr
    table = pq.read_table(outp)
    assert table.num_rows == 40 and {"id", "verdict", "score", "hits", "reasons"} <= set(table.column_names)


def test_scan_truncates_long_text_with_a_warning(tmp_path: Path) -> None:
    src = tmp_path / "big.jsonl"
    src.write_text(json.dumps({"id": "x", "text": "rhino horn for sale " + "filler " * 5000}) + "\n")
    r = ww("scan", str(src), "--max-text-bytes", "1000")
    row = json.loads(r.stdout)
    assert row["verdict"] == "block"
    assert any("truncated" in w for w in row["warnings"])


def test_eval(tmp_path: Path) -> None:
    src = tmp_path / "labelled.csv"
    src.write_text("text,label\nrhino horn for sale,1\nivory dress,0\ngarden chair,0\npangolin scales for sale,1\n")
    r = ww("eval", str(src), "--label-column", "label", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert (d["tp"], d["fp"], d["fn"], d["tn"]) == (2, 0, 0, 2) and d["f1"] == 1.0
    r = ww("eval", str(src), "--label-column", "label")
    assert "precision 1.000" in r.stdout and "worst false positives" in r.stdout


def test_library_build_info_and_use(tmp_path: Path) -> None:
    bundle = tmp_path / "lib.wwlib"
    r = ww("library", "build", "-o", str(bundle), "--version-label", "2026.11.test")
    assert r.returncode == 0, r.stderr
    r = ww("library", "info", str(bundle))
    assert "2026.11.test" in r.stdout and "taxa:" in r.stdout
    r = ww("check", "rhino horn for sale", "--json", "--library", str(bundle))
    assert json.loads(r.stdout)["library_version"] == "2026.11.test"


def test_library_import_cites(tmp_path: Path) -> None:
    r = ww("library", "import-cites", str(FIXTURE_CITES), "-o", str(tmp_path / "cites"))
    assert r.returncode == 0, r.stderr
    taxa = json.loads((tmp_path / "cites" / "taxa.json").read_text())
    assert any(t["scientific_name"] == "Loxodonta africana" and t["cites_appendix"] == "I" for t in taxa)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("scan", "/no/such/file.jsonl"), "No such file"),
        (("scan", "listings.xlsx"), "cannot tell the format"),
        (("check", "x", "--profile", "nope"), "unknown policy profile"),
        (("check", "x", "--library", "/no/such.wwlib"), "No such file"),
    ],
)
def test_errors_are_clear(args: tuple[str, ...], message: str) -> None:
    r = ww(*args)
    assert r.returncode == 2
    assert message in r.stderr and "Traceback" not in r.stderr
