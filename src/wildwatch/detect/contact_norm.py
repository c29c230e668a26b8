"""Normalisers for contact details (phone numbers, e-mail addresses, messaging handles).

Holds and signal sharing compare contacts by their normalised value, so every function here maps the many ways a
seller writes the same contact to one string, or returns None when the input is not a usable contact. The public
entry point is `wildwatch.detect.contacts`, which re-exports these functions.
"""

from __future__ import annotations

import os
import re
from typing import Final
from urllib.parse import parse_qs, urlsplit

import phonenumbers

__all__ = ["PHONE_REGION_ENV", "PLATFORMS", "normalize_email", "normalize_handle", "normalize_phone"]

#: Environment variable naming the region (ISO 3166 alpha-2) assumed for numbers written without a country code.
PHONE_REGION_ENV: Final = "WILDWATCH_PHONE_REGION"

#: Platforms `normalize_handle` knows, and the prefix of the values it returns.
PLATFORMS: Final[tuple[str, ...]] = (
    "whatsapp", "telegram", "wechat", "line", "zalo", "instagram", "facebook", "tiktok",
)

_PLATFORM_ALIASES: Final[dict[str, str]] = {
    "wa": "whatsapp", "whats app": "whatsapp", "tg": "telegram", "tele": "telegram", "weixin": "wechat",
    "wx": "wechat", "vx": "wechat", "微信": "wechat", "ig": "instagram", "insta": "instagram", "fb": "facebook",
    "messenger": "facebook", "tik tok": "tiktok",
}
#: Platforms whose accounts are phone numbers, with the region assumed when none is configured.
_PHONE_PLATFORMS: Final[dict[str, str]] = {"whatsapp": "ZZ", "zalo": "VN"}

_EMAIL: Final = re.compile(r"([A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+)@([^\s@]+\.[^\s@.]+)")
_GMAIL_DOMAINS: Final = frozenset({"gmail.com", "googlemail.com"})

_TELEGRAM: Final = re.compile(r"[a-z][a-z0-9_]{3,31}")
_WECHAT: Final = re.compile(r"[a-z][a-z0-9_-]{4,19}")
_LINE: Final = re.compile(r"@?[a-z0-9._-]{2,20}")
_INSTAGRAM: Final = re.compile(r"[a-z0-9._]{1,30}")
_FACEBOOK: Final = re.compile(r"[a-z0-9.]{3,50}|\d{5,20}")
_TIKTOK: Final = re.compile(r"[a-z0-9._]{2,24}")
_NAME_PATTERNS: Final[dict[str, re.Pattern[str]]] = {
    "telegram": _TELEGRAM, "wechat": _WECHAT, "line": _LINE, "instagram": _INSTAGRAM, "facebook": _FACEBOOK,
    "tiktok": _TIKTOK,
}
#: First path segments that are pages of the site, not accounts.
_RESERVED: Final[frozenset[str]] = frozenset(
    {"p", "reel", "reels", "explore", "accounts", "tv", "direct", "about", "marketplace", "groups", "pages", "watch",
     "events", "login", "share", "sharer", "photo", "photo.php", "story.php", "permalink.php", "hashtag", "help",
     "joinchat", "s", "c", "addstickers", "proxy", "search", "policies", "legal", "privacy", "discover", "tag"}
)
_KNOWN_NAMES: Final = frozenset(PLATFORMS) | frozenset(_PLATFORM_ALIASES)
_ID_SUFFIX: Final = re.compile(r"\s*(?:id|号|號)$")
_HOSTS: Final[dict[str, str]] = {
    "wa.me": "whatsapp", "api.whatsapp.com": "whatsapp", "web.whatsapp.com": "whatsapp", "whatsapp.com": "whatsapp",
    "t.me": "telegram", "telegram.me": "telegram", "telegram.dog": "telegram", "line.me": "line",
    "zalo.me": "zalo", "chat.zalo.me": "zalo", "instagram.com": "instagram", "instagr.am": "instagram",
    "facebook.com": "facebook", "fb.com": "facebook", "fb.me": "facebook", "m.me": "facebook",
    "web.facebook.com": "facebook", "tiktok.com": "tiktok", "weixin.qq.com": "wechat",
}


def _default_region(region: str | None) -> str:
    return (region or os.environ.get(PHONE_REGION_ENV) or "ZZ").upper()


def normalize_phone(raw: str, default_region: str | None = None) -> str | None:
    """The E.164 form (``+84912345678``) of a phone number, or None if it is not a valid number.

    Numbers without a country code are read in `default_region`, which defaults to the environment variable
    `PHONE_REGION_ENV` (read at call time) and then to ``ZZ`` (unknown: only ``+``/``00`` numbers are accepted).
    """
    text = raw.strip()
    if text.lower().startswith("tel:"):
        text = text[4:].strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, _default_region(default_region))
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str, *, strip_tags: bool = True) -> str | None:
    """The normalised form of an e-mail address, or None if it is not one.

    Strips blanks, ``mailto:`` and angle brackets; lowercases; encodes an internationalised domain in punycode.
    ``googlemail.com`` becomes ``gmail.com`` and dots in Gmail local parts are dropped (Gmail ignores them). With
    `strip_tags` (the default) a ``+tag`` suffix of the local part is removed for every domain: most providers
    deliver ``name+tag@`` to ``name@``, and a seller who varies the tag is still the same seller.
    """
    text = raw.strip().strip("<>").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:].split("?", 1)[0]
    match = _EMAIL.fullmatch(text)
    if match is None:
        return None
    local, domain = match[1].lower(), match[2].lower().rstrip(".")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    if strip_tags or domain in _GMAIL_DOMAINS:
        local = local.split("+", 1)[0]
    if domain in _GMAIL_DOMAINS:
        domain, local = "gmail.com", local.replace(".", "")
    if not local or local.startswith(".") or local.endswith(".") or ".." in local:
        return None
    return f"{local}@{domain}"


def _platform(name: str | None) -> str | None:
    if name is None:
        return None
    key = " ".join(name.lower().split())
    key = _PLATFORM_ALIASES.get(key, key)
    if key not in PLATFORMS:
        raise ValueError(f"unknown messaging platform {name!r}; known: {', '.join(PLATFORMS)}")
    return key


def _from_url(text: str) -> tuple[str, str] | None:
    """(platform, account) from a profile or chat link, or None if the text is not such a link."""
    url = text if "://" in text else "https://" + text
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").removeprefix("www.")
    except ValueError:
        return None
    if parts.scheme == "tg":  # tg://resolve?domain=NAME
        return "telegram", parse_qs(parts.query).get("domain", [""])[0]
    host = host.removeprefix("m.") if host != "m.me" else host
    platform = _HOSTS.get(host)
    if platform is None:
        return None
    segments = [segment for segment in parts.path.split("/") if segment]
    query = parse_qs(parts.query)
    if platform == "whatsapp":
        account = query.get("phone", [""])[0] if not segments or segments[0] == "send" else segments[0]
        return platform, "+" + account.lstrip("+") if account else ""
    if platform == "facebook" and segments[:1] == ["profile.php"]:
        return platform, query.get("id", [""])[0]
    if platform == "facebook" and segments[:1] == ["people"] and len(segments) >= 3:
        return platform, segments[2]
    if platform == "telegram" and segments[:1] == ["s"]:
        segments = segments[1:]
    if platform == "line":  # line.me/ti/p/~id, line.me/R/ti/p/@id
        tail = segments[-1] if segments and segments[-1][:1] in "~@" else ""
        return platform, tail.lstrip("~")
    if platform == "instagram" and segments[:1] == ["stories"]:
        segments = segments[1:]
    if not segments or segments[0].lower() in _RESERVED:
        return platform, ""
    return platform, segments[0]


def normalize_handle(raw: str, platform: str | None = None, default_region: str | None = None) -> str | None:
    """``platform:account`` for a messaging or social-media contact, or None if it cannot be normalised.

    Accepts profile and chat links (``wa.me/84912345678``, ``t.me/name``, ``instagram.com/name``,
    ``facebook.com/profile.php?id=1``, ``tiktok.com/@name``, ``line.me/ti/p/~id``, ``zalo.me/0912345678``),
    prefixed values (``wechat:id``, ``line:id``) and, when `platform` is given, bare accounts or ``@name``.

    - WhatsApp and Zalo accounts are phone numbers: ``whatsapp:+84912345678`` (Zalo numbers default to region VN);
    - Telegram, Instagram, TikTok, WeChat and LINE names are lowercased; Facebook names lose their dots (Facebook
      ignores them); a LINE official account keeps its ``@``;
    - without a platform, a bare ``@name`` gives ``@name`` (lowercased): the platform is unknown.
    """
    text = raw.strip()
    chosen = _platform(platform)
    found = _from_url(text) if "/" in text or text.lower().startswith("tg://") else None
    if found is not None:
        chosen, account = found
    else:
        prefix, sep, rest = text.replace("：", ":").partition(":")
        prefix = _ID_SUFFIX.sub("", prefix.strip().lower())
        if sep and prefix in _KNOWN_NAMES:
            chosen, account = _platform(prefix), rest.strip()
        else:
            account = text
    if chosen is None:
        bare = account.lstrip("@").lower()
        return f"@{bare}" if account.startswith("@") and _INSTAGRAM.fullmatch(bare) else None
    if chosen in _PHONE_PLATFORMS:
        region = default_region or os.environ.get(PHONE_REGION_ENV) or _PHONE_PLATFORMS[chosen]
        phone = normalize_phone(account, region)
        return f"{chosen}:{phone}" if phone else None
    account = account.lower()
    if chosen != "line" or not account.startswith("@") or len(account) < 2:
        account = account.lstrip("@")
    if chosen == "facebook":
        account = account.replace(".", "")
    return f"{chosen}:{account}" if _NAME_PATTERNS[chosen].fullmatch(account) else None
