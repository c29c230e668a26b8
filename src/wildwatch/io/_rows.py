"""Turning one decoded input record into a `Row` or a `BadRow`.

Shared by the CSV, JSON Lines and Parquet readers: each reader maps a record to a ``{column: value}`` dict and
calls `build_row`. Values may be ``str`` (CSV, where undecodable bytes arrive as lone surrogates through
``errors="surrogateescape"``), JSON scalars, or ``bytes`` (Parquet binary columns).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Row:
    """One usable listing.

    `line` is the 1-based physical line where the record starts (for Parquet: the row index + 1). `warnings`
    holds non-fatal notes such as a truncated text. `extra` holds the requested `extra_columns`.
    """

    id: str
    text: str
    line: int
    warnings: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BadRow:
    """A record that could not be turned into a `Row`; the stream goes on after it."""

    line: int
    error: str
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Columns:
    """Which columns hold what, resolved from the reader options (and the header, when there is one).

    With `text_explicit` false, `text` ("text") is used when non-blank, else title + description.
    """

    id: str
    text: str
    text_explicit: bool
    title: str
    description: str
    extra: tuple[str, ...]
    max_text_bytes: int

    def wanted(self, present: Sequence[str]) -> list[str]:
        """The columns to read, in a stable order, restricted to those `present`."""
        names = [self.id, self.text, self.title, self.description, *self.extra]
        have = set(present)
        return [n for i, n in enumerate(names) if n in have and n not in names[:i]]


class _FieldError(Exception):
    pass


def valid_utf8(value: str) -> bool:
    """False when `value` holds lone surrogates (undecodable bytes read with surrogateescape, or JSON escapes)."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _as_text(value: object, name: str) -> str | None:
    """A field as text: None when absent; `_FieldError` when it cannot be text."""
    if value is None:
        return None
    if isinstance(value, str):
        if not valid_utf8(value):
            raise _FieldError(f"invalid UTF-8 in field {name!r}")
        return value
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise _FieldError(f"invalid UTF-8 in field {name!r}") from None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise _FieldError(f"field {name!r} is not text (got {type(value).__name__})")


def _as_id(value: object, name: str) -> str | None:
    if isinstance(value, (bool, float)):
        raise _FieldError(f"id field {name!r} must be a string or an integer (got {type(value).__name__})")
    text = _as_text(value, name)
    if text is None:
        return None
    return text.strip() or None


def truncate_utf8(text: str, max_bytes: int) -> tuple[str, str | None]:
    """`text` cut to at most `max_bytes` UTF-8 bytes at a character boundary, and the warning if it was cut."""
    if len(text) <= max_bytes // 4:  # cannot exceed: at most 4 bytes per character
        return text, None
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text, None
    cut = data[:max_bytes].decode("utf-8", errors="ignore")  # drops only a split trailing character
    return cut, f"text truncated to {max_bytes} bytes (was {len(data)})"


def _compose(values: Mapping[str, object], cols: Columns) -> str | None:
    if cols.text_explicit:
        return _as_text(values.get(cols.text), cols.text)
    text = _as_text(values.get(cols.text), cols.text)
    if text is not None and text.strip():
        return text
    title = _as_text(values.get(cols.title), cols.title)
    description = _as_text(values.get(cols.description), cols.description)
    parts = [p for p in (title, description) if p is not None and p.strip()]
    return "\n".join(parts) if parts else None


def _extra_value(value: object, name: str) -> object:
    if isinstance(value, str) and not valid_utf8(value):
        raise _FieldError(f"invalid UTF-8 in field {name!r}")
    if isinstance(value, bytes):
        return _as_text(value, name)
    return value


def build_row(values: Mapping[str, object], line: int, cols: Columns) -> Row | BadRow:
    """Validate one record. Never raises for bad data: returns a `BadRow` instead."""
    try:
        row_id = _as_id(values.get(cols.id), cols.id)
    except _FieldError as exc:
        return BadRow(line, str(exc))
    if row_id is None:
        return BadRow(line, f"missing id (column {cols.id!r})")
    try:
        text = _compose(values, cols)
        extra = {name: _extra_value(values.get(name), name) for name in cols.extra}
    except _FieldError as exc:
        return BadRow(line, str(exc), row_id)
    if text is None or not text.strip():
        return BadRow(line, "missing or empty text", row_id)
    text, warning = truncate_utf8(text, cols.max_text_bytes)
    return Row(row_id, text, line, (warning,) if warning else (), extra)
