"""Bulk scanning on Apache Spark: ``wildwatch scan INPUT --engine spark -o OUTPUT`` and :func:`scan_dataframe`.

Needs the ``spark`` extra (``pip install wildwatch[spark]``: pyspark, and pandas, which pyspark's Arrow functions
require) and Java 17. See docs/scaling.md for partitioning, executor memory and cluster settings.

How a scan runs:

* the release (a library bundle, with its model when it carries one) is serialised once on the driver and
  **broadcast** once; each executor Python worker builds its detector from it the first time it needs it and keeps
  it for every later batch and partition (:func:`wildwatch.scale.batches.detector_for`; Spark reuses its Python
  workers by default, ``spark.python.worker.reuse``);
* the listings go through ``mapInArrow`` in Arrow batches (``spark.sql.execution.arrow.maxRecordsPerBatch``),
  checked ``CHECK_ROWS`` at a time with ``Detector.check_many``, exactly as the local scanner checks them;
* the output has one row per input record: ``id, verdict, score, library_version, reasons, hits, warnings`` as in
  the local engine's Parquet output, and ``error``, set (with no verdict) for a record that could not be scanned.

Readers: Parquet with Spark's reader (typed values, any Hadoop-compatible URI); JSON Lines as raw lines
(``spark.read.text``, each line parsed by the local reader's own function, so that a broken line is a bad row and
never stops the scan); CSV with Spark's reader in ``PERMISSIVE`` mode, decoded as ISO-8859-1 so that every byte
reaches the executor and is decoded as UTF-8 there (invalid UTF-8 is then a bad row, as locally, instead of being
silently replaced). Gzip-compressed CSV and JSON Lines are read natively (one task per file).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..detect.library import Library, load_bundle, load_path
from ..io._rows import Columns
from ..io.readers import check_columns, detect_format, listing_columns
from .batches import CORRUPT, LINE, OUTPUT_DDL, SOURCE, Kind, ScanSpec, release_digest, scan_batches

if TYPE_CHECKING:
    from pyspark import Accumulator
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["SparkScan", "read_listings_df", "release_bundle", "scan_dataframe", "scan_to_parquet", "session"]

Release = Library | bytes | str | os.PathLike[str]


def release_bundle(release: Release) -> bytes:
    """The bundle bytes to broadcast: a `Library`, a bundle's bytes (checked), or the path of a bundle file
    (``.wwlib``, e.g. a release downloaded from the hub) or of a library directory."""
    if isinstance(release, Library):
        return release.to_bundle()
    if isinstance(release, bytes):
        load_bundle(release)  # refuses an altered or unreadable bundle here, on the driver
        return release
    path = Path(release)
    if path.is_dir():
        return load_path(path).to_bundle()
    data = path.read_bytes()
    load_bundle(data)
    return data


def columns(*, id_column: str = "id", text_column: str | None = None, title_column: str = "title",
            description_column: str = "description", max_text_bytes: int = 1 << 20) -> Columns:
    return listing_columns(id_column=id_column, text_column=text_column, title_column=title_column,
                           description_column=description_column, max_text_bytes=max_text_bytes)


def _scan(df: DataFrame, bundle: bytes, spec: ScanSpec, builds: Accumulator[int] | None) -> DataFrame:
    broadcast = df.sparkSession.sparkContext.broadcast(bundle)

    def on_build() -> None:
        if builds is not None:
            builds.add(1)

    def scan(batches: Iterable[Any]) -> Iterable[Any]:
        return scan_batches(batches, spec, lambda: broadcast.value, on_build)

    return df.mapInArrow(scan, OUTPUT_DDL)


def scan_dataframe(df: DataFrame, release: Release, *, id_column: str = "id", text_column: str | None = None,
                   title_column: str = "title", description_column: str = "description",
                   profile: str | None = None, max_text_bytes: int = 1 << 20,
                   builds: Accumulator[int] | None = None) -> DataFrame:
    """Decisions for the listings of a platform's own DataFrame (lazy, like any transformation).

    The text of a listing is ``text_column`` when given, else ``text`` when non-blank, else ``title`` and
    ``description``, as in the local scanner; ids may be strings or integers. The result has the columns of
    :data:`wildwatch.scale.batches.OUTPUT_DDL`. ``builds``, an optional ``Accumulator[int]``, counts the detectors
    built (one per executor Python worker that scanned something). Raises ``ValueError`` when the DataFrame lacks
    the id or text columns."""
    cols = columns(id_column=id_column, text_column=text_column, title_column=title_column,
                   description_column=description_column, max_text_bytes=max_text_bytes)
    check_columns("the DataFrame", df.columns, cols)
    wanted = cols.wanted(df.columns) + ([SOURCE] if SOURCE in df.columns else [])
    bundle = release_bundle(release)
    spec = ScanSpec(cols, "parquet", profile, release_digest(bundle))
    return _scan(df.select(*wanted), bundle, spec, builds)


def read_listings_df(spark: SparkSession, uri: str, cols: Columns, fmt: str | None = None) -> tuple[DataFrame, Kind]:
    """The input as a DataFrame ready for the executors' rows, and its kind. Raises ``ValueError`` for an unknown
    format, a missing input or missing columns (before any scan)."""
    from pyspark.errors import AnalysisException
    from pyspark.sql import functions as F

    kind = detect_format(uri, fmt)
    source = F.col("_metadata.file_path").alias(SOURCE)
    try:
        if kind == "parquet":
            df = spark.read.parquet(uri)
            check_columns(uri, df.columns, cols)
            return df.select(*cols.wanted(df.columns), source), kind
        if kind == "jsonl":
            df = spark.read.text(uri)
            return df.select(F.col("value").cast("binary").alias(LINE), source), kind
        return _read_csv(spark, uri, cols, source), kind
    except AnalysisException as exc:
        raise ValueError(f"{uri}: {exc.getMessage() if hasattr(exc, 'getMessage') else exc}") from None


def _read_csv(spark: SparkSession, uri: str, cols: Columns, source: Any) -> DataFrame:
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    options = {"multiLine": "true", "encoding": "ISO-8859-1", "quote": '"', "escape": '"'}
    first = spark.read.options(header="false", **options).csv(uri).limit(1).collect()
    if not first:
        raise ValueError(f"{uri} is empty: a CSV input needs a header row")
    try:
        names = [(v or "").encode("latin-1").decode("utf-8").removeprefix("\ufeff").strip() for v in first[0]]
    except UnicodeDecodeError:
        raise ValueError(f"{uri}: the CSV header is not valid UTF-8") from None
    check_columns(uri, names, cols)
    position: dict[str, int] = {}
    for i, name in enumerate(names):
        position.setdefault(name, i)
    schema = StructType([StructField(f"c{i}", StringType()) for i in range(len(names))]
                        + [StructField(CORRUPT, StringType())])
    df = (spark.read.options(header="true", mode="PERMISSIVE", columnNameOfCorruptRecord=CORRUPT, **options)
          .schema(schema).csv(uri))
    picked = [F.col(f"c{position[name]}").alias(name) for name in cols.wanted(names)]
    return df.select(*picked, F.col(CORRUPT), source)


def session(master: str | None = None, *, batch_rows: int = 4096, app_name: str = "wildwatch scan") -> SparkSession:
    """A Spark session for a scan: the active one when there is one, else a new one on ``master`` (default
    ``local[*]``). Local masters run the executors' Python with this interpreter (where wildwatch is installed)."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    master = master or "local[*]"
    builder = SparkSession.builder.appName(app_name).master(master)
    builder = builder.config("spark.sql.execution.arrow.maxRecordsPerBatch", str(batch_rows))
    builder = builder.config("spark.ui.showConsoleProgress", "true" if sys.stderr.isatty() else "false")
    if master.startswith("local"):
        # SparkContext reads the workers' interpreter from the environment, not from spark.pyspark.python
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = builder.config("spark.ui.enabled", "false")
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


@dataclass
class SparkScan:
    """What a Spark scan wrote: counts by verdict, bad rows (with the first errors), timing."""

    output: str
    verdicts: dict[str, int] = field(default_factory=dict)
    bad_rows: int = 0
    warnings: int = 0
    listings: int = 0
    errors: list[str] = field(default_factory=list)
    detectors_built: int = 0
    seconds: float = 0.0


def scan_to_parquet(spark: SparkSession, uri: str, output: str, *, fmt: str | None = None, id_column: str = "id",
                    text_column: str | None = None, profile: str | None = None, release: Release | None = None,
                    max_text_bytes: int = 1 << 20, show_errors: int = 10) -> SparkScan:
    """Scan ``uri`` and write the decisions to the Parquet directory ``output`` (which must not exist)."""
    from pyspark.errors import AnalysisException
    from pyspark.sql import functions as F

    from ..detect.library import load_starter

    cols = columns(id_column=id_column, text_column=text_column, max_text_bytes=max_text_bytes)
    bundle = release_bundle(release if release is not None else load_starter())
    t0 = time.perf_counter()
    df, kind = read_listings_df(spark, uri, cols, fmt)
    builds = spark.sparkContext.accumulator(0)
    out = _scan(df, bundle, ScanSpec(cols, kind, profile, release_digest(bundle)), builds)
    try:
        out.write.mode("errorifexists").parquet(output)
    except AnalysisException as exc:
        raise ValueError(f"{output}: {exc}") from None
    report = SparkScan(output=output, seconds=time.perf_counter() - t0, detectors_built=builds.value)
    written = spark.read.parquet(output)
    for row in written.groupBy("verdict").agg(F.count(F.lit(1)).alias("n"),
                                              F.sum(F.when(F.size("warnings") > 0, 1).otherwise(0)).alias("w"))\
            .collect():
        if row["verdict"] is None:
            report.bad_rows = int(row["n"])
        else:
            report.verdicts[row["verdict"]] = int(row["n"])
            report.listings += int(row["n"])
            report.warnings += int(row["w"] or 0)
    if report.bad_rows and show_errors:
        report.errors = [f"{r['id'] or '(no id)'}: {r['error']}"
                         for r in written.where(F.col("error").isNotNull()).select("id", "error")
                         .limit(show_errors).collect()]
    return report
