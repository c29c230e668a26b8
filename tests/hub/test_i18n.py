"""Translations: the committed .mo files match the .po files, and every string of the public pages, the base
template, the account pages and the closed lists has a French translation. No GNU gettext tool is needed: the
catalogs are compiled and the strings found in pure Python (``tools/compile_messages.py``)."""

from __future__ import annotations

import gettext
import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from wildwatch.detect.categories import CATEGORY_DESCRIPTIONS, PRODUCTS
from wildwatch.hub.accounts.roles import OrgKind, PlatformType, Role
from wildwatch.hub.public import services

ROOT = Path(__file__).resolve().parents[2]
HUB = ROOT / "src" / "wildwatch" / "hub"
FRENCH = HUB / "locale" / "fr" / "LC_MESSAGES" / "django.po"
#: the hub's French catalog and the apps' own (``<app>/locale/fr/LC_MESSAGES/django.po``)
FRENCH_CATALOGS = sorted(HUB.glob("**/locale/fr/LC_MESSAGES/django.po"))

#: The files whose every marked string must have a French translation.
#: every template and Python module of the hub (migrations aside): all visible strings are translated
COVERED = [
    *sorted((HUB / "templates").rglob("*.html")),
    *sorted(p for p in HUB.rglob("*.py") if "migrations" not in p.parts),
]


def _load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compile_messages", ROOT / "tools" / "compile_messages.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up
    spec.loader.exec_module(module)
    return module


tool = _load_tool()


def test_the_committed_mo_files_are_up_to_date(tmp_path: Path) -> None:
    pos = tool.po_files()
    assert FRENCH in pos
    for n, po in enumerate(pos):
        copy = tmp_path / str(n) / po.relative_to(po.parents[2])
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(po, copy)
        assert tool.main(["--locale", str(tmp_path / str(n))]) == 0
        assert po.with_suffix(".mo").read_bytes() == copy.with_suffix(".mo").read_bytes(), (
            f"{po.with_suffix('.mo')} is stale: run python tools/compile_messages.py")


def test_compiling_needs_no_gettext_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(FRENCH, target / "django.po")
    monkeypatch.setenv("PATH", "")  # no msgfmt, no xgettext, nothing
    assert tool.main(["--locale", str(tmp_path)]) == 0
    assert (target / "django.mo").read_bytes() == FRENCH.with_suffix(".mo").read_bytes()


def test_every_marked_string_has_a_french_translation() -> None:
    wanted = tool.marked_messages(COVERED)
    assert (None, "Which species are protected?", None) in wanted  # templates are read
    assert (None, "Coalition analyst", None) in wanted  # and Python
    assert (None, "%(counter)s taxon", "%(counter)s taxa") in wanted  # plurals
    missing = tool.untranslated(FRENCH_CATALOGS, wanted)
    assert not missing, f"no French translation in {[str(p.relative_to(HUB)) for p in FRENCH_CATALOGS]} for: {missing}"


def test_closed_lists_are_translated() -> None:
    with translation.override("fr"):
        assert [str(label) for _, label in settings.LANGUAGES] == ["Anglais", "Français"]
        for choices in (OrgKind, PlatformType, Role):
            for value, label in choices.choices:
                with translation.override("en"):
                    english = str(label)
                assert str(label) != english, f"{choices.__name__}.{value} is not translated"
        for category, description in CATEGORY_DESCRIPTIONS.items():
            assert services.category_description(category) != description, category
        for product in PRODUCTS:
            with translation.override("en"):
                english = str(services.PRODUCT_LABELS[product])
            assert str(services.PRODUCT_LABELS[product]) != english, product
        assert translation.gettext("Which species are protected?") == "Quelles espèces sont protégées ?"
        assert translation.ngettext("%(counter)s taxon", "%(counter)s taxa", 2) == "%(counter)s taxons"


def test_the_catalogs_parse_cleanly() -> None:
    for po in tool.po_files():
        entries = tool.parse_po(po.read_text(encoding="utf-8"), str(po))
        header = next(e for e in entries if e.msgid == "")
        assert "charset=UTF-8" in header.msgstr[0] and "Plural-Forms:" in header.msgstr[0]
        for entry in entries:
            if entry.msgid:
                assert entry.translated, entry.msgid
                # placeholders must survive translation
                for text in entry.msgstr.values():
                    assert sorted(_placeholders(text)) == sorted(_placeholders(entry.msgid)), entry.msgid


def _placeholders(text: str) -> list[str]:
    import re

    return re.findall(r"%\(\w+\)s", text)


def test_the_mo_writer(tmp_path: Path) -> None:
    po = r'''
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\n"

# a comment
msgid "Hello"
msgstr "Bonjour"

msgctxt "menu"
msgid "File"
msgstr "Fichier"

#, python-format
msgid "%(n)s cat"
msgid_plural "%(n)s cats"
msgstr[0] "%(n)s chat"
msgstr[1] "%(n)s chats"

msgid ""
"A \"quoted\"\n"
"two-line string"
msgstr "Une chaîne \"entre guillemets\"\n"
"sur deux lignes"

#, fuzzy
msgid "Unsure"
msgstr "Pas sûr"

msgid "Untranslated"
msgstr ""

#~ msgid "Old"
#~ msgstr "Vieux"
'''
    entries = tool.parse_po(po)
    assert len(entries) == 7
    data = tool.mo_bytes(entries)
    assert data == tool.mo_bytes(reversed(entries))  # deterministic
    (tmp_path / "t.mo").write_bytes(data)
    with (tmp_path / "t.mo").open("rb") as f:
        catalog = gettext.GNUTranslations(f)
    assert catalog.gettext("Hello") == "Bonjour"
    assert catalog.pgettext("menu", "File") == "Fichier"
    assert catalog.ngettext("%(n)s cat", "%(n)s cats", 1) == "%(n)s chat"
    assert catalog.ngettext("%(n)s cat", "%(n)s cats", 3) == "%(n)s chats"
    assert catalog.gettext('A "quoted"\ntwo-line string') == 'Une chaîne "entre guillemets"\nsur deux lignes'
    assert catalog.gettext("Unsure") == "Unsure"  # fuzzy: left out
    assert catalog.gettext("Untranslated") == "Untranslated"
    assert catalog.gettext("Old") == "Old"
    with pytest.raises(tool.PoError, match="duplicate"):
        tool.parse_po('msgid "a"\nmsgstr "b"\n\nmsgid "a"\nmsgstr "c"\n')
    with pytest.raises(tool.PoError, match="cannot parse"):
        tool.parse_po('msgid "a"\nmsgstrx "b"\n')


@pytest.mark.django_db
def test_the_ui_switches_language(client: Client) -> None:
    html = client.get("/").content.decode()
    assert '<html lang="en"' in html and "Skip to content" in html
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/species/"})
    assert response.status_code == 302 and response["Location"] == "/species/"
    html = client.get("/species/").content.decode()
    assert '<html lang="fr"' in html
    for text in ("Aller au contenu", "Quelles espèces sont protégées ?", "Se connecter", "Langue",
                 "Nom d’un animal ou d’une plante", "Toutes les langues", "Rechercher"):
        assert text in html, text
    html = client.get(reverse("login")).content.decode()
    assert "Mot de passe" in html and "Nom d’utilisateur" in html
