"""Identifiers of holds, normalised with the engine's normalisers and hashed with a server secret.

The same listing or contact spelled differently gives the same identifier: URLs through ``canonical_url``
(tracking parameters, ``www.``, the scheme...), phone numbers in E.164, e-mail addresses and messaging handles
through ``wildwatch.detect.contact_norm``. A WhatsApp or Zalo account is a phone number, so it is one.

Only ``digest(identifier)`` is stored: HMAC-SHA256 keyed with ``settings.WILDWATCH_HOLD_KEY`` or, without it, a
random key kept in ``VAR_DIR/hold-key`` or the file ``WILDWATCH_HOLD_KEY_FILE`` names (made on first use, mode 0600,
like the hub's signing key). Without the key, a dump of the database cannot be checked against guessed phone
numbers. Changing the key makes every stored hold stop matching: keep it with the hub's other secrets.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from wildwatch.detect.contact_norm import normalize_email, normalize_handle, normalize_phone
from wildwatch.detect.urls import canonical_url

KEY_FILE = "hold-key"
_PHONE_PLATFORMS = ("whatsapp:", "zalo:")


@dataclass(frozen=True)
class Identifier:
    """A normalised identifier: ``kind`` (url, seller, phone, email, handle) and its normalised ``value``."""

    kind: str
    value: str

    @property
    def hint(self) -> str:
        """What an officer may see of it on a list without revealing it: the host of a URL on a member platform,
        the platform of a seller or handle, the last two digits of a number."""
        if self.kind == "url":
            from wildwatch.hub.reports.services import platform_for_host

            host = self.value.removeprefix("https://").split("/", 1)[0]
            return host if platform_for_host(host) is not None else ""
        if self.kind == "seller":
            return self.value.split(":", 1)[0]
        if self.kind == "phone":
            return "…" + self.value[-2:]
        if self.kind == "handle" and ":" in self.value:
            return self.value.split(":", 1)[0]
        return ""


def url_identifier(url: str) -> Identifier:
    """The identifier of a listing URL; ``ValueError`` when it is not an http(s) address."""
    return Identifier("url", canonical_url(url))


def seller_identifier(platform_slug: str, account: str) -> Identifier | None:
    """A seller's account on a member platform: the platform and the account, lowercased, without ``@``."""
    name = " ".join(account.split()).lstrip("@").casefold()
    return Identifier("seller", f"{platform_slug}:{name}") if name and platform_slug else None


def contact_identifier(raw: str, region: str | None = None) -> Identifier | None:
    """A seller's contact (a link to a chat or a profile, an e-mail address, a phone number, ``platform:name``,
    ``@name``) as an identifier, or None when none of the normalisers recognises it. ``region`` is the country
    assumed for phone numbers written without a country code."""
    text = raw.strip()
    if not text:
        return None
    handle = None
    if "/" in text or ":" in text or text.startswith("@"):
        try:
            handle = normalize_handle(text, default_region=region)
        except ValueError:  # "skype:name": a platform the normaliser does not know
            handle = None
    if handle is None and "@" in text.strip("@"):
        email = normalize_email(text)
        if email is not None:
            return Identifier("email", email)
    if handle is None:
        phone = normalize_phone(text, region)
        if phone is not None:
            return Identifier("phone", phone)
        return None
    if handle.startswith(_PHONE_PLATFORMS):
        return Identifier("phone", handle.split(":", 1)[1])
    return Identifier("handle", handle)


def query_variants(identifiers: Iterable[Identifier]) -> set[Identifier]:
    """What a check looks up: each identifier, and for a handle on a known platform its bare ``@name`` too (a hold
    on ``@name`` without a platform covers every platform's ``name``)."""
    found: set[Identifier] = set()
    for ident in identifiers:
        found.add(ident)
        if ident.kind == "handle" and ":" in ident.value:
            found.add(Identifier("handle", "@" + ident.value.split(":", 1)[1].lstrip("@")))
    return found


def region_of(countries: Iterable[str]) -> str | None:
    """The region for numbers without a country code: the platform's country when it has exactly one."""
    codes = {c.strip().upper() for c in countries if c and c.strip()}
    return codes.pop() if len(codes) == 1 else None


# --- the key -----------------------------------------------------------------------------------------------------


def _key_path() -> Path:
    configured = getattr(settings, "WILDWATCH_HOLD_KEY_FILE", None)  # a secrets mount, say
    return Path(configured) if configured else Path(settings.VAR_DIR) / KEY_FILE


def hold_key() -> bytes:
    """The HMAC key: ``settings.WILDWATCH_HOLD_KEY`` if set, else the key file (made on first use, mode 0600)."""
    configured = getattr(settings, "WILDWATCH_HOLD_KEY", None)
    if configured:
        return configured.encode("utf-8") if isinstance(configured, str) else bytes(configured)
    path = _key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # made by a concurrent process meanwhile
            pass
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(secrets.token_hex(32).encode("ascii"))
    for _ in range(50):  # a concurrent process may still be writing it
        data = path.read_bytes().strip()
        if data:
            return data
        time.sleep(0.01)
    raise RuntimeError(f"the hold key file {path} is empty")


def digest(identifier: Identifier, key: bytes | None = None) -> str:
    """HMAC-SHA256 (hex) of the identifier's kind and normalised value."""
    message = f"{identifier.kind}\x00{identifier.value}".encode()
    return hmac.new(key if key is not None else hold_key(), message, hashlib.sha256).hexdigest()
