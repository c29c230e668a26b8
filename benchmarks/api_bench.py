"""Throughput and latency of the hub's HTTP API against its own bare endpoint, in one run.

    python benchmarks/api_bench.py [--seconds 8] [--warmup 2] [--repeats 3] [--write-docs]

Server: the hub under gunicorn (2 sync workers, as in docs/operations.md) on 127.0.0.1 and a free port, with a fresh
SQLite database in a temporary folder (migrate, demo, then an engineer key of demo-market), WILDWATCH_DEBUG=0 and
WILDWATCH_API_RATE so high that the per-key limit never answers 429. Load: forked client processes (1 by default)
running asyncio. The default client writes pre-built HTTP/1.1 requests on asyncio streams, one connection per
request (the sync workers close every connection anyway); ``--client httpx`` uses an httpx.AsyncClient pool, which
costs ~6x the CPU per request and so, on 2 cores shared with the server, caps the bare endpoint (each run measures
the bare endpoint with httpx too, to show it). Closed loop for the peaks; open loop at half the peak (requests on a
fixed schedule, latency counted from the scheduled time). Listings: ``scan_bench.make_corpus`` (20 languages, ~1%
obfuscated positives). Each scenario runs ``--repeats`` times, interleaved, each time after waiting (``--quiet-wait``
seconds at most) for an idle second, and the best is kept; the CPU seconds of the gunicorn workers, of the load
generator and of the whole machine are read in each measured window.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scan_bench import make_corpus  # noqa: E402

BIN = Path(sys.executable).parent
CORES = os.cpu_count() or 1
GOAL_CHECK_RATIO, GOAL_P99_MS, GOAL_BATCH_LISTINGS_S = 0.70, 20.0, 20_000
#: request bodies, encoded once (the load generator spends nothing on JSON); forked clients inherit them
BODIES: dict[str, list[bytes]] = {}


@dataclass
class Hub:
    url: str
    key: str
    pid: int


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(var: Path) -> tuple[dict[str, str], str]:
    """A fresh database with the demo data set and an engineer key of a member platform: (environment, key).
    The hub runs the code of this checkout (its ``src`` first on the path), in production mode."""
    path = os.pathsep.join(p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path, "WILDWATCH_VAR": str(var), "WILDWATCH_DEBUG": "0",
           "WILDWATCH_SECRET_KEY": secrets.token_urlsafe(50), "WILDWATCH_API_RATE": "100000000",
           "WILDWATCH_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
           "DJANGO_SETTINGS_MODULE": "wildwatch.hub.settings"}

    def hub(*args: str) -> str:
        done = subprocess.run([str(BIN / "wildwatch"), "hub", *args], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"wildwatch hub {' '.join(args)} failed:\n{done.stderr[-2000:]}")
        return done.stdout

    hub("migrate", "--noinput", "-v0")
    hub("demo")
    return env, hub("apikey", "create", "--org", "demo-market", "--name", "api-bench").strip().splitlines()[-1]


@contextmanager
def hub_server(workers: int) -> Iterator[Hub]:
    """The hub under gunicorn; its process group is stopped on the way out, errors included."""
    var = Path(tempfile.mkdtemp(prefix="api-bench-"))
    proc: subprocess.Popen[bytes] | None = None
    try:
        env, key = prepare(var)
        url = f"http://127.0.0.1:{_free_port()}"
        with (var / "gunicorn.log").open("wb") as log:
            proc = subprocess.Popen([str(BIN / "gunicorn"), "wildwatch.hub.wsgi:application", "-w", str(workers),
                                     "-b", url.removeprefix("http://"), "--graceful-timeout", "5"],
                                    env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer:\n" + (var / "gunicorn.log").read_text()[-2000:])
            time.sleep(0.2)
        yield Hub(url, key, proc.pid)
    finally:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        shutil.rmtree(var, ignore_errors=True)


def _stat(pid: int | str) -> list[str]:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # gone
        return ["", "-1"] + ["0"] * 12


def worker_pids(master: int) -> list[int]:
    return [int(d.name) for d in Path("/proc").iterdir() if d.name.isdigit() and int(_stat(d.name)[1]) == master]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes."""
    return sum(int(f[11]) + int(f[12]) for f in map(_stat, pids)) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """(busy, iowait) CPU seconds of the whole machine since boot, from /proc/stat."""
    user, nice, system, _, iowait, irq, softirq = map(int, Path("/proc/stat").read_text().split()[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK"), iowait / os.sysconf("SC_CLK_TCK")


def wait_quiet(limit: float) -> None:
    """Wait, at most ``limit`` seconds, for a second in which the machine is nearly idle (other tenants' jobs come
    in bursts)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        busy0 = machine_cpu()[0]
        time.sleep(1)
        if machine_cpu()[0] - busy0 < 0.1 * CORES:
            return


# --- the load generator (runs in forked client processes) -----------------------------------------------------------

@dataclass
class Spec:
    url: str
    key: str
    path: str
    bodies: str  # a key of BODIES; "" for GET without a body
    concurrency: int
    warmup: float
    seconds: float
    rate: float = 0.0  # requests/s of this client: open loop when set
    client: str = "raw"  # "raw": pre-built requests on asyncio streams; "httpx": an httpx.AsyncClient pool


def _raw_requests(spec: Spec, bodies: list[bytes]) -> list[bytes]:
    """Whole HTTP/1.1 requests, built once, each on its own connection (``Connection: close``)."""
    head = f"{'POST' if spec.bodies else 'GET'} {spec.path} HTTP/1.1\r\nHost: {spec.url[7:]}\r\nConnection: close\r\n"
    head += f"X-Api-Key: {spec.key}\r\n" if spec.key else ""
    return [(head + (f"Content-Type: application/json\r\nContent-Length: {len(b)}\r\n" if b else "")).encode()
            + b"\r\n" + b for b in bodies]


async def _drive(spec: Spec, index: int) -> dict[str, Any]:
    bodies = BODIES.get(spec.bodies, [b""])
    raw = _raw_requests(spec, bodies)
    host, port = spec.url[7:].split(":")
    limits = httpx.Limits(max_connections=spec.concurrency, max_keepalive_connections=spec.concurrency)
    headers = {"X-Api-Key": spec.key, "Content-Type": "application/json"}
    done: list[tuple[float, float, bool]] = []  # (sent or scheduled at, answered at, 200)
    counter = iter(range(index * 7919, 1 << 60))
    async with httpx.AsyncClient(base_url=spec.url, headers=headers, limits=limits, timeout=60) as client:
        async def one(start: float) -> None:
            n = next(counter)
            try:
                if spec.client == "httpx":
                    response = await client.request("POST" if spec.bodies else "GET", spec.path,
                                                    content=bodies[n % len(bodies)] or None)
                    ok = response.status_code == 200
                else:
                    async with asyncio.timeout(60):
                        reader, writer = await asyncio.open_connection(host, int(port))
                        writer.write(raw[n % len(raw)])
                        ok = (await reader.read()).startswith(b"HTTP/1.1 200 ")
                        writer.close()
            except (OSError, httpx.HTTPError):  # TimeoutError is an OSError
                ok = False
            done.append((start, time.perf_counter(), ok))

        t0 = time.perf_counter()
        measure, end = t0 + spec.warmup, t0 + spec.warmup + spec.seconds

        async def meter() -> float:  # this process's CPU seconds in the measured window
            await asyncio.sleep(measure - time.perf_counter())
            cpu0 = time.process_time()
            await asyncio.sleep(end - time.perf_counter())
            return time.process_time() - cpu0

        cpu = asyncio.create_task(meter())
        if spec.rate:  # open loop: one request every 1/rate s, whatever the answers
            sem, tasks, n = asyncio.Semaphore(256), set(), 0

            async def paced(when: float) -> None:
                async with sem:
                    await one(when)

            while (when := t0 + n / spec.rate) < end:
                if (delay := when - time.perf_counter()) > 0:
                    await asyncio.sleep(delay)
                task = asyncio.create_task(paced(when))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                n += 1
            await asyncio.gather(*tasks)
        else:  # closed loop: each connection sends its next request when the answer comes
            async def loop() -> None:
                while (now := time.perf_counter()) < end:
                    await one(now)

            await asyncio.gather(*(loop() for _ in range(spec.concurrency)))
    # open loop: the requests scheduled in the window; closed loop: the answers received in it
    window = [(a, b, ok) for a, b, ok in done if (measure <= a < end if spec.rate else measure <= b < end)]
    return {"count": sum(ok for _, _, ok in window), "errors": sum(not ok for _, _, ok in window),
            "latencies": [b - a for a, b, ok in window if ok], "client_cpu": await cpu}


def _client(args: tuple[Spec, int]) -> dict[str, Any]:
    return asyncio.run(_drive(*args))


def run(hub: Hub, spec: Spec, clients: int, items: int = 1, quiet_wait: float = 0.0) -> dict[str, Any]:
    """One scenario with ``clients`` load-generator processes sharing the connections (and the rate)."""
    wait_quiet(quiet_wait)
    share = replace(spec, concurrency=max(1, spec.concurrency // clients), rate=spec.rate / clients)
    pids = worker_pids(hub.pid)
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        pending = pool.map_async(_client, [(share, i) for i in range(clients)])
        time.sleep(spec.warmup)
        cpu0, (busy0, io0), t0 = cpu_seconds(pids), machine_cpu(), time.perf_counter()
        time.sleep(spec.seconds)
        server_cpu, wall = cpu_seconds(pids) - cpu0, time.perf_counter() - t0
        busy, iowait = (b - a for a, b in zip((busy0, io0), machine_cpu(), strict=True))
        parts = pending.get()
    client_cpu = sum(p["client_cpu"] for p in parts)
    lat = sorted(x for p in parts for x in p["latencies"])
    count = sum(p["count"] for p in parts)

    def pct(q: float) -> float:
        return round(1000 * lat[min(len(lat) - 1, int(q * len(lat)))], 1) if lat else float("nan")

    return {"rps": round(count / spec.seconds), "listings_s": round(count * items / spec.seconds),
            "p50_ms": pct(0.50), "p99_ms": pct(0.99), "requests": count, "errors": sum(p["errors"] for p in parts),
            "server_cpu_ms": round(1000 * server_cpu / max(count, 1), 2),
            "server_cpu_share": round(server_cpu / wall / CORES, 2),
            "client_cpu_share": round(client_cpu / wall / CORES, 2),
            "other_cpu_share": round(max(0.0, busy - server_cpu - client_cpu) / wall / CORES, 2),
            "iowait_share": round(iowait / wall / CORES, 2)}


def make_bodies(listings: int) -> dict[str, int]:
    texts = make_corpus(listings * 720 / 1e6)[:listings]
    items = [{"id": f"listing-{i}", "text": t} for i, t in enumerate(texts)]
    BODIES["check"] = [json.dumps(item, ensure_ascii=False).encode() for item in items]
    for size in (100, 1000):
        BODIES[f"batch{size}"] = [json.dumps({"items": items[i: i + size]}, ensure_ascii=False).encode()
                                  for i in range(0, len(items) - size + 1, size)]
    return {"listings": len(items), "bytes_per_listing": sum(map(len, BODIES["check"])) // len(items)}


def sanity(hub: Hub) -> int:
    """One batch of 1,000 through the API (the key works, the detectors are built): how many were flagged."""
    response = httpx.post(f"{hub.url}/api/v1/check/batch", content=BODIES["batch1000"][0], timeout=120,
                          headers={"X-Api-Key": hub.key, "Content-Type": "application/json"})
    response.raise_for_status()
    return sum(r["verdict"] != "allow" for r in response.json()["results"])


def revision() -> str:
    """The commit measured, and whether ``src`` had uncommitted changes."""
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run([*git, "status", "--porcelain", "--", "src"], capture_output=True, text=True).stdout
    return f"{head or 'unknown'}{' + uncommitted changes in src' if dirty.strip() else ''}"


def bench(args: argparse.Namespace) -> dict[str, Any]:
    corpus = make_bodies(args.listings)
    runs: dict[str, list[dict[str, Any]]] = {}
    with hub_server(args.workers) as hub:
        flagged = [sanity(hub) for _ in range(5)][-1]  # each sync worker builds its detector on its first check

        def scenario(name: str, path: str, bodies: str = "", rate: float = 0.0, items: int = 1,
                     client: str = args.client) -> None:
            print(f"{name} ...", file=sys.stderr)
            spec = Spec(hub.url, hub.key if bodies else "", path, bodies,
                        args.batch_concurrency if items > 1 else args.concurrency, args.warmup, args.seconds, rate,
                        client)
            runs.setdefault(name, []).append(run(hub, spec, args.clients, items, args.quiet_wait))

        for _ in range(args.repeats):
            scenario("bare", "/api/v1/health")
            scenario("check", "/api/v1/check", "check")
            if args.client != "httpx":
                scenario("bare_httpx", "/api/v1/health", client="httpx")
        peak = max(x["rps"] for x in runs["check"])
        for _ in range(args.repeats):
            scenario("half", "/api/v1/check", "check", rate=peak / 2)
            for size in (100, 1000):
                scenario(f"batch{size}", "/api/v1/check/batch", f"batch{size}", items=size)
    best = {k: max(v, key=lambda x: x["listings_s"]) for k, v in runs.items()}
    best["half"] = {**min(runs["half"], key=lambda x: x["p99_ms"]), "target_rps": round(peak / 2)}
    return {"date": time.strftime("%Y-%m-%d"), "revision": revision(), "cores": CORES,
            **{k: getattr(args, k) for k in ("workers", "client", "clients", "concurrency", "batch_concurrency",
                                             "seconds", "warmup", "repeats")},
            **corpus, "flagged_in_first_1000": flagged, **best,
            "check_vs_bare": round(best["check"]["rps"] / best["bare"]["rps"], 3),
            "bare_vs_check_server_cpu": round(best["bare"]["server_cpu_ms"] / best["check"]["server_cpu_ms"], 3),
            "all_runs": runs}


def render(r: dict[str, Any]) -> str:
    bare, h = r["bare"]["rps"], r["half"]
    rows = [("GET /api/v1/health (bare: no key, no database)", "bare", "1.00 (bare)"),
            ("POST /api/v1/check, peak (closed loop)", "check", f"{r['check_vs_bare']} of bare"),
            (f"POST /api/v1/check at half the peak ({h['target_rps']:,}/s, open loop)", "half",
             f"{h['rps'] / r['check']['rps']:.2f} of the peak")]
    rows += [(f"POST /api/v1/check/batch, {n:,} items", f"batch{n}",
              f"{r[f'batch{n}']['listings_s'] / bare:.1f}x bare's requests/s") for n in (100, 1000)]
    if "bare_httpx" in r:
        rows.append(("for scale: GET /api/v1/health, load from httpx.AsyncClient", "bare_httpx",
                     f"{r['bare_httpx']['rps'] / bare:.3f} of bare"))
    lines = [
        f"Hub at {r['revision']}: gunicorn, {r['workers']} sync workers, SQLite (fresh, demo data). Load generator: "
        f"{r['clients']} process ({r['client']} client), {r['concurrency']} connections ({r['batch_concurrency']} "
        f"for batches); {r['seconds']:g} s per scenario after {r['warmup']:g} s of warm-up, best of {r['repeats']}. "
        f"Listings: ~{r['bytes_per_listing']} bytes of JSON each, {r['flagged_in_first_1000']} of the first 1,000 "
        f"flagged. Machine: {r['cores']} cores, shared by the server, the load generator and other tenants.",
        "",
        "| scenario | requests/s | listings/s | p50 ms | p99 ms | server CPU ms / request | machine's CPU: server / "
        "load generator / others | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, key, ratio in rows:
        x = r[key]
        per_s = f"{x['listings_s']:,}" if key.startswith(("check", "half", "batch")) else ""
        lines.append(f"| {name} | {x['rps']:,} | {per_s} | {x['p50_ms']} | {x['p99_ms']} | {x['server_cpu_ms']} | "
                     f"{x['server_cpu_share']} / {x['client_cpu_share']} / {x['other_cpu_share']} | {ratio} |")
    spread = ", ".join(f"{k} {min(x[u] for x in v):,}–{max(x[u] for x in v):,}" for k, v in r["all_runs"].items()
                       for u in ["p99_ms" if k == "half" else "listings_s"])
    lines += ["", f"In server CPU time per request, the bare endpoint costs {r['bare_vs_check_server_cpu']} of a "
              f"single check ({r['bare']['server_cpu_ms']} against {r['check']['server_cpu_ms']} ms). Spread over "
              f"the {r['repeats']} runs (requests/s; listings/s for batches; p99 ms at half load): {spread}."]
    return "\n".join(lines)


def goals(r: dict[str, Any]) -> str:
    def met(ok: bool) -> str:
        return "met" if ok else "**not met**"

    return "\n".join([
        f"- single check ≥ {GOAL_CHECK_RATIO:.0%} of the bare endpoint's requests/s: "
        f"{met(r['check_vs_bare'] >= GOAL_CHECK_RATIO)}: {r['check_vs_bare']:.0%} ({r['check']['rps']:,} against "
        f"{r['bare']['rps']:,} requests/s)",
        f"- p99 under {GOAL_P99_MS:g} ms at half the peak load: {met(r['half']['p99_ms'] < GOAL_P99_MS)}: "
        f"{r['half']['p99_ms']} ms at {r['half']['rps']:,} requests/s",
        f"- batch ≥ {GOAL_BATCH_LISTINGS_S:,} listings/s: " + "; ".join(
            f"{n:,} items: {met(r[f'batch{n}']['listings_s'] >= GOAL_BATCH_LISTINGS_S)} "
            f"({r[f'batch{n}']['listings_s']:,})" for n in (1000, 100)),
    ])


def write_docs(text_between: str) -> None:
    from wildwatch.docsections import replace_section

    replace_section(ROOT / "docs" / "performance.md", "api_bench", text_between,
                    heading="## API (`benchmarks/api_bench.py`)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=8.0, help="measured seconds per scenario (at most 30)")
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--repeats", type=int, default=3, help="runs of each scenario, interleaved; the best is kept")
    ap.add_argument("--quiet-wait", type=float, default=10.0,
                    help="seconds to wait at most, before each scenario, for the machine to be idle")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    ap.add_argument("--clients", type=int, default=1, help="load-generator processes")
    ap.add_argument("--client", choices=["raw", "httpx"], default="raw", help="HTTP client of the load generator")
    ap.add_argument("--concurrency", type=int, default=8, help="connections for single requests")
    ap.add_argument("--batch-concurrency", type=int, default=4, help="connections for batches")
    ap.add_argument("--listings", type=int, default=20_000, help="distinct listings sent")
    ap.add_argument("--write-docs", action="store_true", help="write the table into docs/performance.md")
    args = ap.parse_args()
    args.seconds = min(args.seconds, 30.0)
    results = bench(args)
    table, goal_list = render(results), goals(results)
    print(f"{table}\n\n{goal_list}")
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / "api_bench.json").write_text(json.dumps(results, indent=1))
    if args.write_docs:
        command = " ".join(["python benchmarks/api_bench.py", *sys.argv[1:]])
        write_docs(f"Measured {results['date']} with `{command}`:\n\n{table}\n\nAgainst the goals (this run):\n\n"
                   f"{goal_list}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
