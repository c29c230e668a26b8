#!/usr/bin/env python3
"""Build the public common-names layer of the starter library: ``src/wildwatch/data/starter/names.json``.

Inputs:
- ``src/wildwatch/data/starter/taxa.json`` (the taxa; species-rank taxa are looked up in the dataset by scientific
  name and by their ``synonyms``),
- the species-names dataset (v0.0.13, CC-BY-SA-4.0) at ``$WILDWATCH_SHARED/data/species-names/data/Vertebrata``
  (``$WILDWATCH_SHARED`` defaults to ``../shared`` relative to the repository root),
- ``src/wildwatch/data/starter/names_supplement.json``: hand-written names by wildwatch curators (fish, sharks,
  corals and other taxa the dataset lacks, generic group names such as "elephant" or "pangolin", and languages the
  dataset misses).

What it does to the dataset names (see ``LICENSE-names.md``): keeps only the languages in ``LANGS`` (regional variants
such as ``zh-hant`` or ``pt-br`` folded into their language), unescapes HTML entities, strips HTML tags and comments,
splits on "," and ";" (and their CJK and Arabic forms), drops empty fragments, a few wrong or garbled names (``DROP``) and fragments that merely repeat the scientific name, dedupes per taxon and
language case-insensitively, and marks names that need corroboration (``ambiguous``). Genus- and higher-rank taxa get
no dataset names unless ``REPRESENTATIVE`` names a species whose names fit the whole group; their generic names come
from the supplement.

The output is deterministic: ``python tools/build_starter_names.py`` twice gives the same bytes, and the test suite
checks that the committed ``names.json`` equals a fresh build.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypedDict

REPO_ROOT = Path(__file__).resolve().parent.parent
STARTER_DIR = REPO_ROOT / "src" / "wildwatch" / "data" / "starter"
DATASET_SUBDIR = Path("data") / "species-names" / "data" / "Vertebrata"
DATASET_SOURCE = "species-names-dataset 0.0.13"

#: Languages written to names.json, in output order.
LANGS: tuple[str, ...] = (
    "en", "fr", "es", "pt", "de", "it", "ru", "ar", "zh", "ja", "ko", "vi", "th", "id", "ms", "sw",
    "nl", "pl", "tr", "hi",
)  # fmt: skip

#: Regional or script variants in the dataset folded into one of ``LANGS``.
LANG_ALIASES: dict[str, str] = {
    "zh-hans": "zh",
    "zh-hant": "zh",
    "pt-br": "pt",
    "pt-pt": "pt",
    "pt-": "pt",
    "en-us": "en",
    "en-gb": "en",
    "en-ca": "en",
    "es-pe": "es",
}

#: Genus- or higher-rank taxon id -> a species whose dataset names are appropriate for the whole taxon. Empty on
#: purpose: for the starter taxa every candidate species' names were species-specific ("Buru babirusa", "Siberian
#: musk deer"), so the group names are hand-written in the supplement instead.
REPRESENTATIVE: dict[str, str] = {}

# fmt: off
#: Names (case-folded) that have a common non-wildlife sense in that language: a brand, a colour or print, a person's
#: name, a place, a figure of speech. They need corroboration before they count.
AMBIGUOUS_NAMES: dict[str, frozenset[str]] = {
    "en": frozenset({
        "tiger", "lion", "leopard", "jaguar", "puma", "cougar", "panther", "black panther", "cheetah", "lynx", "ocelot",
        "python", "cobra", "boa", "anaconda", "viper", "mamba", "coral", "red coral", "pink coral", "blue coral",
        "shark", "hammerhead", "mako", "stingray", "manta", "turtle", "tortoiseshell", "eagle", "hawk", "falcon",
        "owl", "kite", "crane", "swift", "robin", "cardinal", "jay", "mammoth", "panda", "gorilla", "ape", "monkey",
        "bear", "honey bear", "rhino", "crocodile", "croc", "alligator", "gator", "parrot", "chameleon", "gecko",
        "orca", "otter", "deer", "stag", "bird of paradise", "bird-of-paradise", "sea cow", "tusker", "komodo",
        "wolf", "grey wolf", "gray wolf", "fennec", "bobcat", "wildcat", "mink", "sable", "ermine",
        "elephant", "skate", "great white", "tortoise", "manta ray", "mako shark", "tiger shark", "bull shark",
        "dogfish", "thresher", "sawfish", "seahorse", "sea horse", "eel", "snake", "lizard", "frog", "toad",
    }),
    "fr": frozenset({
        "tigre", "lion", "léopard", "jaguar", "puma", "panthère", "lynx", "python", "cobra", "boa", "anaconda",
        "corail", "corail rouge", "requin", "faucon", "aigle", "mammouth", "panda", "gorille", "ours", "rhino",
        "crocodile", "caméléon", "orque", "hippocampe", "amazone", "napoléon", "bénitier", "magot", "jaco", "loup",
    }),
    "es": frozenset({
        "tigre", "león", "leopardo", "jaguar", "puma", "pantera", "lince", "pitón", "cobra", "boa", "anaconda",
        "coral", "coral rojo", "tiburón", "halcón", "águila", "mamut", "panda", "gorila", "mono", "oso", "rino",
        "cocodrilo", "camaleón", "orca", "manta", "raya", "amazona", "carey", "cotorra", "carolina", "lobo",
        "ave del paraíso",
    }),
    "pt": frozenset({
        "tigre", "leão", "leopardo", "jaguar", "onça", "puma", "pantera", "lince", "píton", "cobra", "jiboia", "coral",
        "coral vermelho", "tubarão", "falcão", "águia", "mamute", "panda", "gorila", "macaco", "mico", "urso", "rino",
        "crocodilo", "camaleão", "orca", "manta", "papagaio", "gibão", "veado", "lobo",
    }),
    "de": frozenset({
        "tiger", "löwe", "leopard", "jaguar", "puma", "panther", "luchs", "python", "kobra", "boa", "anakonda",
        "koralle", "hai", "falke", "adler", "mammut", "panda", "gorilla", "affe", "bär", "krokodil", "chamäleon",
        "orca", "otter", "amazone", "hirsch", "wolf",
    }),
    "it": frozenset({
        "tigre", "leone", "leopardo", "giaguaro", "puma", "pantera", "lince", "pitone", "cobra", "boa", "anaconda",
        "corallo", "corallo rosso", "squalo", "falco", "aquila", "mammut", "panda", "gorilla", "scimmia", "orso",
        "coccodrillo", "camaleonte", "orca", "manta", "razza", "pappagallo", "civetta", "lupo",
    }),
    "ru": frozenset({
        "тигр", "лев", "леопард", "ягуар", "пума", "пантера", "рысь", "питон", "кобра", "удав", "анаконда", "коралл",
        "акула", "сокол", "орёл", "орел", "мамонт", "панда", "горилла", "медведь", "крокодил", "хамелеон", "косатка",
        "слон", "ящер", "попугай", "волк",
    }),
    "ar": frozenset({"نمر", "النمر", "أسد", "الأسد", "فهد", "صقر", "شاهين", "الحر", "يسر", "ضب", "ذئب"}),
    "zh": frozenset({
        "虎", "老虎", "狮", "狮子", "豹", "象", "熊", "熊猫", "犀", "龟", "乌龟", "鳄", "蟒", "鲨", "猴", "猿", "麝",
        "玳瑁", "阿卡", "金龙鱼", "天堂鸟", "美洲狮", "美洲豹",
    }),
    "ja": frozenset({
        "トラ", "虎", "ライオン", "ヒョウ", "ジャガー", "ピューマ", "パンサー", "サイ", "クマ", "熊", "パンダ", "サル",
        "猿", "カメ", "ハヤブサ", "マンモス", "コブラ", "シャチ", "鹿",
    }),
    "ko": frozenset({"범", "곰", "매", "재규어", "퓨마", "해마", "늑대"}),
    "vi": frozenset({"đồi mồi", "cu li", "báo"}),
    "th": frozenset({"เสือ", "ช้าง", "แรด", "หมี", "เต่า", "ชะนี", "เหี้ย", "กระ", "นาก"}),
    "id": frozenset({"macan", "buaya", "komodo", "karang", "pari", "singa"}),
    "ms": frozenset({"harimau", "karang", "singa"}),
    "sw": frozenset({"simba", "tembo", "kobe", "kasa", "papa", "mamba", "kima", "chui"}),
    "nl": frozenset({"tijger", "leeuw", "luipaard", "jaguar", "poema", "beer", "python", "cobra", "haai", "koraal"}),
    "pl": frozenset({"tygrys", "lew", "lampart", "jaguar", "puma", "pyton", "kobra", "rekin", "orzeł", "sokół"}),
    "tr": frozenset({"kaplan", "aslan", "pars", "jaguar", "puma", "şahin", "doğan", "kartal", "piton", "kobra"}),
    "hi": frozenset({"शेर", "नाग", "मूंगा", "उल्लू", "चीता"}),
}

#: Dataset names that are wrong for the taxon or garbled, as (taxon id, language, case-folded name).
DROP: frozenset[tuple[str, str, str]] = frozenset({
    ("panthera-onca", "ms", "sembarang ngenjuk namo"),  # not a name
    ("pantholops-hodgsonii", "en", "tibetan antelopeç"),  # stray character; the clean form is in the supplement
    ("elephas-maximus", "ar", "فبل هندي"),  # misspelt ("فيل")
    ("caiman-latirostris", "en", "black caiman"),  # that is Melanosuchus niger
    ("puma-concolor", "en", "tiger"),  # a regional nickname that would tie "tiger" to the puma
    ("otocolobus-manul", "zh", "兔猻屬"),  # the genus, not the species
})
# fmt: on

_COMMENT_RE = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_TAG_RE = re.compile(r"<[^>]*>?")
_SPLIT_RE = re.compile(r"[,;，；、،؛]| - ")
_SPACE_RE = re.compile(r"\s+")
_STRAY_RE = re.compile(r"^[\s\[\]()'\"’.\-–—:]+|[\s\[\]()'\"’.\-–—:]+$")


class Name(TypedDict):
    id: str
    taxon: str
    lang: str
    name: str
    source: str
    ambiguous: bool


def name_id(taxon: str, lang: str, name: str) -> str:
    """A stable id: the same name of the same taxon in the same language keeps its id whatever the file order."""
    digest = hashlib.sha256(f"{taxon}|{lang}|{name.casefold()}".encode()).hexdigest()[:10]
    return f"n-{taxon}-{lang}-{digest}"


def default_shared_dir() -> Path:
    """``$WILDWATCH_SHARED``, or ``../shared`` relative to the repository root."""
    env = os.environ.get("WILDWATCH_SHARED")
    return Path(env) if env else (REPO_ROOT.parent / "shared")


def normalise_lang(code: str) -> str | None:
    """The target language for a dataset language code, or None if it is not one we keep."""
    code = code.strip().lower()
    code = LANG_ALIASES.get(code, code)
    return code if code in LANGS else None


def clean_name(raw: str) -> list[str]:
    """Unescape HTML, strip tags and comments, split on ',' and ';', trim: the usable names in one dataset value."""
    text = _COMMENT_RE.sub("", html.unescape(raw))
    text = _TAG_RE.sub("", text).replace("\u00a0", " ")
    names = []
    for part in _SPLIT_RE.split(text):
        part = _STRAY_RE.sub("", _SPACE_RE.sub(" ", part)).strip()
        if not part or not any(ch.isalpha() for ch in part):
            continue
        if part.count("[") != part.count("]") or part.count("(") != part.count(")"):
            continue
        names.append(part)
    return names


def _is_latin_letter(ch: str) -> bool:
    return ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN")


def is_ambiguous(name: str, lang: str) -> bool:
    """True for names with a common non-wildlife sense, and for very short names that match too much text."""
    folded = name.casefold()
    words = AMBIGUOUS_NAMES.get(lang, frozenset())
    if folded in words:
        return True
    # plurals of ambiguous names ("sharks", "tigers", "lions") are just as ambiguous
    for ending in ("s", "es"):
        if folded.endswith(ending) and folded[: -len(ending)] in words:
            return True
    letters = [ch for ch in name if ch.isalpha()]
    if letters and all(_is_latin_letter(ch) for ch in letters) and len(letters) <= 3:
        return True
    # A single CJK character or Hangul syllable is a common word in its own right.
    return lang in ("zh", "ja", "ko") and len(letters) == 1


def load_dataset(vertebrata_dir: Path) -> dict[str, list[dict[str, object]]]:
    """Scientific name -> the dataset's common-name records, over every class and genus file."""
    index: dict[str, list[dict[str, object]]] = {}
    for path in sorted(vertebrata_dir.glob("*/*.json")):
        with path.open(encoding="utf-8") as fh:
            for species in json.load(fh):
                index.setdefault(species["scientific_name"].strip(), []).extend(species.get("common_names") or [])
    return index


def dataset_names(records: Iterable[dict[str, object]], scientific: set[str]) -> Iterator[tuple[str, str]]:
    """(lang, name) pairs from a species' dataset records, cleaned, in dataset order."""
    for rec in records:
        lang = normalise_lang(str(rec.get("lang", "")))
        if lang is None:
            continue
        synonyms = rec.get("synonyms")
        raws = [str(rec.get("name") or "")] + ([str(s) for s in synonyms] if isinstance(synonyms, list) else [])
        for raw in raws:
            for name in clean_name(raw):
                if name.casefold() not in scientific:
                    yield lang, name


def build(taxa_path: Path, supplement_path: Path, vertebrata_dir: Path) -> list[Name]:
    """The names.json entries: dataset names first, then the supplement, deduped per taxon and language."""
    with taxa_path.open(encoding="utf-8") as fh:
        taxa = json.load(fh)
    with supplement_path.open(encoding="utf-8") as fh:
        supplement = json.load(fh)
    index = load_dataset(vertebrata_dir)

    taxon_ids = [t["id"] for t in taxa]
    known = set(taxon_ids)
    by_taxon: dict[str, dict[str, list[Name]]] = {tid: {lang: [] for lang in LANGS} for tid in taxon_ids}
    seen: dict[tuple[str, str, str], Name] = {}

    def add(taxon: str, lang: str, name: str, source: str, ambiguous: bool) -> None:
        key = (taxon, lang, name.casefold())
        amb = ambiguous or is_ambiguous(name, lang)
        if key in seen:
            seen[key]["ambiguous"] = seen[key]["ambiguous"] or amb
            return
        entry: Name = {"id": name_id(taxon, lang, name), "taxon": taxon, "lang": lang, "name": name, "source": source,
                       "ambiguous": amb}
        seen[key] = entry
        by_taxon[taxon][lang].append(entry)

    for taxon in taxa:
        lookup: list[str] = []
        if taxon["rank"] in ("species", "subspecies"):
            lookup = [taxon["scientific_name"], *taxon.get("synonyms", [])]
        elif taxon["id"] in REPRESENTATIVE:
            lookup = [REPRESENTATIVE[taxon["id"]]]
        scientific = {s.casefold() for s in lookup}
        for sci in lookup:
            for lang, name in dataset_names(index.get(sci, []), scientific):
                if (taxon["id"], lang, name.casefold()) not in DROP:
                    add(taxon["id"], lang, name, DATASET_SOURCE, False)

    for entry in supplement:
        if entry["taxon"] not in known:
            raise ValueError(f"supplement names unknown taxon {entry['taxon']!r}")
        if entry["lang"] not in LANGS:
            raise ValueError(f"supplement uses language {entry['lang']!r} outside LANGS")
        name = _SPACE_RE.sub(" ", entry["name"]).strip()
        add(entry["taxon"], entry["lang"], name, entry["source"], bool(entry["ambiguous"]))

    return [entry for tid in taxon_ids for lang in LANGS for entry in by_taxon[tid][lang]]


def dumps(entries: list[Name]) -> str:
    """The exact text written to names.json."""
    return json.dumps(entries, ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shared", type=Path, default=default_shared_dir(), help="the shared data directory")
    parser.add_argument("--taxa", type=Path, default=STARTER_DIR / "taxa.json")
    parser.add_argument("--supplement", type=Path, default=STARTER_DIR / "names_supplement.json")
    parser.add_argument("--out", type=Path, default=STARTER_DIR / "names.json")
    args = parser.parse_args(argv)

    vertebrata = args.shared / DATASET_SUBDIR
    if not vertebrata.is_dir():
        print(f"species-names dataset not found at {vertebrata}", file=sys.stderr)
        return 2
    entries = build(args.taxa, args.supplement, vertebrata)
    args.out.write_text(dumps(entries), encoding="utf-8")
    langs = sorted({e["lang"] for e in entries}, key=LANGS.index)
    print(f"wrote {len(entries)} names in {len(langs)} languages to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
