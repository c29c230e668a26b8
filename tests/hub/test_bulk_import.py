"""Bulk import of terms from CSV and XLSX: every row checked, all or nothing, errors by line number."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from login_helpers import login
from openpyxl import Workbook

from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.accounts.roles import Role
from wildwatch.hub.library import bulk, curation
from wildwatch.hub.library.models import Proposal, Taxon, Term
from wildwatch.hub.library.services import create_term

pytestmark = pytest.mark.django_db

HEADER = ["term", "lang", "kind", "taxon", "group", "product", "category", "ambiguous", "context", "tags", "source"]
GOOD = [
    ["zukoma flakes", "en", "product", "", "pangolins", "scales", "", "no", "", "scales;code", "report 1"],
    ["écailles porte-bonheur", "fr", "product", "", "pangolins", "scales", "", "", "", "", ""],
    ["huesos de tigre", "es", "part", "panthera-tigris", "", "bone_teeth_claws", "prohibited", "yes", "", "", ""],
    ["resin replica", "en", "benign", "", "", "", "", "", "replica", "", ""],
]


@pytest.fixture
def analyst(role_users: dict[str, Any]) -> Any:
    Taxon.objects.create(taxon_id="panthera-tigris", scientific_name="Panthera tigris", category="prohibited",
                         cites_appendix="I", group="big_cats")
    return role_users[Role.ANALYST]


def _csv(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _xlsx(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _counts() -> tuple[int, int, int]:
    return Proposal.objects.count(), Term.objects.count(), AuditEntry.objects.count()


def test_a_valid_csv_makes_one_proposal_per_row(analyst: Any, role_users: dict[str, Any]) -> None:
    result = bulk.import_terms_file(_csv(GOOD), "terms.csv", actor=analyst)
    assert result.ok and result.rows == 4 and len(result.proposals) == 4
    assert all(p.pk and p.action == "add" and p.state == "pending" for p in result.proposals)
    assert not Term.objects.exists()
    tiger = Proposal.objects.get(payload__term="huesos de tigre")
    assert tiger.payload["taxon"] == "panthera-tigris" and tiger.payload["ambiguous"] is True
    assert Proposal.objects.get(payload__term="zukoma flakes").payload["tags"] == ["scales", "code"]
    assert AuditEntry.objects.filter(action="library.bulk_import", actor=analyst).count() == 1
    curation.approve(tiger, actor=role_users[Role.COALITION_ADMIN])
    assert Term.objects.get(term="huesos de tigre").taxon_id == Taxon.objects.get(taxon_id="panthera-tigris").pk


def test_a_valid_xlsx_makes_proposals(analyst: Any) -> None:
    rows: list[list[Any]] = [[*r[:7], r[7] == "yes", *r[8:]] for r in GOOD]
    result = bulk.import_terms_file(_xlsx(rows), "Terms.XLSX", actor=analyst)
    assert result.ok, result.errors
    assert sorted(p.payload["term"] for p in result.proposals) == sorted(r[0] for r in GOOD)


def test_terms_directly_without_proposals(analyst: Any) -> None:
    result = bulk.import_terms_file(_csv(GOOD), "terms.csv", actor=None, propose=False)
    assert result.ok and len(result.terms) == 4 and not Proposal.objects.exists()
    assert Term.objects.filter(status=Term.Status.ACTIVE).count() == 4


def test_errors_on_lines_3_and_7_report_both_and_create_nothing(analyst: Any) -> None:
    create_term({"term": "already here", "lang": "en", "kind": "intent"})
    rows = [
        GOOD[0],  # line 2
        ["bad kind", "en", "name", "", "", "", "", "", "", "", ""],  # line 3: "name" is not a term kind
        GOOD[1], GOOD[2], GOOD[3],  # lines 4-6
        ["tiger bone", "en", "part", "no-such-taxon", "", "", "", "", "", "", ""],  # line 7
    ]
    before = _counts()
    result = bulk.import_terms_file(_csv(rows), "terms.csv", actor=analyst)
    assert not result.ok
    assert sorted({e.line for e in result.errors}) == [3, 7]
    assert any("kind" in e.message for e in result.errors if e.line == 3)
    assert any("unknown taxon" in e.message for e in result.errors if e.line == 7)
    assert _counts() == before


@pytest.mark.parametrize(("row", "message"), [
    (["", "en", "product"], "term"),
    (["x", "en", "product", "", "", "diamonds"], "product"),
    (["x", "en", "product", "", "", "", "banned"], "category"),
    (["x", "en", "benign", "", "", "", "", "", "sunset"], "context"),
    (["x", "en", "product", "", "", "", "", "maybe"], "ambiguous"),
    (["Already Here", "en", "intent"], "already"),
    (["zukoma flakes", "en", "product"], "line 2"),
])
def test_each_rule(analyst: Any, row: list[str], message: str) -> None:
    create_term({"term": "already here", "lang": "en", "kind": "intent"})
    result = bulk.import_terms_file(_csv([GOOD[0], row + [""] * (len(HEADER) - len(row))]), "t.csv", actor=analyst)
    assert [e.line for e in result.errors] == [3] and message in result.errors[0].message, result.errors
    assert not Proposal.objects.exists()


def test_file_level_problems(analyst: Any) -> None:
    bad_utf8 = _csv(GOOD[:2]) + "résine,fr,benign\n".encode("latin-1")
    result = bulk.import_terms_file(bad_utf8, "t.csv", actor=analyst)
    assert [(e.line, "UTF-8" in e.message) for e in result.errors] == [(4, True)]
    too_large = b"term,lang,kind\n" + b"x,en,product\n" * (bulk.MAX_BYTES // 13 + 1)
    assert "larger than 5 MiB" in bulk.import_terms_file(too_large, "t.csv", actor=analyst).errors[0].message
    many = _csv([[f"term {i}", "en", "product"] for i in range(bulk.MAX_ROWS + 1)], HEADER[:3])
    assert "more than 5000 rows" in bulk.import_terms_file(many, "t.csv", actor=analyst).errors[0].message
    assert "unknown columns" in bulk.import_terms_file(b"term,lang,kind,colour\n", "t.csv",
                                                       actor=analyst).errors[0].message
    assert "XLSX" in bulk.import_terms_file(b"not a zip", "t.xlsx", actor=analyst).errors[0].message
    assert ".csv or .xlsx" in bulk.import_terms_file(b"x", "t.txt", actor=analyst).errors[0].message
    assert not Proposal.objects.exists()


def test_only_analysts_may_propose_by_file(role_users: dict[str, Any]) -> None:
    with pytest.raises(curation.CurationError):
        bulk.import_terms_file(_csv(GOOD), "t.csv", actor=role_users[Role.OFFICER])


def test_the_import_page(analyst: Any, password: str) -> None:
    client = Client()
    login(client, analyst.username, password)
    assert client.get("/library/import/").status_code == 200
    rows = [GOOD[0], ["bad", "en", "name"] + [""] * 8]
    bad = client.post("/library/import/", {"file": _upload(_csv(rows), "t.csv")})
    assert bad.status_code == 200 and b"<td>3</td>" in bad.content and not Proposal.objects.exists()
    good = client.post("/library/import/", {"file": _upload(_xlsx(GOOD), "t.xlsx")})
    assert good.status_code == 200 and Proposal.objects.count() == 4
    assert b"zukoma flakes" in good.content


def _upload(data: bytes, name: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)
