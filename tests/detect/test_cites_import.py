from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from wildwatch.detect.categories import CATEGORIES
from wildwatch.detect.cites_import import (
    CitesImport,
    RowError,
    merge_taxa,
    parse_synonyms,
    read_cites_csv,
    taxon_id,
)
from wildwatch.io.cites import import_to_dir

FIXTURE = Path(__file__).parent.parent / "fixtures" / "cites_sample.csv"
HEADER = FIXTURE.read_text(encoding="utf-8").splitlines()[0]
WIDTH = len(HEADER.split(","))


def row(full_name: str, rank: str = "SPECIES", listing: str = "II", english: str = "", synonyms: str = "") -> str:
    cells = [""] * WIDTH
    cells[9], cells[11], cells[12], cells[19], cells[20] = full_name, rank, listing, synonyms, english
    return ",".join(f'"{cell}"' if "," in cell else cell for cell in cells)


def write(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def sample() -> CitesImport:
    return read_cites_csv(FIXTURE)


def taxon(result: CitesImport, ident: str) -> dict[str, Any]:
    return next(t for t in result.taxa if t["id"] == ident)


def test_fixture_reads_cleanly(sample: CitesImport) -> None:
    assert sample.errors == []
    assert len(sample.taxa) == 12
    assert len({t["id"] for t in sample.taxa}) == 12
    for t in sample.taxa:
        assert list(t) == ["id", "scientific_name", "rank", "group", "cites_appendix", "category", "products",
                           "synonyms", "source"]
        assert t["category"] in CATEGORIES
        assert t["cites_appendix"] in ("I", "II", "III", None)
        assert t["products"] == [] and t["group"] is None
        assert t["source"].startswith("CITES Checklist export cites_sample.csv")


def test_split_listing_uses_strictest_and_notes_it(sample: CitesImport) -> None:
    elephant = taxon(sample, "loxodonta-africana")
    assert elephant["scientific_name"] == "Loxodonta africana"
    assert (elephant["cites_appendix"], elephant["category"], elephant["rank"]) == ("I", "prohibited", "species")
    assert "split listing I/II" in elephant["source"]
    assert "Botswana, Namibia, South Africa and Zimbabwe" in elephant["source"]
    assert elephant["synonyms"] == ["Elephas africanus", "Loxodonta cyclotis"]


def test_listings_and_ranks(sample: CitesImport) -> None:
    expected = {
        "manis": ("genus", "I", "prohibited"),
        "psittacus-erithacus": ("species", "I", "prohibited"),
        "canis-lupus-dingo": ("subspecies", None, "allowed"),
        "ceratotherium-simum-simum": ("subspecies", "I", "prohibited"),
        "hippocampus": ("genus", "II", "restricted"),
        "cheloniidae": ("family", "I", "prohibited"),
        "mellivora-capensis": ("species", "III", "restricted"),
    }
    for ident, (rank, appendix, category) in expected.items():
        t = taxon(sample, ident)
        assert (t["rank"], t["cites_appendix"], t["category"]) == (rank, appendix, category), ident
    assert "split" not in taxon(sample, "canis-lupus-dingo")["source"]


def test_synonyms(sample: CitesImport) -> None:
    assert taxon(sample, "manis")["synonyms"] == ["Phataginus", "Smutsia"]
    assert taxon(sample, "panthera-tigris")["synonyms"] == ["Felis tigris", "Panthera tigris altaica"]
    assert taxon(sample, "pterocarpus-santalinus")["synonyms"] == ["Pterocarpus santalinus var. ovalis"]
    assert taxon(sample, "ursus-thibetanus")["synonyms"] == ["Selenarctos thibetanus"]


@pytest.mark.parametrize(
    ("text", "rank", "expected"),
    [
        ("", "species", []),
        ("Elephas africanus Blumenbach, 1797", "species", ["Elephas africanus"]),
        ("Aus bus Smith, Jones & Brown, 1901, Aus cus (Müller, 1850)", "species", ["Aus bus", "Aus cus"]),
        ("Aus bus van der Hoeven, 1840", "species", ["Aus bus"]),
        ("Aus bus cus L., Aus (Dus) eus Gray", "species", ["Aus bus cus", "Aus (Dus) eus"]),
        ("Aus bus subsp. cus Smith ex Jones, Aus bus Smith", "species", ["Aus bus subsp. cus", "Aus bus"]),
        ("Phataginus Rafinesque, 1821", "genus", ["Phataginus"]),
        ("Phataginus Rafinesque, 1821", "species", []),
    ],
)
def test_parse_synonyms(text: str, rank: str, expected: list[str]) -> None:
    assert parse_synonyms(text, rank) == expected


def test_taxon_id() -> None:
    assert taxon_id("Loxodonta africana") == "loxodonta-africana"
    assert taxon_id("  Pterocarpus santalinus var. ovalis ") == "pterocarpus-santalinus-var-ovalis"


def test_names(sample: CitesImport) -> None:
    parrot = [(n["lang"], n["name"]) for n in sample.names if n["taxon"] == "psittacus-erithacus"]
    assert parrot == [
        ("en", "Grey Parrot"), ("en", "African Grey Parrot"), ("en", "Timneh Parrot"),
        ("es", "Loro gris"), ("es", "Yaco"), ("fr", "Perroquet jaco"),
    ]
    bear = {(n["lang"], n["name"]) for n in sample.names if n["taxon"] == "ursus-thibetanus"}
    assert ("fr", "Ours à collier") in bear and ("es", "Oso negro asiático") in bear
    assert all(n["source"] == "CITES Checklist" and n["ambiguous"] is False for n in sample.names)
    assert list(sample.names[0]) == ["taxon", "lang", "name", "source", "ambiguous"]


def test_byte_order_mark_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + FIXTURE.read_bytes().replace(b"\n", b"\r\n"))
    result = read_cites_csv(path)
    assert result.errors == []
    assert [t["id"] for t in result.taxa] == [t["id"] for t in read_cites_csv(FIXTURE).taxa]


def test_row_errors_carry_start_lines(tmp_path: Path) -> None:
    multi_line = row("Aus bus").replace("Aus bus", '"Aus bus"', 1)
    multi_line = multi_line.replace(",,,,,,,,", ',"a\nb\nc",,,,,,,', 1)  # a quoted field over three lines
    path = write(
        tmp_path,
        multi_line,  # lines 2-4
        row("Aus cus", listing="IV"),  # line 5
        "only,three,fields",  # line 6
        "",  # line 7, blank
        row("", rank="SPECIES"),  # line 8
        row("Aus dus", rank=""),  # line 9
        row("Aus bus"),  # line 10, duplicate
        row("Aus eus", listing="II/NC"),  # line 11
    )
    result = read_cites_csv(path)
    assert [t["id"] for t in result.taxa] == ["aus-bus", "aus-eus"]
    assert [(e.line, e.message.split(" ")[0]) for e in result.errors] == [
        (5, "unknown"), (6, "expected"), (8, "FullName"), (9, "empty"), (10, "duplicate"),
    ]
    assert "first on line 2" in result.errors[-1].message
    assert str(result.errors[0]) == "line 5: unknown CurrentListing 'IV'"
    assert result.taxa[1]["cites_appendix"] == "II" and "split listing II/NC" in result.taxa[1]["source"]


def test_invalid_utf8_is_reported_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    rows = [row("Aus bus", english="Good name"), row("Aus cus", english="Caf\xe9"), row("Aus dus")]
    data = ("\n".join([HEADER, *rows]) + "\n").encode("utf-8").replace("Caf\xe9".encode(), b"Caf\xe9")
    path.write_bytes(data)
    result = read_cites_csv(path)
    assert [t["id"] for t in result.taxa] == ["aus-bus", "aus-dus"]
    assert result.errors == [RowError(3, "invalid UTF-8 in column(s) EnglishNames")]


def test_nul_byte_stops_with_error(tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(("\n".join([HEADER, row("Aus bus"), "Aus\x00cus"]) + "\n").encode())
    result = read_cites_csv(path)
    assert [t["id"] for t in result.taxa] == ["aus-bus"]
    assert [e.line for e in result.errors] == [3]


def test_missing_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "1,Aus bus", header="TaxonId,FullName")
    with pytest.raises(ValueError, match="missing required column\\(s\\) RankName, CurrentListing"):
        read_cites_csv(path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="no CSV header"):
        read_cites_csv(path)


def test_minimal_columns_in_any_case_and_spp(tmp_path: Path) -> None:
    path = write(tmp_path, "Manis spp.,Genus,I", header="fullname, RANKNAME ,CurrentListing")
    result = read_cites_csv(path)
    assert result.errors == []
    assert result.taxa[0]["id"] == "manis" and result.taxa[0]["scientific_name"] == "Manis"
    assert result.names == []


CURATED: list[dict[str, Any]] = [
    {"id": "loxodonta-africana", "scientific_name": "Loxodonta africana", "rank": "species", "group": "elephants",
     "cites_appendix": "II", "category": "restricted", "products": ["ivory"], "synonyms": ["Elephas africanus"],
     "source": "curated"},
    {"id": "psittacus-erithacus", "scientific_name": "Psittacus erithacus", "rank": "species", "group": "parrots",
     "cites_appendix": "II", "category": "prohibited", "products": ["live_animal"], "synonyms": [],
     "source": "coalition: live parrots banned"},
    {"id": "selenarctos-thibetanus", "scientific_name": "Selenarctos thibetanus", "rank": "species",
     "group": "bears", "cites_appendix": "I", "category": "prohibited", "products": ["medicine_tonic"],
     "synonyms": [], "source": "old name"},
    {"id": "mammuthus-primigenius", "scientific_name": "Mammuthus primigenius", "rank": "species", "group": None,
     "cites_appendix": None, "category": "cover", "products": ["ivory"], "synonyms": [], "source": "curated"},
]


def test_merge_taxa(sample: CitesImport) -> None:
    before = json.dumps(CURATED)
    merged = merge_taxa(CURATED, sample.taxa)
    assert json.dumps(CURATED) == before  # inputs untouched
    by_id = {t["id"]: t for t in merged}
    assert len(merged) == len(by_id) == 4 + 12 - 3

    elephant = by_id["loxodonta-africana"]
    assert (elephant["cites_appendix"], elephant["category"]) == ("I", "prohibited")
    assert elephant["group"] == "elephants" and elephant["products"] == ["ivory"]
    assert elephant["synonyms"] == ["Elephas africanus", "Loxodonta cyclotis"]
    assert elephant["source"].startswith("curated; appendix II -> I (CITES Checklist export cites_sample.csv")

    parrot = by_id["psittacus-erithacus"]  # a curated category override survives
    assert (parrot["cites_appendix"], parrot["category"]) == ("I", "prohibited")

    bear = by_id["selenarctos-thibetanus"]  # matched by synonym: id kept, name updated
    assert bear["scientific_name"] == "Ursus thibetanus"
    assert bear["synonyms"] == ["Selenarctos thibetanus"]
    assert bear["source"] == "old name" and bear["products"] == ["medicine_tonic"]
    assert "ursus-thibetanus" not in by_id

    assert by_id["mammuthus-primigenius"] == CURATED[3]
    assert [t["id"] for t in merged][:4] == [t["id"] for t in CURATED]
    assert [t["id"] for t in merged][4:] == [t["id"] for t in sample.taxa if t["id"] not in
                                             ("loxodonta-africana", "psittacus-erithacus", "ursus-thibetanus")]


def test_merge_downgrade_follows_default_category() -> None:
    old = [{"id": "aus-bus", "scientific_name": "Aus bus", "cites_appendix": "I", "category": "prohibited",
            "synonyms": [], "source": "x"}]
    new = [{"id": "aus-bus", "scientific_name": "Aus  BUS", "cites_appendix": "II", "category": "restricted",
            "synonyms": [], "source": "y"}]
    merged = merge_taxa(old, new)
    assert (merged[0]["cites_appendix"], merged[0]["category"], merged[0]["scientific_name"]) == (
        "II", "restricted", "Aus bus")


def test_import_to_dir(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = import_to_dir(FIXTURE, out)
    taxa = json.loads((out / "taxa.json").read_text(encoding="utf-8"))
    names = json.loads((out / "names.json").read_text(encoding="utf-8"))
    assert taxa == result.taxa and names == result.names
    assert "Ours à collier" in (out / "names.json").read_text(encoding="utf-8")  # not \u-escaped

    # a second import merges with what is there
    (out / "taxa.json").write_text(json.dumps(CURATED), encoding="utf-8")
    (out / "names.json").write_text(json.dumps([
        {"taxon": "selenarctos-thibetanus", "lang": "vi", "name": "gấu ngựa", "source": "x", "ambiguous": False},
        {"taxon": "selenarctos-thibetanus", "lang": "en", "name": "moon bear", "source": "x", "ambiguous": False},
    ]), encoding="utf-8")
    import_to_dir(FIXTURE, out)
    taxa = json.loads((out / "taxa.json").read_text(encoding="utf-8"))
    names = json.loads((out / "names.json").read_text(encoding="utf-8"))
    assert len(taxa) == 13
    bear = [(n["lang"], n["name"]) for n in names if n["taxon"] == "selenarctos-thibetanus"]
    assert bear == [("vi", "gấu ngựa"), ("en", "moon bear"), ("en", "Asiatic Black Bear"),
                    ("es", "Oso negro asiático"), ("fr", "Ours à collier"), ("fr", "Ours noir d'Asie")]
    assert not any(n["taxon"] == "ursus-thibetanus" for n in names)
    assert sorted(p.name for p in out.iterdir()) == ["names.json", "taxa.json"]
