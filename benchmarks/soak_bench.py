"""A soak of the check API: half its peak rate for 120 s, errors, latency and the workers' memory over time.

    python benchmarks/soak_bench.py [--seconds 120] [--workers 2] [--write-docs]

The hub runs as in ``benchmarks/api_bench.py`` (gunicorn, 2 sync workers, production settings, a fresh SQLite
database with the demo data, on 127.0.0.1), with no worker recycling (``--max-requests`` unset), so that a leak
shows. First the peak: a closed loop of single checks (8 connections, 8 s, best of 3). Then the soak: an open loop at
half that rate for ``--seconds``, measured in windows of 10 s (requests, errors, p50 and p99 from the scheduled
send time), with the resident memory (RSS) of every gunicorn worker read at the start of the soak, after each
window and at the end. Goals: no error, and worker memory growing by less than 10% from start to end.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from api_bench import Spec, hub_server, make_bodies, revision, run, sanity, worker_pids  # noqa: E402

WINDOW = 10.0
GOAL_GROWTH = 0.10


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def soak(args: argparse.Namespace) -> dict[str, Any]:
    make_bodies(args.listings)
    with hub_server(args.workers) as hub:
        for _ in range(5):  # every sync worker builds its detector on its first check
            sanity(hub)
        base = Spec(hub.url, hub.key, "/api/v1/check", "check", 8, 2.0, 8.0)
        peak = max(run(hub, base, 1)["rps"] for _ in range(3))
        rate = peak / 2
        pids = worker_pids(hub.pid)
        start = {pid: rss_mb(pid) for pid in pids}
        windows = []
        for i in range(int(args.seconds // WINDOW)):
            w = run(hub, replace(base, rate=rate, warmup=0.5 if i else 2.0, seconds=WINDOW), 1)
            w["rss_mb"] = round(sum(rss_mb(p) for p in pids), 1)
            windows.append(w)
            print(f"window {i + 1}: {w['requests']} requests, {w['errors']} errors, p99 {w['p99_ms']} ms, "
                  f"workers {w['rss_mb']} MB", file=sys.stderr)
        alive = worker_pids(hub.pid)
        end = {pid: rss_mb(pid) for pid in pids}
    requests = sum(w["requests"] for w in windows)
    errors = sum(w["errors"] for w in windows)
    growth = (sum(end.values()) - sum(start.values())) / sum(start.values())
    return {"date": time.strftime("%Y-%m-%d"), "revision": revision(), "workers": args.workers, "peak_rps": peak,
            "rate": round(rate, 1), "seconds": len(windows) * WINDOW, "requests": requests, "errors": errors,
            "p50_ms": max(w["p50_ms"] for w in windows), "p99_ms": max(w["p99_ms"] for w in windows),
            "p99_first_ms": windows[0]["p99_ms"], "p99_last_ms": windows[-1]["p99_ms"],
            "rss_start_mb": round(sum(start.values()), 1), "rss_end_mb": round(sum(end.values()), 1),
            "rss_growth": round(growth, 4), "workers_restarted": sorted(alive) != sorted(pids),
            "windows": windows}


def render(r: dict[str, Any]) -> str:
    rows = "\n".join(f"| {i + 1} | {w['requests']} | {w['errors']} | {w['p50_ms']} | {w['p99_ms']} | {w['rss_mb']} |"
                     for i, w in enumerate(r["windows"]))
    met = "met" if r["errors"] == 0 else "NOT met"
    grown = "met" if r["rss_growth"] < GOAL_GROWTH else "NOT met"
    return "\n".join([
        f"Revision {r['revision']}; {r['workers']} gunicorn workers, SQLite. Peak of single checks (closed loop): "
        f"{r['peak_rps']} requests/s; soak at half of it, {r['rate']} requests/s (open loop) for {r['seconds']:.0f} s: "
        f"{r['requests']:,} checks.",
        "",
        "| window (10 s) | requests | errors | p50 ms | p99 ms | workers' RSS MB |",
        "|---:|---:|---:|---:|---:|---:|",
        rows,
        "",
        f"- Errors: **{r['errors']}** (goal 0: {met}). Worst window p99 {r['p99_ms']} ms (first {r['p99_first_ms']}, "
        f"last {r['p99_last_ms']}).",
        f"- Workers' memory: {r['rss_start_mb']} MB at the start, {r['rss_end_mb']} MB at the end: "
        f"**{r['rss_growth'] * 100:+.1f}%** (goal under +10%: {grown}); workers restarted: "
        f"{'yes' if r['workers_restarted'] else 'no'}.",
    ])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--listings", type=int, default=20_000)
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    ap.add_argument("--write-docs", action="store_true")
    args = ap.parse_args()
    r = soak(args)
    text = render(r)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(r, indent=1))
    if args.write_docs:
        from wildwatch.docsections import replace_section

        replace_section(ROOT / "docs" / "performance.md", "soak_bench",
                        f"Measured {r['date']} with `python benchmarks/soak_bench.py --write-docs`:\n\n{text}",
                        heading="## Soak (`benchmarks/soak_bench.py`)")
    return 0 if r["errors"] == 0 and r["rss_growth"] < GOAL_GROWTH else 1


if __name__ == "__main__":
    raise SystemExit(main())
