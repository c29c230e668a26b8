"""The bundle format: round trip, digests, tamper detection, refusal of anything that is not plain data."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from wildwatch.detect.engine import Detector
from wildwatch.detect.library import Library, LibraryError, load_bundle


def _rezip(data: bytes, change: dict[str, bytes | None]) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            if name in change:
                if change[name] is not None:
                    dst.writestr(name, change[name])  # type: ignore[arg-type]
                continue
            dst.writestr(name, src.read(name))
        for name, content in change.items():
            if name not in src.namelist() and content is not None:
                dst.writestr(name, content)
    return out.getvalue()


def test_round_trip_keeps_content_and_digest(tiny: Library) -> None:
    data = tiny.to_bundle()
    loaded, manifest = load_bundle(data)
    assert manifest["format"] == "wildwatch-library" and manifest["format_version"] == 1
    assert manifest["content_digest"] == tiny.digest() == loaded.digest()
    assert loaded.version == tiny.version
    assert {t.id for t in loaded.terms} == {t.id for t in tiny.terms}
    assert Detector(loaded).check("carved ivory for sale").verdict == "block"


def test_names_stay_in_the_public_layer(tiny: Library) -> None:
    zf = zipfile.ZipFile(io.BytesIO(tiny.to_bundle()))
    public_names = json.loads(zf.read("public/names.json"))
    confidential = json.loads(zf.read("library/terms.json"))
    assert {n["name"] for n in public_names} >= {"grey parrot", "tiger"}
    assert all(t["kind"] != "name" for t in confidential)


def test_digest_ignores_zip_layout(tiny: Library) -> None:
    data = tiny.to_bundle()
    zf = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as dst:
        for name in reversed(zf.namelist()):
            dst.writestr(name, zf.read(name))
    loaded, _ = load_bundle(out.getvalue())
    assert loaded.digest() == tiny.digest()


def test_tampered_file_is_refused(tiny: Library) -> None:
    data = tiny.to_bundle()
    terms = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("library/terms.json"))
    terms[0]["term"] = "something else"
    bad = _rezip(data, {"library/terms.json": json.dumps(terms).encode()})
    with pytest.raises(LibraryError, match="digest mismatch"):
        load_bundle(bad)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"payload.pkl": b"\x80\x04K\x01."}, "unexpected files"),
        ({"manifest.json": None}, "no manifest"),
        ({"manifest.json": b"{not json"}, "invalid JSON"),
        ({"manifest.json": json.dumps({"format": "other"}).encode()}, "not a wildwatch library"),
        ({"manifest.json": json.dumps({"format": "wildwatch-library", "format_version": 99}).encode()},
         "unsupported bundle format version"),
        ({"library/rules.json": None}, "missing"),
    ],
)
def test_bad_bundles_get_clear_errors(tiny: Library, change: dict[str, bytes | None], message: str) -> None:
    with pytest.raises(LibraryError, match=message):
        load_bundle(_rezip(tiny.to_bundle(), change))


def test_not_a_zip() -> None:
    with pytest.raises(LibraryError, match="bad zip"):
        load_bundle(b"this is not a zip file")


def test_unknown_kind_and_taxon_are_refused(tiny: Library) -> None:
    docs = tiny.content()
    docs["library/terms.json"] = [*docs["library/terms.json"], {"id": "x", "term": "x", "kind": "spell"}]
    from wildwatch.detect.library import from_documents

    with pytest.raises(LibraryError, match="unknown kind"):
        from_documents(docs, "v")
    docs = tiny.content()
    docs["library/terms.json"] = [*docs["library/terms.json"], {"id": "y", "term": "y", "kind": "product",
                                                                  "taxon": "no-such-taxon"}]
    with pytest.raises(LibraryError, match="unknown taxon"):
        from_documents(docs, "v")
