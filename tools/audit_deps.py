"""The dependency audit: pip-audit over the locked dependencies (requirements-spark.lock, the superset of every lock),
against PyPI's and OSV's vulnerability data, with the committed ignore list ``audit-ignore.toml``.

    python tools/audit_deps.py [--require] [--lock FILE] [--ignore FILE]

* A known vulnerability that is not in the ignore list fails the audit (exit 1), listed with its fix versions.
* Every ignore entry must give the vulnerability ``id``, the ``package``, a ``reason`` and a ``review_by`` date; an
  entry past its date, or one that no longer matches any finding, fails the audit too, so the list stays true.
* When no service can be reached or none knows the pinned versions (an offline or mirrored network: PyPI's
  per-version JSON missing, api.osv.dev unresolvable), nothing could be checked: the audit says so loudly and exits 0,
  or 2 with ``--require`` (``WILDWATCH_AUDIT_REQUIRED=1``), which a CI with network access should set.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("pypi", "osv")


@dataclass
class Finding:
    package: str
    version: str
    id: str
    aliases: list[str]
    fix_versions: list[str]

    def names(self) -> set[str]:
        return {self.id, *self.aliases}


@dataclass
class Outcome:
    audited: set[str] = field(default_factory=set)  # "package==version" that at least one service knew
    findings: dict[tuple[str, str], Finding] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def parse_report(report: dict[str, Any], outcome: Outcome) -> None:
    """Adds one pip-audit JSON report (``-f json``) to the outcome."""
    for dep in report.get("dependencies", []):
        if "skip_reason" in dep:
            continue
        name, version = str(dep["name"]).lower(), str(dep.get("version", ""))
        outcome.audited.add(f"{name}=={version}")
        for vuln in dep.get("vulns", []):
            finding = Finding(name, version, str(vuln["id"]), [str(a) for a in vuln.get("aliases", [])],
                              [str(v) for v in vuln.get("fix_versions", [])])
            outcome.findings.setdefault((name, finding.id), finding)


def load_ignores(path: Path, today: dt.date) -> tuple[list[dict[str, Any]], list[str]]:
    """The ignore entries, and the problems with them (missing fields, a review date passed)."""
    if not path.exists():
        return [], []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    entries = data.get("ignore", [])
    problems = []
    for n, entry in enumerate(entries, 1):
        missing = [k for k in ("id", "package", "reason", "review_by") if not str(entry.get(k, "")).strip()]
        if missing:
            problems.append(f"{path.name} entry {n}: missing {', '.join(missing)}")
            continue
        review_by = entry["review_by"]
        if not isinstance(review_by, dt.date):
            problems.append(f"{path.name} entry {n} ({entry['id']}): review_by must be a date (YYYY-MM-DD)")
        elif review_by < today:
            problems.append(f"{path.name} entry {n} ({entry['id']}): review date {review_by} has passed; "
                            "look at the vulnerability again and renew or remove the entry")
    return entries, problems


def decide(outcome: Outcome, ignores: list[dict[str, Any]], problems: list[str], *, total: int,
           require: bool) -> tuple[int, list[str]]:
    """Exit status and the lines to print."""
    lines = list(problems)
    status = 1 if problems else 0
    used: set[int] = set()
    for finding in sorted(outcome.findings.values(), key=lambda f: (f.package, f.id)):
        matched = [n for n, e in enumerate(ignores) if str(e.get("package", "")).lower() == finding.package
                   and str(e.get("id", "")) in finding.names()]
        if matched:
            used.update(matched)
            lines.append(f"ignored: {finding.package} {finding.version} {finding.id} "
                         f"({ignores[matched[0]].get('reason', '')})")
            continue
        status = 1
        fix = ", ".join(finding.fix_versions) or "no fixed version yet"
        lines.append(f"VULNERABLE: {finding.package} {finding.version} {finding.id} "
                     f"(aliases {', '.join(finding.aliases) or '-'}; fixed in {fix})")
    if outcome.audited:
        for n, entry in enumerate(ignores):
            if n not in used and any(a.startswith(f"{str(entry.get('package', '')).lower()}==")
                                     for a in outcome.audited):
                status = 1
                lines.append(f"stale ignore entry {entry.get('id')} ({entry.get('package')}): no longer found; "
                             "remove it")
    lines.extend(outcome.errors)
    if not outcome.audited:
        lines.append(f"AUDIT NOT POSSIBLE HERE: none of the {total} locked dependencies could be checked "
                     f"(services tried: {', '.join(SERVICES)}); no vulnerability data reached this machine")
        if require:
            status = max(status, 2)
    else:
        lines.append(f"audited {len(outcome.audited)} of {total} locked dependencies; "
                     f"{len(outcome.findings)} known vulnerabilities, {len(used)} ignored with a reason")
    return status, lines


def run_pip_audit(lock: Path, service: str) -> tuple[dict[str, Any] | None, str]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        proc = subprocess.run([sys.executable, "-m", "pip_audit", "-r", str(lock), "--no-deps", "--disable-pip",
                               "-s", service, "--progress-spinner", "off", "--timeout", "15", "-f", "json",
                               "-o", str(out)], capture_output=True, text=True, check=False)
        if not out.exists():
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return None, f"pip-audit -s {service}: {last[:300]}"
        return json.loads(out.read_text(encoding="utf-8")), ""


def locked_count(lock: Path) -> int:
    return sum(1 for line in lock.read_text(encoding="utf-8").splitlines()
               if line and not line.startswith((" ", "#", "-")) and "==" in line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lock", type=Path, default=ROOT / "requirements-spark.lock")
    parser.add_argument("--ignore", type=Path, default=ROOT / "audit-ignore.toml")
    parser.add_argument("--require", action="store_true",
                        default=os.environ.get("WILDWATCH_AUDIT_REQUIRED") == "1",
                        help="fail (exit 2) when no dependency could be audited")
    args = parser.parse_args(argv)
    outcome = Outcome()
    for service in SERVICES:
        report, error = run_pip_audit(args.lock, service)
        if report is None:
            outcome.errors.append(error)
        else:
            parse_report(report, outcome)
    ignores, problems = load_ignores(args.ignore, dt.date.today())
    status, lines = decide(outcome, ignores, problems, total=locked_count(args.lock), require=args.require)
    print("\n".join(lines))
    return status


if __name__ == "__main__":
    sys.exit(main())
