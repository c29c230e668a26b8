"""Awareness campaigns in the engine: their bundle file, its digests and signatures, and the search pop-up."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from datetime import date

import pytest

from wildwatch.detect.engine import Detector, campaign_order
from wildwatch.detect.library import (
    CAMPAIGNS_FILE,
    Campaign,
    Library,
    LibraryError,
    campaign_from_dict,
    content_digest,
    load_bundle,
)
from wildwatch.detect.signing import generate_key, load_signed_bundle, public_key_pem, sign_digest

ELEPHANT_DAY = Campaign(
    slug="world-elephant-day-2026", start=date(2026, 8, 5), end=date(2026, 8, 12), groups=frozenset({"elephants"}),
    messages={"en": {"title": "World Elephant Day", "body": "Ivory kills elephants."},
              "fr": {"title": "Journée mondiale de l'éléphant", "body": "L'ivoire tue les éléphants."}},
    learn_more_url="https://example.org/elephants",
)
TIGER_DAY = Campaign(
    slug="global-tiger-day-2026", start=date(2026, 7, 29), end=date(2026, 7, 29),
    taxa=frozenset({"panthera-tigris"}), messages={"en": {"title": "Global Tiger Day", "body": "Tigers: not for sale."}},
)


def with_campaigns(tiny: Library, *campaigns: Campaign) -> Library:
    return dataclasses.replace(tiny, campaigns=list(campaigns))


@pytest.fixture(scope="module")
def detector(tiny: Library) -> Detector:
    return Detector(with_campaigns(tiny, ELEPHANT_DAY, TIGER_DAY))


# --- the search pop-up ----------------------------------------------------------------------------------------------


def test_the_campaign_message_is_shown_within_its_window(detector: Detector) -> None:
    for day in (date(2026, 8, 5), date(2026, 8, 9), date(2026, 8, 12)):
        s = detector.check_search("ngà voi", "vi", day)
        assert s.intercept and s.campaign == "world-elephant-day-2026", day
        assert (s.lang, s.title, s.message) == ("en", "World Elephant Day", "Ivory kills elephants.")
        assert s.learn_more_url == "https://example.org/elephants"
        assert s.to_dict()["campaign"] == "world-elephant-day-2026"
    for day in (date(2026, 8, 4), date(2026, 8, 13), date(2025, 8, 10)):
        s = detector.check_search("ngà voi", "vi", day)
        assert s.intercept and s.campaign is None and s.title == "Wildlife", day


def test_only_for_the_campaigns_taxa_and_groups(detector: Detector) -> None:
    on_tiger_day = date(2026, 7, 29)
    tiger = detector.check_search("tiger skin", "en", on_tiger_day)
    assert tiger.intercept and tiger.campaign == "global-tiger-day-2026" and tiger.title == "Global Tiger Day"
    horn = detector.check_search("rhino horn", "en", on_tiger_day)  # no taxon, no group: the library's message
    assert horn.intercept and horn.campaign is None and horn.title == "Wildlife"
    ivory = detector.check_search("象牙", "zh", on_tiger_day)  # elephants, but their campaign is not running
    assert ivory.intercept and ivory.campaign is None
    # a campaign never makes a search intercepted
    quiet = detector.check_search("tiger balm", "en", on_tiger_day)
    assert not quiet.intercept and quiet.campaign is None and quiet.title is None


def test_the_language_falls_back_to_english(detector: Detector) -> None:
    day = date(2026, 8, 10)
    fr = detector.check_search("ivoire ngà voi", "fr-CA", day)
    assert (fr.lang, fr.title, fr.campaign) == ("fr", "Journée mondiale de l'éléphant", "world-elephant-day-2026")
    de = detector.check_search("ngà voi", "de", day)
    assert (de.lang, de.title) == ("en", "World Elephant Day")
    none = detector.check_search("ngà voi", None, day)
    assert (none.lang, none.title) == ("en", "World Elephant Day")


def test_the_library_link_stays_when_the_campaign_has_none(detector: Detector) -> None:
    s = detector.check_search("tiger skin", "en", date(2026, 7, 29))
    assert s.learn_more_url == "/species/"


def test_today_defaults_to_the_utc_date(tiny: Library) -> None:
    always = dataclasses.replace(ELEPHANT_DAY, start=date(2000, 1, 1), end=date(2999, 12, 31))
    assert Detector(with_campaigns(tiny, always)).check_search("ngà voi").campaign == ELEPHANT_DAY.slug


def test_several_campaigns_the_latest_to_start_wins(tiny: Library) -> None:
    week = dataclasses.replace(ELEPHANT_DAY, slug="a-week", start=date(2026, 8, 1), end=date(2026, 8, 31))
    day = dataclasses.replace(ELEPHANT_DAY, slug="b-day", start=date(2026, 8, 12), end=date(2026, 8, 12))
    detector = Detector(with_campaigns(tiny, week, day))
    assert detector.check_search("ngà voi", "vi", date(2026, 8, 12)).campaign == "b-day"
    assert detector.check_search("ngà voi", "vi", date(2026, 8, 11)).campaign == "a-week"
    assert [c.slug for c in campaign_order([week, day])] == ["b-day", "a-week"]


def test_campaigns_passed_by_the_caller_replace_the_librarys(detector: Detector) -> None:
    day = date(2026, 8, 10)
    assert detector.check_search("ngà voi", "vi", day, campaigns=[]).campaign is None
    other = dataclasses.replace(ELEPHANT_DAY, slug="live")
    assert detector.check_search("ngà voi", "vi", day, campaigns=[other]).campaign == "live"


def test_no_campaigns_no_cost(tiny_detector: Detector) -> None:
    s = tiny_detector.check_search("ngà voi", "vi", date(2026, 8, 10))
    assert s.intercept and s.campaign is None and s.title == "Wildlife"


# --- the bundle file ------------------------------------------------------------------------------------------------


def test_bundles_with_campaigns_round_trip_and_verify(tiny: Library) -> None:
    key = generate_key()
    library = with_campaigns(tiny, ELEPHANT_DAY, TIGER_DAY)
    data = library.to_bundle()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        doc = json.loads(zf.read(CAMPAIGNS_FILE))
    assert doc[0] == {"slug": "world-elephant-day-2026", "start": "2026-08-05", "end": "2026-08-12", "taxa": [],
                      "groups": ["elephants"], "learn_more_url": "https://example.org/elephants",
                      "messages": {"en": {"title": "World Elephant Day", "body": "Ivory kills elephants."},
                                   "fr": {"title": "Journée mondiale de l'éléphant",
                                          "body": "L'ivoire tue les éléphants."}}}
    loaded, manifest = load_signed_bundle(data, sign_digest(key, library.digest()), public_key_pem(key))
    assert loaded.campaigns == [ELEPHANT_DAY, TIGER_DAY]
    assert manifest["content_digest"] == library.digest() != tiny.digest()  # the campaigns are in the digest
    assert Detector(loaded).check_search("ngà voi", "vi", date(2026, 8, 8)).campaign == ELEPHANT_DAY.slug


def test_bundles_without_campaigns_keep_their_digest_and_signature(tiny: Library) -> None:
    """An old bundle (no campaigns file) loads and its signature verifies; a library without campaigns has the
    digest it had before campaigns existed (the six files only)."""
    key = generate_key()
    assert CAMPAIGNS_FILE not in tiny.content()
    old_files = dict(tiny.content())
    assert tiny.digest() == content_digest(old_files, {"library_version": tiny.version})
    data = tiny.to_bundle()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert CAMPAIGNS_FILE not in zf.namelist()
    loaded, _ = load_signed_bundle(data, sign_digest(key, tiny.digest()), public_key_pem(key))
    assert loaded.campaigns == []


def _rewrite(data: bytes, drop: str | None = None, replace: tuple[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            if name == drop:
                continue
            dst.writestr(name, replace[1] if replace and replace[0] == name else src.read(name))
    return out.getvalue()


def test_removing_or_editing_the_campaigns_is_refused(tiny: Library) -> None:
    data = with_campaigns(tiny, ELEPHANT_DAY).to_bundle()
    with pytest.raises(LibraryError, match="missing"):
        load_bundle(_rewrite(data, drop=CAMPAIGNS_FILE))
    longer = [{**ELEPHANT_DAY.to_dict(), "end": "2026-12-31"}]
    with pytest.raises(LibraryError, match="digest mismatch"):
        load_bundle(_rewrite(data, replace=(CAMPAIGNS_FILE, json.dumps(longer).encode())))


@pytest.mark.parametrize(("change", "message"), [
    ({"start": "August"}, "bad date"),
    ({"end": "2026-08-01"}, "ends before it starts"),
    ({"messages": {"fr": {"title": "t", "body": "b"}}}, "no English message"),
    ({"messages": {"en": {"title": "t"}}}, "needs a title and a body"),
    ({"slug": ""}, "without a slug"),
    ({"taxa": "panthera-tigris"}, "must be lists"),
])
def test_bad_campaigns_are_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(LibraryError, match=message):
        campaign_from_dict({**ELEPHANT_DAY.to_dict(), **change})


def test_duplicate_slugs_are_refused(tiny: Library) -> None:
    from wildwatch.detect.library import from_documents

    docs = {**tiny.content(), CAMPAIGNS_FILE: [ELEPHANT_DAY.to_dict(), ELEPHANT_DAY.to_dict()]}
    with pytest.raises(LibraryError, match="same slug"):
        from_documents(docs, "x")


def test_a_library_directory_may_hold_campaigns(tiny: Library, tmp_path: object) -> None:
    from pathlib import Path

    from wildwatch.detect.library import CONTENT_FILES, load_directory

    assert isinstance(tmp_path, Path)
    content = with_campaigns(tiny, TIGER_DAY).content()
    for bundle_path, name in {**CONTENT_FILES, CAMPAIGNS_FILE: "campaigns.json"}.items():
        (tmp_path / name).write_text(json.dumps(content[bundle_path]), "utf-8")
    assert load_directory(tmp_path).campaigns == [TIGER_DAY]
