"""Contact details in listing text: phone numbers, e-mail addresses and messaging handles.

`extract_contacts` finds them and returns them normalised (see `wildwatch.detect.contact_norm`, whose functions are
re-exported here), with their offsets in the text, for holds and for sharing signals between platforms.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Final, Literal

import phonenumbers

from wildwatch.detect.contact_norm import (
    PHONE_REGION_ENV,
    PLATFORMS,
    normalize_email,
    normalize_handle,
    normalize_phone,
)

__all__ = [
    "PHONE_REGION_ENV",
    "PLATFORMS",
    "Contact",
    "ContactKind",
    "extract_contacts",
    "normalize_email",
    "normalize_handle",
    "normalize_phone",
]

ContactKind = Literal["phone", "email", "handle"]


@dataclass(frozen=True, slots=True)
class Contact:
    """A contact found in a text: its kind, normalised value and the ``text[start:end]`` it was read from."""

    kind: ContactKind
    value: str
    start: int
    end: int


_LATIN_CUE = r"(?<![A-Za-z0-9])(?:{})(?![A-Za-z])"
#: Cues for platforms whose accounts are names: a separator (":", "=", "id", "号") or an "@" must follow.
_NAME_CUES: Final[dict[str, str]] = {
    "telegram": r"telegram|tele|tg",
    "wechat": r"we\s?chat|weixin|wx|vx",
    "line": r"line",
    "instagram": r"instagram|insta|ig",
    "facebook": r"facebook|fb",
    "tiktok": r"tik\s?tok",
}
_CJK_NAME_CUES: Final[dict[str, str]] = {"wechat": r"微信|威信|薇信|v信|V信", "line": r"ไลน์"}
#: Cues for platforms whose accounts are phone numbers; the number may follow after blanks only.
_PHONE_CUES: Final[dict[str, str]] = {
    "whatsapp": r"whats\s?app|whatapp|watsapp|wasap|wsp|wa",
    "zalo": r"zalo|zl",
}
_ID_SEP: Final = r"(?:\s*(?:id|ID|Id|no\.?|号|號)?\s*[:：=]\s*|\s*(?:id|ID|Id|号|號)\s*|\s+(?=@))"
_CJK_SEP: Final = r"\s*(?:号|號|id|ID)?\s*[:：=]?\s*"
_NAME_VALUE: Final = r"(@?[A-Za-z0-9~][A-Za-z0-9._~-]{1,31})"
_PHONE_GAP: Final = re.compile(r"[\s:：=#.\-]*(?:(?:no|number|num|số|sdt|sđt)\.?[\s:：=#.\-]*)?", re.IGNORECASE)

_LATIN_NAME_PATTERNS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = tuple(
    (platform, re.compile(_LATIN_CUE.format(cue) + _ID_SEP + _NAME_VALUE, re.IGNORECASE))
    for platform, cue in _NAME_CUES.items()
)
_CJK_NAME_PATTERNS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = tuple(
    (platform, re.compile(f"(?:{cue})" + _CJK_SEP + _NAME_VALUE)) for platform, cue in _CJK_NAME_CUES.items()
)
_NAME_PATTERNS: Final = _LATIN_NAME_PATTERNS + _CJK_NAME_PATTERNS
_PHONE_PATTERNS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = tuple(
    (platform, re.compile(_LATIN_CUE.format(cue), re.IGNORECASE)) for platform, cue in _PHONE_CUES.items()
)
_PHONE_PLATFORM_REGIONS: Final[dict[str, str]] = {"whatsapp": "ZZ", "zalo": "VN"}

_EMAIL: Final = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])"
)
_LINK: Final = re.compile(
    r"(?:https?://)?(?:www\.|m\.|web\.|api\.|chat\.)?"
    r"(?:wa\.me|whatsapp\.com|t\.me|telegram\.(?:me|dog)|line\.me|zalo\.me|instagram\.com|instagr\.am"
    r"|facebook\.com|fb\.com|fb\.me|m\.me|tiktok\.com)/[^\s<>\"'，。、）)\]]*"
    r"|tg://resolve\?domain=[A-Za-z0-9_]+",
    re.IGNORECASE,
)
_BARE_AT: Final = re.compile(r"(?<![A-Za-z0-9_@.+-])@[A-Za-z0-9._]{2,30}")

# Guards: one pass that tells whether a group of patterns can match at all, so that most texts skip them. Each is
# implied by every pattern of its group (e-mails and "@name" need an "@", links a "/", a cue pattern its cue between
# the same boundaries, with the same flags), so a text the guard rejects is one none of them would match.
#: False runs every pattern on every text (the tests compare both ways).
_GUARDS = True
_ANY_NAME_CUE: Final = re.compile(_LATIN_CUE.format("|".join(_NAME_CUES.values())), re.IGNORECASE)
_ANY_CJK_NAME_CUE: Final = re.compile("|".join(_CJK_NAME_CUES.values()))
_ANY_PHONE_CUE: Final = re.compile(_LATIN_CUE.format("|".join(_PHONE_CUES.values())), re.IGNORECASE)
_TRAILING: Final = ".,;:!?-~"

Span = tuple[int, int]


def _overlaps(start: int, end: int, spans: list[Span]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in spans)


def _trim(text: str, start: int, end: int) -> tuple[str, int]:
    """Drop sentence punctuation after a value: ("abc.", 0, 4) -> ("abc", 3)."""
    value = text[start:end].rstrip(_TRAILING)
    return value, start + len(value)


def _region(default_region: str | None) -> str:
    return (default_region or os.environ.get(PHONE_REGION_ENV) or "ZZ").upper()


def extract_contacts(text: str, default_region: str | None = None) -> list[Contact]:
    """All contacts in `text`, normalised, in text order.

    - e-mail addresses (`normalize_email`);
    - profile and chat links (``wa.me/...``, ``t.me/...``, ``instagram.com/...``, ...) as handles;
    - handles after a platform cue: "WA", "WhatsApp", "Zalo" followed by a phone number; "Telegram"/"tg",
      "WeChat"/"微信", "LINE id", "IG", "FB", "TikTok" followed by a separator (":", "=", "id", "号") or an ``@name``;
    - other ``@name`` mentions as platform-less handles (``@name``);
    - phone numbers valid in `default_region` (default: the `PHONE_REGION_ENV` environment variable, then only
      numbers with a country code), found with ``phonenumbers.PhoneNumberMatcher`` at leniency VALID.

    A number after a WhatsApp or Zalo cue gives both a ``phone`` and a ``handle`` contact with the same span. Digits
    inside e-mail addresses and links are not reported as phone numbers. Offsets cover the value, not the cue.
    """
    region = _region(default_region)
    found: list[Contact] = []
    emails: list[Span] = []
    links: list[Span] = []
    handles: list[Span] = []

    guarded = _GUARDS
    has_at = not guarded or "@" in text
    for match in _EMAIL.finditer(text) if has_at else ():
        value = normalize_email(match[0])
        if value is not None:
            found.append(Contact("email", value, match.start(), match.end()))
            emails.append(match.span())

    for match in _LINK.finditer(text) if not guarded or "/" in text else ():
        raw, end = _trim(text, match.start(), match.end())
        if _overlaps(match.start(), end, emails):
            continue
        handle = normalize_handle(raw, default_region=default_region)
        if handle is not None:
            found.append(Contact("handle", handle, match.start(), end))
            links.append((match.start(), end))

    name_groups = ((_LATIN_NAME_PATTERNS, not guarded or _ANY_NAME_CUE.search(text) is not None),
                   (_CJK_NAME_PATTERNS, not guarded or _ANY_CJK_NAME_CUE.search(text) is not None))
    for platform, pattern in (p for group, possible in name_groups if possible for p in group):
        for match in pattern.finditer(text):
            raw, end = _trim(text, match.start(1), match.end(1))
            if _overlaps(match.start(1), end, emails + links + handles):
                continue
            handle = normalize_handle(raw.lstrip("~"), platform)
            if handle is not None:
                found.append(Contact("handle", handle, match.start(1), end))
                handles.append((match.start(1), end))

    for platform, pattern in _PHONE_PATTERNS if not guarded or _ANY_PHONE_CUE.search(text) else ():
        platform_region = region if region != "ZZ" else _PHONE_PLATFORM_REGIONS[platform]
        for match in pattern.finditer(text):
            window = text[match.end() : match.end() + 40]
            gap = _PHONE_GAP.match(window)
            offset = match.end() + (gap.end() if gap else 0)
            number = next(iter(phonenumbers.PhoneNumberMatcher(text[offset : offset + 32], platform_region)), None)
            if number is None or text[offset : offset + number.start].strip(" ([") != "":
                continue
            start, end = offset, offset + number.end
            if _overlaps(start, end, emails + links):
                continue
            phone = phonenumbers.format_number(number.number, phonenumbers.PhoneNumberFormat.E164)
            found.append(Contact("handle", f"{platform}:{phone}", start, end))
            found.append(Contact("phone", phone, start, end))
            handles.append((start, end))

    for match in _BARE_AT.finditer(text) if has_at else ():
        raw, end = _trim(text, match.start(), match.end())
        if _overlaps(match.start(), end, emails + links + handles):
            continue
        handle = normalize_handle(raw)
        if handle is not None:
            found.append(Contact("handle", handle, match.start(), end))

    for number in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
        if not _overlaps(number.start, number.end, emails + links):
            phone = phonenumbers.format_number(number.number, phonenumbers.PhoneNumberFormat.E164)
            found.append(Contact("phone", phone, number.start, number.end))

    return sorted(set(found), key=lambda c: (c.start, c.end, c.kind, c.value))

