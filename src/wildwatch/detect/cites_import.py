"""Import the official CITES species list ("Index of CITES Species" CSV export from Species+ / the CITES Checklist).

`read_cites_csv` turns the export into records of the library's ``taxa.json`` and ``names.json`` schemas (see
docs/library-format.md), with a list of the rows it could not read; `merge_taxa` folds an import into curated taxa;
`import_to_dir` does both and writes the two JSON files (the only function here that writes).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from wildwatch.detect.categories import APPENDICES, category_for_appendix
from wildwatch.detect.sciname import parse_synonyms, taxon_id

__all__ = [
    "NAMES_SOURCE",
    "NAME_COLUMNS",
    "REQUIRED_COLUMNS",
    "CitesImport",
    "RowError",
    "merge_taxa",
    "parse_synonyms",
    "read_cites_csv",
    "taxon_id",
]

Record = dict[str, Any]

#: Columns without which the file is not a usable export (compared case-insensitively).
REQUIRED_COLUMNS: Final[tuple[str, ...]] = ("FullName", "RankName", "CurrentListing")
#: Common-name columns and the language code of their names.
NAME_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("en", "EnglishNames"),
    ("es", "SpanishNames"),
    ("fr", "FrenchNames"),
)
NAMES_SOURCE: Final = "CITES Checklist"

_LISTING_TOKENS: Final = frozenset(APPENDICES) | {"NC"}
_ANNOTATION_LIMIT: Final = 300
_INVALID_UTF8: Final = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True, slots=True)
class RowError:
    """A row that was skipped: the line it starts on (1 is the header) and why."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(slots=True)
class CitesImport:
    """The result of reading an export: ``taxa.json`` and ``names.json`` records, and the rows skipped."""

    taxa: list[Record] = field(default_factory=list)
    names: list[Record] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _clean(text: str) -> str:
    return " ".join(text.split())


def _split_names(text: str) -> list[str]:
    names: dict[str, str] = {}
    for piece in text.split(","):
        name = _clean(piece)
        if name:
            names.setdefault(name.casefold(), name)
    return list(names.values())


def _parse_listing(listing: str) -> tuple[str | None, bool]:
    """(strictest appendix or None, whether the listing is split), or ValueError for an unknown value."""
    tokens = [token.strip().upper() for token in re.split(r"[/,;]", listing) if token.strip()]
    unknown = [token for token in tokens if token not in _LISTING_TOKENS]
    if unknown:
        raise ValueError(f"unknown CurrentListing {listing!r}")
    listed = [appendix for appendix in APPENDICES if appendix in tokens]
    return (listed[0] if listed else None), len(set(tokens)) > 1


class _Columns:
    def __init__(self, header: list[str], path: Path) -> None:
        self.names = [_clean(name.lstrip("\ufeff")) for name in header]
        self.index = {name.lower(): i for i, name in enumerate(self.names)}
        self.width = len(header)
        missing = [name for name in REQUIRED_COLUMNS if name.lower() not in self.index]
        if missing:
            raise ValueError(
                f"{path.name}: missing required column(s) {', '.join(missing)}; "
                "expected an 'Index of CITES Species' CSV export from Species+ / the CITES Checklist"
            )

    def get(self, row: list[str], name: str) -> str:
        i = self.index.get(name.lower())
        return row[i].strip() if i is not None and i < len(row) else ""


def _read_row(row: list[str], cols: _Columns, source: str) -> tuple[Record, list[Record]]:
    """The taxon and its names from one row; ValueError with a message for a malformed row."""
    if len(row) != cols.width:
        raise ValueError(f"expected {cols.width} fields, found {len(row)}")
    bad = [cols.names[i] for i, cell in enumerate(row) if _INVALID_UTF8.search(cell)]
    if bad:
        raise ValueError(f"invalid UTF-8 in column(s) {', '.join(bad)}")
    name = _clean(cols.get(row, "FullName"))
    name = re.sub(r"\s+spp\.?$", "", name)
    if not re.fullmatch(r"[A-Z][A-Za-z-]*(?: [a-z×.-][\w.-]*)*", name):
        raise ValueError(f"FullName {name!r} is not a scientific name")
    rank = cols.get(row, "RankName").lower()
    if not rank:
        raise ValueError(f"empty RankName for {name}")
    listing = _clean(cols.get(row, "CurrentListing"))
    appendix, split = _parse_listing(listing)
    note = source
    if split:
        note += f"; split listing {listing}, strictest appendix used"
        annotation = _clean(cols.get(row, "AnnotationEnglish") or cols.get(row, "FullAnnotationEnglish"))
        if annotation:
            cut = annotation[:_ANNOTATION_LIMIT]
            note += f": {cut}…" if len(annotation) > _ANNOTATION_LIMIT else f": {annotation}"
    ident = taxon_id(name)
    synonyms = [s for s in parse_synonyms(cols.get(row, "SynonymsWithAuthors"), rank) if s != name]
    taxon: Record = {
        "id": ident,
        "scientific_name": name,
        "rank": rank,
        "group": None,
        "cites_appendix": appendix,
        "category": category_for_appendix(appendix),
        "products": [],
        "synonyms": synonyms,
        "source": note,
    }
    names = [
        {"taxon": ident, "lang": lang, "name": common, "source": NAMES_SOURCE, "ambiguous": False}
        for lang, column in NAME_COLUMNS
        for common in _split_names(cols.get(row, column))
    ]
    return taxon, names


def read_cites_csv(path: Path | str) -> CitesImport:
    """Read an "Index of CITES Species" CSV export.

    Handles a UTF-8 byte-order mark and quoted fields with commas or line breaks. A row that cannot be read
    (wrong number of fields, invalid UTF-8, unknown listing, no name, a duplicate taxon) is skipped and reported in
    `CitesImport.errors` with the line it starts on. Raises `ValueError` for an empty file or one that lacks a
    column of `REQUIRED_COLUMNS`.
    """
    path = Path(path)
    text = path.read_bytes().decode("utf-8-sig", errors="surrogateescape")
    reader = csv.reader(io.StringIO(text, newline=""))
    result = CitesImport()
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise ValueError(f"{path.name}: no CSV header found") from None
    cols = _Columns(header, path)
    source = f"CITES Checklist export {path.name}"
    first_line: dict[str, int] = {}
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.errors.append(RowError(start, f"CSV syntax error ({exc}); rest of file not read"))
            break
        if not any(cell.strip() for cell in row):
            continue
        try:
            taxon, names = _read_row(row, cols, source)
        except ValueError as exc:
            result.errors.append(RowError(start, str(exc)))
            continue
        if taxon["id"] in first_line:
            message = f"duplicate taxon {taxon['scientific_name']} (first on line {first_line[taxon['id']]})"
            result.errors.append(RowError(start, message))
            continue
        first_line[taxon["id"]] = start
        result.taxa.append(taxon)
        result.names.extend(names)
    return result


def _key(name: str) -> str:
    return _clean(name).casefold()


def _merge_one(old: Record, new: Record) -> Record:
    merged = dict(old)
    old_appendix, new_appendix = old.get("cites_appendix"), new.get("cites_appendix")
    merged["cites_appendix"] = new_appendix
    if old.get("category") in (None, category_for_appendix(old_appendix)):  # not a curated override
        merged["category"] = new["category"]
    if _key(old["scientific_name"]) != _key(new["scientific_name"]):  # renamed: keep the id, remember the old name
        merged["scientific_name"] = new["scientific_name"]
    names = [*old.get("synonyms", []), old["scientific_name"], *new.get("synonyms", [])]
    current = _key(merged["scientific_name"])
    unique: dict[str, str] = {}
    for synonym in names:
        if _key(synonym) != current:
            unique.setdefault(_key(synonym), synonym)
    merged["synonyms"] = list(unique.values())
    if old_appendix != new_appendix:
        change = f"appendix {old_appendix or 'none'} -> {new_appendix or 'none'} ({new.get('source', 'CITES')})"
        merged["source"] = f"{old['source']}; {change}" if old.get("source") else change
    return merged


def merge_taxa(existing: list[Record], imported: list[Record]) -> list[Record]:
    """Curated taxa updated from an import, plus the imported taxa that were not there; inputs are not changed.

    A taxon is matched by scientific name (case and spacing ignored), then by id, then by one of the imported
    taxon's synonyms (a renamed taxon keeps its id and gets the new name, the old one becoming a synonym). A
    match takes the imported ``cites_appendix``; its ``category`` follows unless it was a curated override (not the
    default for its old appendix); ``group``, ``products`` and other curated fields are kept; synonyms are united
    and an appendix change is noted in ``source``. Unmatched imported taxa are appended in order.
    """
    result = [dict(taxon) for taxon in existing]
    by_key: dict[str, int] = {}
    for i, taxon in enumerate(result):
        by_key.setdefault(_key(taxon["scientific_name"]), i)
        by_key.setdefault("id:" + taxon["id"], i)
    for new in imported:
        candidates = [_key(new["scientific_name"]), "id:" + new["id"], *map(_key, new.get("synonyms", []))]
        index = next((by_key[c] for c in candidates if c in by_key), None)
        if index is None:
            index = len(result)
            result.append(dict(new))
        else:
            result[index] = _merge_one(result[index], new)
        by_key.setdefault(_key(new["scientific_name"]), index)
        by_key.setdefault("id:" + new["id"], index)
    return result
