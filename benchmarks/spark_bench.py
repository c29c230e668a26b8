"""The Spark engine against the local engine on the same input, in one run.

    python benchmarks/spark_bench.py [--mb 100] [--repeats 3] [--write-docs]

* Input: the scan benchmark's synthetic multilingual corpus (``scan_bench.make_corpus``, ~100 MB of text in 20
  languages, 1% obfuscated positives) as one Parquet file with an id column, row groups of 8,192 listings.
* Release: the starter library (what ``wildwatch scan`` uses by default).
* Measured, each the best of ``--repeats`` runs, read + scan + write of a Parquet output included:
  the local engine (``wildwatch scan --workers 1`` and ``--workers 2``) and the Spark engine
  (``scan_dataframe`` then ``write.parquet``) on ``local[1]`` and ``local[2]``, each in its own process and JVM
  pinned to 1 and 2 CPUs (``sched_setaffinity``), with the session's start-up reported apart (a platform's
  cluster is already up). Spark's input split
  (``spark.sql.files.maxPartitionBytes``) is a 16th of the file, so that both cores get partitions to balance.
* Also: the memory one executor Python worker needs for the detector (peak RSS of a fresh process that loads the
  release and checks a batch, minus that of a bare Python with pyarrow).

Figures: listings/s, the speed-up from 1 to 2 cores, and the Spark overhead against the local engine at 2 cores
(goals: speed-up ≥ 1.7x, overhead < 30%).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scan_bench import make_corpus  # noqa: E402
from wildwatch.cli import main as cli  # noqa: E402
from wildwatch.detect.library import load_starter  # noqa: E402


def write_input(texts: list[str], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"id": [f"L{i}" for i in range(len(texts))], "text": texts})
    pq.write_table(table, path, row_group_size=8192)


def local_engine(src: Path, out: Path, workers: int) -> float:
    t0 = time.perf_counter()
    assert cli(["scan", str(src), "-o", str(out), "--no-progress", "--workers", str(workers)]) == 0
    return time.perf_counter() - t0


def split_bytes(src: Path, partitions: int = 16) -> int:
    """Input split size giving about ``partitions`` partitions (Spark splits Parquet at row groups)."""
    return max(1 << 20, src.stat().st_size // partitions)


def spark_engine(src: Path, out_dir: Path, master: str, repeats: int) -> tuple[float, list[float], int]:
    """(session start-up s, job times s, partitions) for one master, in a child process (its own JVM) pinned to
    as many CPUs as the master has cores: the JVM's own threads (Parquet reading and writing, Arrow) get no core
    beyond those, so that ``local[1]`` really runs on one core."""
    cores = int(master[6:-1])
    cpus = sorted(os.sched_getaffinity(0))[:cores]
    run = subprocess.run([sys.executable, __file__, "--child", master, "--src", str(src), "--out", str(out_dir),
                          "--repeats", str(repeats)], capture_output=True, text=True, check=True,
                         preexec_fn=lambda: os.sched_setaffinity(0, cpus))
    r = json.loads(run.stdout.strip().splitlines()[-1])
    return r["startup"], r["times"], r["partitions"]


def child(master: str, src: Path, out_dir: Path, repeats: int) -> None:
    from pyspark.sql import SparkSession

    from wildwatch.scale.spark import scan_dataframe

    os.environ["PYSPARK_PYTHON"] = sys.executable
    t0 = time.perf_counter()
    spark = (SparkSession.builder.master(master).appName("spark_bench")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.files.maxPartitionBytes", str(split_bytes(src)))
             .config("spark.sql.execution.arrow.maxRecordsPerBatch", "4096").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    spark.range(1).collect()
    startup = time.perf_counter() - t0
    release = load_starter().to_bundle()
    times = []
    partitions = 0
    try:
        for i in range(repeats):
            target = out_dir / f"out-{master[6:-1]}-{i}"
            t1 = time.perf_counter()
            df = spark.read.parquet(str(src))
            partitions = df.rdd.getNumPartitions()
            scan_dataframe(df, release).write.parquet(str(target))
            times.append(time.perf_counter() - t1)
            shutil.rmtree(target)
    finally:
        spark.stop()
    print(json.dumps({"startup": startup, "times": times, "partitions": partitions}))


def worker_memory_mb() -> tuple[float, float]:
    """(peak RSS MB of a process that builds the detector from the release and checks a batch, of one that only
    imports pyarrow and the engine). VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forking
    parent, which holds the corpus here."""
    probe = (
        "import sys; sys.path.insert(0, {src!r}); import pyarrow; "
        "from wildwatch.detect.engine import Detector; from wildwatch.detect.library import load_bundle, "
        "load_starter; {body}; "
        "print([int(x.split()[1]) / 1024 for x in open('/proc/self/status') if x.startswith('VmHWM')][0])"
    )
    body = ("d = Detector(load_bundle(load_starter().to_bundle())[0]); "
            "d.check_many(['ivory bangle for sale'] * 4096)")
    out = []
    for b in (body, "pass"):
        code = probe.format(src=str(ROOT / "src"), body=b)
        out.append(float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                        check=True).stdout.strip()))
    return out[0], out[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=100.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--write-docs", action="store_true")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--src", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.src, args.out, args.repeats)
        return 0
    print(f"generating a {args.mb:.0f} MB corpus ...", file=sys.stderr)
    texts = make_corpus(args.mb)
    n = len(texts)
    mb = sum(len(t.encode()) for t in texts) / 1e6
    work = Path(tempfile.mkdtemp(prefix="spark_bench_"))
    try:
        src = work / "corpus.parquet"
        write_input(texts, src)
        del texts
        r: dict[str, Any] = {"listings": n, "corpus_mb": round(mb, 1), "parquet_mb": round(src.stat().st_size / 1e6, 1)}
        local1 = min(local_engine(src, work / "l1.parquet", 1) for _ in range(args.repeats))
        local2 = min(local_engine(src, work / "l2.parquet", 2) for _ in range(args.repeats))
        s1, t1, parts = spark_engine(src, work, "local[1]", args.repeats)
        s2, t2, _ = spark_engine(src, work, "local[2]", args.repeats)
        r.update(local1=local1, local2=local2, startup1=s1, startup2=s2, spark1=min(t1), spark2=min(t2),
                 spark1_runs=t1, spark2_runs=t2, partitions=parts)
        r["worker_rss_mb"], r["bare_rss_mb"] = worker_memory_mb()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    r["speedup"] = r["spark1"] / r["spark2"]
    r["local_speedup"] = r["local1"] / r["local2"]
    r["overhead"] = r["spark2"] / r["local2"] - 1
    table = render(r)
    print(table)
    if args.write_docs:
        from wildwatch.docsections import replace_section

        stamp = time.strftime("%Y-%m-%d")
        replace_section(ROOT / "docs" / "performance.md", "spark_bench",
                        f"Measured {stamp} with `python benchmarks/spark_bench.py --write-docs` "
                        f"(pyspark {spark_version()}, Java {java_version()}, {os.cpu_count()} vCPUs):\n\n{table}",
                        heading="## Spark (`benchmarks/spark_bench.py`)")
    return 0


def spark_version() -> str:
    import pyspark

    return str(pyspark.__version__)


def java_version() -> str:
    out = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    return out.split('"')[1] if '"' in out else "unknown"


def render(r: dict[str, Any]) -> str:
    n = r["listings"]

    def row(name: str, seconds: float, ratio: str) -> str:
        return f"| {name} | {seconds:.2f} | {n / seconds:,.0f} | {ratio} |"

    return "\n".join([
        f"Input: {n:,} listings, {r['corpus_mb']} MB of text ({r['parquet_mb']} MB of Parquet); Spark read it in "
        f"{r['partitions']} partitions. Best of the runs; read, scan and Parquet write included.",
        "",
        "| engine | s | listings/s | ratio |",
        "|---|---:|---:|---|",
        row("local engine, 1 worker (baseline)", r["local1"], "1.00"),
        row("local engine, 2 workers", r["local2"], f"{r['local1'] / r['local2']:.2f}x the baseline"),
        row("Spark `local[1]`, pinned to 1 CPU", r["spark1"], f"{r['local1'] / r['spark1']:.2f}x the baseline"),
        row("Spark `local[2]`, pinned to 2 CPUs", r["spark2"], f"{r['local1'] / r['spark2']:.2f}x the baseline; "
            f"{r['speedup']:.2f}x Spark `local[1]`"),
        "",
        f"- Spark speed-up from 1 to 2 cores: **{r['speedup']:.2f}x** (goal ≥ 1.7x); the local engine's in the same "
        f"run: {r['local_speedup']:.2f}x.",
        f"- Spark overhead at 2 cores against the local engine with 2 workers: **{r['overhead'] * 100:+.0f}%** "
        "(goal < 30%).",
        f"- Session start-up (JVM launch), not in the times above: {r['startup1']:.1f} s on 1 CPU, "
        f"{r['startup2']:.1f} s on 2. All runs (the first of each session starts the Python workers "
        "and builds their detectors): `local[1]` "
        + ", ".join(f"{t:.1f}" for t in r["spark1_runs"]) + " s; `local[2]` "
        + ", ".join(f"{t:.1f}" for t in r["spark2_runs"]) + " s.",
        f"- One executor Python worker with the detector: {r['worker_rss_mb']:.0f} MB peak RSS "
        f"({r['worker_rss_mb'] - r['bare_rss_mb']:.0f} MB over a bare worker with pyarrow).",
    ])


if __name__ == "__main__":
    raise SystemExit(main())
