"""Writing an imported CITES species list into a library directory (the I/O half of the importer)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import cast

from wildwatch.detect.cites_import import CitesImport, Record, _key, merge_taxa, read_cites_csv

__all__ = ["import_to_dir"]


def _load(path: Path) -> list[Record]:
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ValueError(f"{path}: expected a JSON list of objects")
    return cast(list[Record], data)


def _write(path: Path, records: list[Record]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(records, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def import_to_dir(csv_path: Path | str, out_dir: Path | str) -> CitesImport:
    """Import `csv_path` into ``taxa.json`` and ``names.json`` in `out_dir` (created if missing).

    Existing files there are merged, not replaced: taxa with `merge_taxa`, names by adding those not yet present
    (same taxon, language and name, case ignored). Returns the import, whose ``errors`` the caller should show.
    """
    result = read_cites_csv(csv_path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    taxa = merge_taxa(_load(out / "taxa.json"), result.taxa)
    ids = {_key(taxon["scientific_name"]): taxon["id"] for taxon in taxa}
    renamed = {taxon["id"]: ids.get(_key(taxon["scientific_name"]), taxon["id"]) for taxon in result.taxa}
    names = _load(out / "names.json")
    seen = {(n["taxon"], n["lang"], _key(n["name"])) for n in names}
    for name in result.names:
        record = {**name, "taxon": renamed.get(name["taxon"], name["taxon"])}
        key = (record["taxon"], record["lang"], _key(record["name"]))
        if key not in seen:
            seen.add(key)
            names.append(record)
    _write(out / "taxa.json", taxa)
    _write(out / "names.json", names)
    return result
