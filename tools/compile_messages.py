#!/usr/bin/env python3
"""Compile the hub's translations (every ``.po`` under ``src/wildwatch/hub/locale``) to ``.mo``, in pure Python.

GNU gettext (``msgfmt``, ``xgettext``) is not needed: this script reads the ``.po`` files itself and writes the
GNU ``.mo`` format (magic ``0x950412de``, a table of (length, offset) pairs for the originals sorted by original,
one for the translations, then the strings). Fuzzy and untranslated entries are left out, as ``msgfmt`` does. The
output is deterministic, so a test can check that the committed ``.mo`` files are up to date.

It can also list the strings marked for translation (in the templates, with Django's own ``templatize``, and in
Python ``gettext`` calls) that a catalog does not translate yet::

    python tools/compile_messages.py            # compile every .po
    python tools/compile_messages.py --check    # fail if a .mo is stale or a marked string is untranslated
"""

from __future__ import annotations

import argparse
import ast
import re
import struct
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HUB = ROOT / "src" / "wildwatch" / "hub"
LOCALE = HUB / "locale"
MAGIC = 0x950412DE

#: (context, msgid, msgid_plural): the key of a message.
Key = tuple[str | None, str, str | None]


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> Key:
        return self.msgctxt, self.msgid, self.msgid_plural

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values()) and "fuzzy" not in self.flags


class PoError(ValueError):
    pass


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def _unquote(literal: str, where: str) -> str:
    if len(literal) < 2 or literal[0] != '"' or literal[-1] != '"':
        raise PoError(f"{where}: expected a quoted string, got {literal!r}")
    out: list[str] = []
    body = literal[1:-1]
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            if i + 1 >= len(body):
                raise PoError(f"{where}: dangling backslash")
            nxt = body[i + 1]
            if nxt not in _ESCAPES:
                raise PoError(f"{where}: unknown escape \\{nxt}")
            out.append(_ESCAPES[nxt])
            i += 2
            continue
        if ch == '"':
            raise PoError(f"{where}: unescaped quote")
        out.append(ch)
        i += 1
    return "".join(out)


def parse_po(text: str, name: str = "<po>") -> list[Entry]:
    """The entries of a ``.po`` file (obsolete ``#~`` entries are skipped)."""
    entries: list[Entry] = []
    current = Entry()
    started = False
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal current, started, target
        if started:
            entries.append(current)
        current, started, target = Entry(), False, None

    for number, raw in enumerate(text.splitlines(), 1):
        where = f"{name}:{number}"
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            if started and target is not None and target[0] == "msgstr":
                finish()
            current.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
            continue
        if line.startswith("#"):
            if started and target is not None and target[0] == "msgstr":
                finish()
            continue
        if line.startswith('"'):
            if target is None:
                raise PoError(f"{where}: continuation line outside an entry")
            value = _unquote(line, where)
            kind, index = target
            if kind == "msgstr":
                current.msgstr[index] += value
            else:
                setattr(current, kind, (getattr(current, kind) or "") + value)
            continue
        match = _KEYWORD.match(line)
        if not match:
            raise PoError(f"{where}: cannot parse {raw!r}")
        keyword, index_text, literal = match.groups()
        value = _unquote(literal, where)
        if keyword in ("msgctxt", "msgid") and started and target is not None and target[0] == "msgstr":
            finish()
        started = True
        if keyword.startswith("msgstr"):
            index = int(index_text) if index_text is not None else 0
            current.msgstr[index] = value
            target = ("msgstr", index)
        else:
            setattr(current, keyword, value)
            target = (keyword, 0)
    finish()
    seen: set[Key] = set()
    for entry in entries:
        if entry.key in seen:
            raise PoError(f"{name}: duplicate message {entry.msgid!r}")
        seen.add(entry.key)
    return entries


def mo_bytes(entries: Iterable[Entry]) -> bytes:
    """The GNU ``.mo`` file of the translated entries (and the header), deterministic."""
    pairs: dict[bytes, bytes] = {}
    for entry in entries:
        if entry.obsolete or ("fuzzy" in entry.flags and entry.msgid):
            continue
        if entry.msgid and not entry.translated:
            continue
        original = entry.msgid
        if entry.msgctxt is not None:
            original = f"{entry.msgctxt}\x04{original}"
        if entry.msgid_plural is not None:
            original = f"{original}\x00{entry.msgid_plural}"
            translation = "\x00".join(entry.msgstr[i] for i in sorted(entry.msgstr))
        else:
            translation = entry.msgstr.get(0, "")
        pairs[original.encode("utf-8")] = translation.encode("utf-8")
    keys = sorted(pairs)
    count = len(keys)
    header_size = 7 * 4
    originals_table = header_size
    translations_table = originals_table + count * 8
    data_start = translations_table + count * 8
    originals = b""
    translations = b""
    original_index: list[tuple[int, int]] = []
    for key in keys:
        original_index.append((len(key), data_start + len(originals)))
        originals += key + b"\x00"
    translations_start = data_start + len(originals)
    translation_index: list[tuple[int, int]] = []
    for key in keys:
        value = pairs[key]
        translation_index.append((len(value), translations_start + len(translations)))
        translations += value + b"\x00"
    out = struct.pack("<7I", MAGIC, 0, count, originals_table, translations_table, 0, data_start)
    out += b"".join(struct.pack("<2I", *pair) for pair in original_index)
    out += b"".join(struct.pack("<2I", *pair) for pair in translation_index)
    return out + originals + translations


def compile_po(po: Path) -> bytes:
    text = po.read_text(encoding="utf-8")
    if 'charset=UTF-8' not in text and 'charset=utf-8' not in text:
        raise PoError(f"{po}: the header must declare charset=UTF-8")
    return mo_bytes(parse_po(text, str(po)))


def po_files(locale: Path | None = None) -> list[Path]:
    """The catalogs under ``locale`` (``<lang>/LC_MESSAGES/*.po``); by default the hub's own and each app's
    (``src/wildwatch/hub/<app>/locale``: Django finds an installed app's catalogs by itself)."""
    if locale is not None:
        return sorted(locale.glob("*/LC_MESSAGES/*.po"))
    return sorted(HUB.glob("**/locale/*/LC_MESSAGES/*.po"))


def language_of(po: Path) -> str:
    return po.parent.parent.name


# --- the strings marked for translation ----------------------------------------------------------------------------

_LITERAL = r"""u?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
_CALLS = re.compile(
    rf"\b(?P<fn>npgettext|pgettext|ngettext|gettext)\((?P<args>{_LITERAL}(?:,\s*{_LITERAL})*)(?:,\s*count)?\)")
_ARG = re.compile(_LITERAL)
_PY_FUNCTIONS = {
    "_": ("msgid",), "gettext": ("msgid",), "gettext_lazy": ("msgid",), "gettext_noop": ("msgid",),
    "pgettext": ("ctx", "msgid"), "pgettext_lazy": ("ctx", "msgid"),
    "ngettext": ("msgid", "plural"), "ngettext_lazy": ("msgid", "plural"),
    "npgettext": ("ctx", "msgid", "plural"), "npgettext_lazy": ("ctx", "msgid", "plural"),
}


def _key(fn: str, args: Sequence[str]) -> Key:
    if fn == "gettext":
        return None, args[0], None
    if fn == "ngettext":
        return None, args[0], args[1]
    if fn == "pgettext":
        return args[0], args[1], None
    return args[0], args[1], args[2]


def template_messages(path: Path) -> set[Key]:
    """The messages of a Django template (``translate``, ``blocktranslate``), as ``makemessages`` would find them."""
    from django.utils.translation.template import templatize

    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    found: set[Key] = set()
    for call in _CALLS.finditer(code):
        args = [ast.literal_eval(a.group(0).removeprefix("u")) for a in _ARG.finditer(call.group("args"))]
        found.add(_key(call.group("fn"), args))
    return found


def python_messages(path: Path) -> set[Key]:
    """The messages of ``gettext``-family calls with literal arguments in a Python file."""
    found: set[Key] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else (
            node.func.attr if isinstance(node.func, ast.Attribute) else "")
        roles = _PY_FUNCTIONS.get(name)
        if roles is None or len(node.args) < len(roles):
            continue
        values = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
                  for a in node.args[:len(roles)]]
        if any(v is None for v in values):
            continue
        parts = dict(zip(roles, values, strict=True))
        msgid = parts["msgid"]
        assert msgid is not None
        found.add((parts.get("ctx"), msgid, parts.get("plural")))
    return found


def marked_messages(paths: Iterable[Path]) -> set[Key]:
    found: set[Key] = set()
    for path in paths:
        if path.suffix == ".html":
            found |= template_messages(path)
        elif path.suffix == ".py":
            found |= python_messages(path)
    return found


def hub_sources(hub: Path = HUB) -> list[Path]:
    """Every template and Python module of the hub (migrations excluded)."""
    return sorted(p for p in [*hub.rglob("*.html"), *hub.rglob("*.py")] if "migrations" not in p.parts)


def untranslated(po: Path | Iterable[Path], wanted: Iterable[Key]) -> list[Key]:
    """The wanted messages that none of the catalogs ``po`` (one language's) translates."""
    pos = [po] if isinstance(po, Path) else list(po)
    translated = {e.key for p in pos for e in parse_po(p.read_text(encoding="utf-8"), str(p)) if e.translated}
    return sorted((k for k in set(wanted) if k not in translated), key=lambda k: (k[1], k[0] or "", k[2] or ""))


def _setup_django() -> None:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_I18N=True)
    django.setup()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--locale", type=Path, default=None,
                        help="folder of <lang>/LC_MESSAGES/*.po (default: the hub's and each app's locale folders)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; fail if a .mo is stale or a marked string has no translation")
    args = parser.parse_args(argv)
    problems = 0
    for po in po_files(args.locale):
        mo = po.with_suffix(".mo")
        data = compile_po(po)
        if args.check:
            if not mo.exists() or mo.read_bytes() != data:
                print(f"stale: {mo} (run python tools/compile_messages.py)", file=sys.stderr)
                problems += 1
        elif not mo.exists() or mo.read_bytes() != data:
            mo.write_bytes(data)
            print(f"wrote {mo.relative_to(ROOT) if mo.is_relative_to(ROOT) else mo}")
    if args.check:
        _setup_django()
        wanted = marked_messages(hub_sources())
        by_language: dict[str, list[Path]] = {}
        for po in po_files(args.locale):
            by_language.setdefault(language_of(po), []).append(po)
        for language, pos in sorted(by_language.items()):
            for ctx, msgid, _plural in untranslated(pos, wanted):
                print(f"untranslated in {language}: {msgid!r}" + (f" (context {ctx!r})" if ctx else ""),
                      file=sys.stderr)
                problems += 1
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
