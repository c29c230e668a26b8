"""Bulk import of terms from a CSV (UTF-8) or XLSX file: all rows or none.

Columns (a header row first; ``term``, ``lang`` and ``kind`` are required, the others may be left out): term, lang,
kind, taxon, group, product, category, ambiguous, context, tags (``;``-separated), source. Every row is checked
with the rules of ``create_term`` (closed lists, known taxon), against the active terms and pending proposals and
against the file's earlier rows. Errors are reported by line number and then nothing is written. Otherwise each
row becomes an "add" proposal for a second analyst to approve (or a term, with ``propose=False``).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from wildwatch.hub.accounts.services import audit

from .curation import (
    CurationError,
    active_duplicate,
    check_fields,
    clean_payload,
    error_messages,
    is_analyst,
    pending_adds,
)
from .models import Proposal, Taxon, Term
from .services.terms import create_term

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
COLUMNS = ("term", "lang", "kind", "taxon", "group", "product", "category", "ambiguous", "context", "tags",
           "source")
REQUIRED = ("term", "lang", "kind")
_TRUE = {"1", "true", "yes", "y", "x"}
_FALSE = {"", "0", "false", "no", "n"}


@dataclass(frozen=True)
class RowError:
    line: int  # 0 for the file as a whole
    message: str


@dataclass
class BulkResult:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)
    terms: list[Term] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class FileProblem(ValueError):
    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise FileProblem(f"the file is not valid UTF-8 (byte {exc.start + 1})", line) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FileProblem(f"unreadable CSV: {exc}", start) from exc
        yield start, row


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise FileProblem("the file is not a readable XLSX workbook") from exc
    try:
        sheet = workbook.worksheets[0]
        for line, values in enumerate(sheet.iter_rows(values_only=True), 1):
            yield line, [_cell(v) for v in values]
    finally:
        workbook.close()


def _rows(data: bytes, filename: str) -> Iterator[tuple[int, list[str]]]:
    if filename.lower().endswith(".xlsx"):
        return _xlsx_rows(data)
    if filename.lower().endswith(".csv"):
        return _csv_rows(data)
    raise FileProblem("send a .csv or .xlsx file")


def _header(cells: list[str]) -> list[str]:
    names = [c.strip().lower() for c in cells]
    while names and not names[-1]:
        names.pop()
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        raise FileProblem(f"unknown columns: {', '.join(unknown)} (expected {', '.join(COLUMNS)})", 1)
    missing = [n for n in REQUIRED if n not in names]
    if missing:
        raise FileProblem(f"missing columns: {', '.join(missing)}", 1)
    if len(set(names)) != len(names):
        raise FileProblem("a column appears twice", 1)
    return names


def _fields(names: list[str], cells: list[str]) -> dict[str, Any]:
    if any(c.strip() for c in cells[len(names):]):
        raise ValidationError("more cells than columns")
    values = {n: (cells[i].strip() if i < len(cells) else "") for i, n in enumerate(names)}
    fields: dict[str, Any] = dict(values)
    if "ambiguous" in values:
        flag = values["ambiguous"].lower()
        if flag not in _TRUE | _FALSE:
            raise ValidationError({"ambiguous": f"write yes or no, not {values['ambiguous']!r}"})
        fields["ambiguous"] = flag in _TRUE
    if "tags" in values:
        fields["tags"] = [t.strip() for t in values["tags"].split(";") if t.strip()]
    if "taxon" in values:
        fields["taxon"] = values["taxon"] or None
    return fields


def _parse(data: bytes, filename: str, result: BulkResult) -> list[tuple[int, dict[str, Any]]]:
    """The rows' fields, checked; problems go to ``result.errors``."""
    if len(data) > MAX_BYTES:
        raise FileProblem(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    names: list[str] | None = None
    parsed: list[tuple[int, dict[str, Any]]] = []
    taxa = {t.taxon_id: t for t in Taxon.objects.all()}
    seen: dict[tuple[str, str, str], int] = {}
    for line, cells in _rows(data, filename):
        if not any(c.strip() for c in cells):
            continue
        if names is None:
            names = _header(cells)
            continue
        result.rows += 1
        if result.rows > MAX_ROWS:
            raise FileProblem(f"the file has more than {MAX_ROWS} rows", line)
        try:
            fields = _fields(names, cells)
            if fields.get("taxon") and fields["taxon"] not in taxa:
                raise ValidationError({"taxon": f"unknown taxon {fields['taxon']!r}"})
            candidate = check_fields({**fields, "taxon": taxa.get(fields.get("taxon") or "")})
        except ValidationError as exc:
            result.errors.extend(RowError(line, m) for m in error_messages(exc))
            continue
        key = (candidate.term.strip().casefold(), candidate.lang, candidate.kind)
        if key in seen:
            result.errors.append(RowError(line, f"term: the same term as line {seen[key]}"))
            continue
        seen[key] = line
        dup = active_duplicate(candidate.term, candidate.lang, candidate.kind)
        if dup is not None:
            result.errors.append(RowError(line, f"term: an active term already says this: {dup.term_id}"))
            continue
        parsed.append((line, fields))
    if names is None:
        raise FileProblem("the file is empty")
    if not result.rows:
        raise FileProblem("the file has a header but no rows")
    lines = {(f["term"].strip().casefold(), f["lang"], f["kind"]): line for line, f in parsed}
    for key, pk in pending_adds(lines).items():
        result.errors.append(RowError(lines[key], f"term: pending proposal {pk} already adds this term"))
    result.errors.sort(key=lambda e: e.line)
    return parsed


@transaction.atomic
def import_terms_file(file_bytes: bytes, filename: str, *, actor: Any, propose: bool = True) -> BulkResult:
    """Check every row of a CSV or XLSX file; if all pass, make one "add" proposal per row (``propose=True``) or
    the terms themselves. If any row fails, nothing is written and ``result.errors`` says where."""
    if propose and not is_analyst(actor):
        raise CurationError("only coalition analysts may propose library changes")
    result = BulkResult()
    try:
        parsed = _parse(file_bytes, filename, result)
    except FileProblem as exc:
        result.errors = [RowError(exc.line, str(exc))]
        return result
    if result.errors:
        return result
    if propose:
        made = [Proposal(action=Proposal.Action.ADD, payload=clean_payload(fields), proposed_by=actor,
                         comment=f"{filename}, line {line}") for line, fields in parsed]
        result.proposals = Proposal.objects.bulk_create(made, batch_size=500)  # with their ids (RETURNING)
    else:
        result.terms = [create_term(fields, actor=actor) for _, fields in parsed]
    audit("library.bulk_import", actor=actor, target=filename[:200], rows=result.rows, propose=propose,
          proposals=[p.pk for p in result.proposals], terms=[t.term_id for t in result.terms])
    return result
