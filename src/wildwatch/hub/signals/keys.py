"""The HMAC keys of contact signals: held by the hub alone, never shared, and rotated.

Phone numbers are a small space: anyone holding the key could hash every number and reverse the signals. So a
contact's HMAC never leaves the hub (members do not pull contact signals) and contacts are matched on the hub only.
Keys live in files under ``VAR_DIR/signal-keys/``, or in the folder ``WILDWATCH_SIGNAL_KEYS`` names (mode 0600, one
per key id: ``k1``, ``k2``…); the newest is the current one, used for new signals. Each contact signal stores its
key's id; a check hashes a contact with every key that active signals still use, so a rotation never stops old
signals from matching. Back the folder up with the hub's other secrets: a lost key makes its signals unmatchable.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from django.conf import settings

FOLDER = "signal-keys"
_ID = re.compile(r"k(\d{1,6})")


def _folder() -> Path:
    configured = getattr(settings, "WILDWATCH_SIGNAL_KEYS", None)  # a secrets mount, say
    return Path(configured) if configured else Path(settings.VAR_DIR) / FOLDER


def _ids() -> list[str]:
    folder = _folder()
    if not folder.is_dir():
        return []
    found = [p.name for p in folder.iterdir() if _ID.fullmatch(p.name)]
    return sorted(found, key=lambda name: int(name[1:]))


#: folder -> (the names in it, its keys): every check reads the keys; a rotation adds a name (key files are
#: written once, never changed), so the names tell when to read the files again
_cache: dict[str, tuple[tuple[str, ...], dict[str, bytes]]] = {}


def all_keys() -> dict[str, bytes]:
    """Key id -> key, the current one last (a first key is made on first use). The key files are read again only
    when the folder's names changed, so that a check does not read every key file."""
    folder = _folder()
    names = _names(folder)
    cached = _cache.get(str(folder))
    if cached is not None and names and cached[0] == names:
        return dict(cached[1])
    if not _ids():
        rotate()
        names = _names(folder)
    found = {key_id: (folder / key_id).read_bytes().strip() for key_id in _ids()}
    if names and names == _names(folder) and all(found.values()):  # not while a key is being written
        _cache[str(folder)] = (names, found)
    return dict(found)


def _names(folder: Path) -> tuple[str, ...]:
    try:
        return tuple(sorted(os.listdir(folder)))
    except FileNotFoundError:
        return ()


def current() -> tuple[str, bytes]:
    """The id and the key that new contact signals use."""
    keys = all_keys()
    key_id = next(reversed(keys))
    return key_id, keys[key_id]


def rotate() -> str:
    """Make a new current key; returns its id. Old keys stay, so their signals keep matching."""
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    ids = _ids()
    number = int(ids[-1][1:]) + 1 if ids else 1
    while True:
        key_id = f"k{number}"
        try:
            fd = os.open(folder / key_id, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process rotated at the same moment
            number += 1
            continue
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_hex(32).encode("ascii"))
        return key_id


def digest(kind: str, value: str, key: bytes) -> str:
    """HMAC-SHA256 (hex) of a normalised contact (its kind and value)."""
    return hmac.new(key, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()
