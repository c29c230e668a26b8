from __future__ import annotations

import pytest

from wildwatch.detect.engine import Detector
from wildwatch.detect.library import Library, Taxon, Term, load_starter


def _t(tid: str, term: str, kind: str, lang: str = "en", **kw: object) -> Term:
    return Term(id=tid, term=term, lang=lang, kind=kind, source="test", **kw)  # type: ignore[arg-type]


def tiny_library() -> Library:
    """A small, hand-written library: rule tests do not depend on the starter data."""
    taxa = {
        t.id: t
        for t in [
            Taxon("loxodonta-africana", "Loxodonta africana", "I", "prohibited", group="elephants",
                  products=("ivory",)),
            Taxon("psittacus-erithacus", "Psittacus erithacus", "I", "prohibited", group="parrots",
                  products=("live_animal",)),
            Taxon("amazona-aestiva", "Amazona aestiva", "II", "restricted", group="parrots",
                  products=("live_animal",)),
            Taxon("panthera-tigris", "Panthera tigris", "I", "prohibited", group="big-cats"),
            Taxon("mammuthus-primigenius", "Mammuthus primigenius", None, "cover", group="mammoth"),
        ]
    }
    terms = [
        _t("n1", "African elephant", "name", taxon="loxodonta-africana", group="elephants"),
        _t("n2", "grey parrot", "name", taxon="psittacus-erithacus", group="parrots"),
        _t("n3", "blue-fronted amazon", "name", taxon="amazona-aestiva", group="parrots"),
        _t("n4", "tiger", "name", taxon="panthera-tigris", group="big-cats", ambiguous=True),
        _t("n5", "hổ", "name", lang="vi", taxon="panthera-tigris", group="big-cats"),
        _t("p1", "ivory", "product", group="elephants", product="ivory", ambiguous=True, tags=("ivory",)),
        _t("p2", "rhino horn", "product", product="horn", category="prohibited"),
        _t("p3", "ngà voi", "product", lang="vi", group="elephants", product="ivory"),
        _t("p4", "象牙", "product", lang="zh", group="elephants", product="ivory"),
        _t("c1", "mammoth ivory", "cover", group="mammoth", product="ivory", category="cover", tags=("mammoth",)),
        _t("e1", "🐘", "emoji", lang="und", group="elephants", ambiguous=True),
        _t("k1", "carved", "part", product="ivory"),
        _t("k2", "skin", "part", product="skin_fur"),
        _t("k3", "live", "part", product="live_animal"),
        _t("i1", "for sale", "intent"),
        _t("i2", "whatsapp", "intent"),
        _t("i3", "bán", "intent", lang="vi"),
        _t("i4", "出售", "intent", lang="zh"),
        _t("b1", "dress", "benign", context="colour"),
        _t("b2", "tiger balm", "benign", context="brand"),
        _t("b3", "resin", "benign", context="replica"),
        _t("b4", "poaching", "benign", context="awareness"),
        _t("b5", "piano", "benign", context="replica", tags=("instrument",)),
        _t("p5", "shark fin", "product", product="meat_eggs", category="restricted", tags=("shark_fin",)),
        _t("b7", "shark fin antenna", "benign", context="replica"),
        _t("b8", "fossil", "benign", context="fossil"),
        _t("b9", "wooden", "benign", context="material"),
        _t("k4", "modern", "part", tags=("modern",)),
        _t("k5", "carving", "part", tags=("form",)),
        _t("n6", "Stör", "name", lang="de", taxon="panthera-tigris", group="big-cats"),
        _t("i5", "zu verkaufen", "intent", lang="de"),
    ]
    import json
    from importlib import resources

    rules = json.loads((resources.files("wildwatch") / "data" / "starter" / "rules.json").read_text("utf-8"))
    profiles = json.loads((resources.files("wildwatch") / "data" / "starter" / "profiles.json").read_text("utf-8"))
    messages = {"en": {"title": "Wildlife", "body": "Protected wildlife may not be sold.", "learn_more_url": "/species/"},
                "fr": {"title": "Faune", "body": "La faune protégée ne se vend pas.", "learn_more_url": "/species/?lang=fr"}}
    return Library("test.1", taxa, terms, rules, profiles, messages)


@pytest.fixture(scope="session")
def tiny() -> Library:
    return tiny_library()


@pytest.fixture(scope="session")
def tiny_detector(tiny: Library) -> Detector:
    return Detector(tiny)


@pytest.fixture(scope="session")
def starter() -> Library:
    return load_starter()


@pytest.fixture(scope="session")
def detector(starter: Library) -> Detector:
    return Detector(starter)
