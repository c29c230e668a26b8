"""tools/audit_deps.py: findings fail the audit unless the ignore list explains them; the list's entries need a
reason and a review date, and go stale; an audit that could check nothing says so (and fails with --require)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("audit_deps", ROOT / "tools" / "audit_deps.py")
assert spec and spec.loader
audit = importlib.util.module_from_spec(spec)
sys.modules["audit_deps"] = audit  # its dataclasses look their module up
spec.loader.exec_module(audit)
TODAY = dt.date(2026, 11, 30)


def report(*deps: dict[str, Any]) -> dict[str, Any]:
    """pip-audit's JSON report (``-f json``)."""
    return {"dependencies": list(deps), "fixes": []}


DJANGO = {"name": "django", "version": "5.2.1", "vulns": [
    {"id": "PYSEC-2025-1", "fix_versions": ["5.2.2"], "aliases": ["CVE-2025-0001", "GHSA-aaaa-bbbb-cccc"],
     "description": "..."}]}
CLEAN = {"name": "numpy", "version": "2.3.0", "vulns": []}
SKIPPED = {"name": "pdqhash", "skip_reason": "Dependency not found on PyPI and could not be audited: pdqhash (0.2.8)"}


def run(reports: list[dict[str, Any]], ignore_toml: str, tmp_path: Path, require: bool = False) -> tuple[int, str]:
    outcome = audit.Outcome()
    for r in reports:
        audit.parse_report(r, outcome)
    path = tmp_path / "audit-ignore.toml"
    path.write_text(ignore_toml, encoding="utf-8")
    ignores, problems = audit.load_ignores(path, TODAY)
    status, lines = audit.decide(outcome, ignores, problems, total=3, require=require)
    return status, "\n".join(lines)


def test_an_unexplained_vulnerability_fails(tmp_path: Path) -> None:
    status, out = run([report(DJANGO, CLEAN, SKIPPED)], "", tmp_path)
    assert status == 1
    assert "VULNERABLE: django 5.2.1 PYSEC-2025-1" in out and "fixed in 5.2.2" in out
    assert "audited 2 of 3" in out


def test_an_entry_with_a_reason_explains_it_by_id_or_alias(tmp_path: Path) -> None:
    entry = ('[[ignore]]\nid = "GHSA-aaaa-bbbb-cccc"\npackage = "Django"\n'
             'reason = "only the admin docs view, not installed"\nreview_by = 2027-01-31\n')
    status, out = run([report(DJANGO, CLEAN)], entry, tmp_path)
    assert status == 0, out
    assert "ignored: django 5.2.1 PYSEC-2025-1 (only the admin docs view, not installed)" in out
    # the second service reporting the same finding does not count it twice
    status, out = run([report(DJANGO), report(DJANGO)], entry, tmp_path)
    assert status == 0 and "1 known vulnerabilities, 1 ignored" in out


def test_entries_need_a_reason_and_a_review_date_that_has_not_passed(tmp_path: Path) -> None:
    no_reason = '[[ignore]]\nid = "PYSEC-2025-1"\npackage = "django"\nreview_by = 2027-01-31\n'
    status, out = run([report(DJANGO)], no_reason, tmp_path)
    assert status == 1 and "missing reason" in out
    expired = '[[ignore]]\nid = "PYSEC-2025-1"\npackage = "django"\nreason = "x"\nreview_by = 2026-11-01\n'
    status, out = run([report(DJANGO)], expired, tmp_path)
    assert status == 1 and "review date 2026-11-01 has passed" in out


def test_a_stale_entry_fails(tmp_path: Path) -> None:
    stale = '[[ignore]]\nid = "PYSEC-2020-9"\npackage = "numpy"\nreason = "old"\nreview_by = 2027-01-31\n'
    status, out = run([report(CLEAN)], stale, tmp_path)
    assert status == 1 and "stale ignore entry PYSEC-2020-9" in out


def test_an_audit_that_checked_nothing_says_so(tmp_path: Path) -> None:
    status, out = run([report(SKIPPED)], "", tmp_path)
    assert status == 0 and "AUDIT NOT POSSIBLE HERE" in out
    status, _ = run([report(SKIPPED)], "", tmp_path, require=True)
    assert status == 2


def test_the_committed_ignore_list_is_valid() -> None:
    ignores, problems = audit.load_ignores(ROOT / "audit-ignore.toml", dt.date.today())
    assert problems == []
    assert all(e["reason"].strip() for e in ignores)


def test_the_tool_runs_pip_audit_on_a_lock(tmp_path: Path, capsys: Any) -> None:
    lock = tmp_path / "tiny.lock"
    lock.write_text("six==1.16.0\n    # via nothing\n", encoding="utf-8")
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    status = audit.main(["--lock", str(lock), "--ignore", str(tmp_path / "none.toml")])
    out = capsys.readouterr().out
    # offline here (no vulnerability data reaches this machine), audited where the services answer
    assert ("AUDIT NOT POSSIBLE HERE: none of the 1 locked" in out and status == 0) or \
        ("audited 1 of 1" in out and status in (0, 1))
