"""Contact signals: a seller's phone numbers, e-mail addresses, messaging and payment handles, normalised.

`contact_values` turns listing texts and contact fields into ``(kind, value)`` pairs, one per real contact however it
is written. Kinds: ``phone`` (E.164), ``email``, ``handle`` (``platform:account`` or a platform-less ``@name``) and
``payment`` (``paypal:name``, ``venmo:name``, ``cashapp:name``). The engine's normalisers do the work
(`wildwatch.detect.contacts.extract_contacts` and `wildwatch.detect.contact_norm`); this module adds payment
handles and one rule: an account that *is* a phone number or an e-mail address is that phone number or e-mail
address. A WhatsApp or Zalo account is a phone number, and so is an Alipay account given as a number; a PayPal
account given as an e-mail is that e-mail. So ``wa.me/84912345678``, ``zalo: 0912 345 678`` and
``+84 912 345 678`` all give ``("phone", "+84912345678")``, and a hold or signal on one catches the others.

A WeChat Pay account is the seller's WeChat account: it gives the WeChat handle.

No hashing here: the hub keys its HMAC (see `wildwatch.hub.enforcement.identifiers`) and shares only digests of
these values; the embedded detector never receives contacts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Final, Literal

from wildwatch.detect.contact_norm import PHONE_REGION_ENV, normalize_email, normalize_handle, normalize_phone
from wildwatch.detect.contacts import extract_contacts

__all__ = ["ContactValueKind", "contact_value", "contact_values", "payment_values"]

ContactValueKind = Literal["phone", "email", "handle", "payment"]
ContactValue = tuple[str, str]

_PHONE_PLATFORMS: Final = ("whatsapp:", "zalo:")
#: Region assumed for an Alipay number written without a country code, when the caller gives none.
_ALIPAY_REGION: Final = "CN"

_SEP: Final = r"\s*(?:id|ID)?\s*[:：=]\s*"
_EMAIL: Final = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
_NUMBER: Final = r"\+?[0-9][0-9 .\-]{6,18}[0-9]"
_START: Final = r"(?<![A-Za-z0-9])"
#: False runs every payment pattern on every text (the tests compare both ways).
_GUARDS = True

# PayPal.me names: letters and digits, up to 20.
_PAYPAL_LINK: Final = re.compile(
    _START + r"(?:https?://)?(?:www\.)?(?:paypal\.me|paypal\.com/paypalme)/([A-Za-z0-9]{1,20})(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_PAYPAL_EMAIL: Final = re.compile(_START + r"pay\s?pal\s*(?:[:：=(]|-)?\s*(" + _EMAIL + ")", re.IGNORECASE)
# Venmo usernames: 5 to 30 letters, digits, hyphens and underscores. After the cue, a separator or an "@".
_VENMO_LINK: Final = re.compile(
    _START + r"(?:https?://)?(?:www\.|account\.)?venmo\.com/(?:u/)?([A-Za-z0-9_-]{5,30})(?![A-Za-z0-9_-])",
    re.IGNORECASE,
)
_VENMO_CUE: Final = re.compile(
    _START + r"venmo(?:" + _SEP + r"@?|\s*@)([A-Za-z0-9_-]{5,30})(?![A-Za-z0-9_-])", re.IGNORECASE
)
# Cash App cashtags: a "$" and up to 20 letters, digits or underscores, starting with a letter (so "$450" is a price).
_CASHAPP_LINK: Final = re.compile(
    _START + r"(?:https?://)?(?:www\.)?cash\.app/\$([A-Za-z][A-Za-z0-9_]{0,19})(?![A-Za-z0-9_])", re.IGNORECASE
)
_CASHAPP_CUE: Final = re.compile(
    _START + r"cash\s?app(?:" + _SEP + r"\$?|\s*\$)([A-Za-z][A-Za-z0-9_]{0,19})(?![A-Za-z0-9_])", re.IGNORECASE
)
_ALIPAY_CUE: Final = re.compile(
    r"(?:" + _START + r"ali\s?pay|支付宝|支付寶)\s*(?:id|ID|号|號|账号|帐号)?\s*[:：=]?\s*(" + _EMAIL + "|" + _NUMBER + ")",
    re.IGNORECASE,
)
_WECHAT_PAY_CUE: Final = re.compile(
    r"(?:" + _START + r"(?:we\s?chat|weixin)\s*pay|微信支付)" + r"\s*(?:id|ID|号|號)?\s*[:：=]?\s*"
    r"([A-Za-z][A-Za-z0-9_-]{4,19}|" + _NUMBER + ")",
    re.IGNORECASE,
)

_CASHTAG: Final = re.compile(r"\$([A-Za-z][A-Za-z0-9_]{0,19})")
_PAYMENT_PREFIX: Final = re.compile(
    r"(pay\s?pal|venmo|cash\s?app|ali\s?pay|支付宝|支付寶|(?:we\s?chat|weixin)\s*pay|微信支付)\s*(?:id|ID)?\s*[:：=]\s*(.+)",
    re.IGNORECASE,
)


def contact_values(
    texts: Iterable[str] = (), contacts: Iterable[str] = (), region: str | None = None
) -> set[ContactValue]:
    """The normalised ``(kind, value)`` contacts in listing `texts` and in contact fields (`contacts`: one contact
    each, written any way: a link, ``platform:account``, ``@name``, ``$cashtag``, an e-mail, a number).

    `region` (ISO 3166 alpha-2) is the country assumed for phone numbers written without a country code (default:
    the ``WILDWATCH_PHONE_REGION`` environment variable, then only numbers with a country code; Zalo numbers
    default to Vietnam and Alipay numbers to China). A contact field none of the normalisers recognises is read
    as text.
    """
    found: set[ContactValue] = set()
    for text in texts:
        found |= _from_text(text, region)
    for raw in contacts:
        value = contact_value(raw, region)
        if value is not None:
            found.add(value)
        elif raw and raw.strip():
            found |= _from_text(raw, region)
    return found


def contact_value(raw: str, region: str | None = None) -> ContactValue | None:
    """One contact field as ``(kind, value)``, or None when no normaliser recognises it."""
    text = raw.strip()
    if not text:
        return None
    payment = _payment_field(text, region)
    if payment is not None:
        return payment
    handle = None
    if "/" in text or ":" in text or "：" in text or text.startswith("@"):
        try:
            handle = normalize_handle(text, default_region=region)
        except ValueError:  # "skype:name": a platform the normaliser does not know
            handle = None
    if handle is not None:
        return _from_handle(handle)
    if "@" in text.strip("@"):
        email = normalize_email(text)
        if email is not None:
            return ("email", email)
    phone = normalize_phone(text, region)
    return ("phone", phone) if phone is not None else None


def payment_values(text: str, region: str | None = None) -> set[ContactValue]:
    """The payment contacts in a text: PayPal.me links, Venmo and Cash App handles after their cue or in a link
    (``venmo @name``, ``cash app $name``, ``cash.app/$name``), accounts after "PayPal", "Alipay" or "WeChat Pay"
    given as an e-mail address or a number (which give that e-mail or number), WeChat Pay IDs."""
    return {value for value, _ in _payments(text, region)}


def _from_text(text: str, region: str | None) -> set[ContactValue]:
    payments = _payments(text, region)
    spans = [span for _, span in payments]
    found = {value for value, _ in payments}
    for contact in extract_contacts(text, region):
        overlapped = any(contact.start < end and start < contact.end for start, end in spans)
        if overlapped and contact.kind == "handle" and contact.value.startswith("@"):
            continue  # "venmo @bob-seller": the payment handle, not a bare "@bob" mention
        found.add(_from_handle(contact.value) if contact.kind == "handle" else (contact.kind, contact.value))
    return found


def _from_handle(handle: str) -> ContactValue:
    if handle.startswith(_PHONE_PLATFORMS):
        return ("phone", handle.split(":", 1)[1])
    return ("handle", handle)


def _account(raw: str, region: str | None, fallback_region: str | None = None) -> ContactValue | None:
    """An account given as an e-mail address or a phone number, as that e-mail or number."""
    value = raw.strip()
    if "@" in value:
        email = normalize_email(value)
        return ("email", email) if email is not None else None
    phone = normalize_phone(value, region or os.environ.get(PHONE_REGION_ENV) or fallback_region)
    return ("phone", phone) if phone is not None else None


#: Every payment pattern holds one of these words with the same flags ("paypal", "ali pay", "wechat pay" and
#: "微信支付" hold "pay" or "支付"): a text without any is one none of them would match, and is skipped in one pass.
_ANY_PAYMENT_CUE: Final = re.compile(r"pay|venmo|cash|支付", re.IGNORECASE)


def _payments(text: str, region: str | None) -> list[tuple[ContactValue, tuple[int, int]]]:
    out: list[tuple[ContactValue, tuple[int, int]]] = []
    if _GUARDS and _ANY_PAYMENT_CUE.search(text) is None:
        return out
    for pattern, platform in ((_PAYPAL_LINK, "paypal"), (_VENMO_LINK, "venmo"), (_VENMO_CUE, "venmo"),
                              (_CASHAPP_LINK, "cashapp"), (_CASHAPP_CUE, "cashapp")):
        for match in pattern.finditer(text):
            out.append((("payment", f"{platform}:{match[1].lower()}"), match.span()))
    for match in _PAYPAL_EMAIL.finditer(text):
        email = normalize_email(match[1])
        if email is not None:
            out.append((("email", email), match.span()))
    for match in _ALIPAY_CUE.finditer(text):
        account = _account(match[1], region, _ALIPAY_REGION)
        if account is not None:
            out.append((account, match.span()))
    for match in _WECHAT_PAY_CUE.finditer(text):
        value = _wechat_pay(match[1], region)
        if value is not None:
            out.append((value, match.span()))
    return out


def _wechat_pay(raw: str, region: str | None) -> ContactValue | None:
    if raw[:1].isalpha():
        handle = normalize_handle(raw, "wechat")
        return ("handle", handle) if handle is not None else None
    return _account(raw, region)


def _payment_field(text: str, region: str | None) -> ContactValue | None:
    """A contact field naming a payment account: a PayPal.me, Venmo or Cash App link, ``$cashtag``,
    ``paypal:name``, ``venmo:@name``, ``cashapp:$name``, ``alipay:number``, ``wechat pay:id``."""
    for pattern, platform in ((_PAYPAL_LINK, "paypal"), (_VENMO_LINK, "venmo"), (_CASHAPP_LINK, "cashapp")):
        match = pattern.fullmatch(text)
        if match is not None:
            return ("payment", f"{platform}:{match[1].lower()}")
    cashtag = _CASHTAG.fullmatch(text)
    if cashtag is not None:
        return ("payment", f"cashapp:{cashtag[1].lower()}")
    prefixed = _PAYMENT_PREFIX.fullmatch(text)
    if prefixed is None:
        return None
    platform = re.sub(r"\s+", "", prefixed[1].lower())
    account = prefixed[2].strip()
    if platform in ("alipay", "支付宝", "支付寶"):
        return _account(account, region, _ALIPAY_REGION)
    if platform in ("wechatpay", "weixinpay", "微信支付"):
        return _wechat_pay(account, region)
    if "@" in account.strip("@") and platform == "paypal":
        return _account(account, region)
    name = account.lstrip("$@" if platform == "cashapp" else "@")
    patterns = {"paypal": r"[A-Za-z0-9]{1,20}", "venmo": r"[A-Za-z0-9_-]{5,30}", "cashapp": r"[A-Za-z][A-Za-z0-9_]{0,19}"}
    if re.fullmatch(patterns[platform], name):
        return ("payment", f"{platform}:{name.lower()}")
    return None
