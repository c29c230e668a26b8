"""Readers and writers for listing and result files (CSV, JSON Lines, Parquet).

Shared by the CLI (``wildwatch scan``) and batch jobs. Pure Python plus an optional, lazily imported pyarrow (only
for Parquet); no Django, no web framework.
"""

from wildwatch.io.readers import BadRow, Format, Row, detect_format, read_listings
from wildwatch.io.writers import (
    CSV_COLUMNS,
    HIT_FIELDS,
    ResultWriter,
    open_writer,
    result_schema,
)

__all__ = [
    "CSV_COLUMNS",
    "HIT_FIELDS",
    "BadRow",
    "Format",
    "ResultWriter",
    "Row",
    "detect_format",
    "open_writer",
    "read_listings",
    "result_schema",
]
