"""Protection of the public report form: the client's address behind trusted proxies, the per-address rate limit,
and the one-time form tokens that make a double submission harmless.

Settings (each read from ``django.conf.settings`` first, then from the environment variable of the same name):

| name | meaning | default |
|---|---|---|
| ``WILDWATCH_TRUSTED_PROXIES`` | IPs or CIDR networks of the reverse proxies whose ``X-Forwarded-For`` is believed (a list, or a comma-separated string) | none: the address is ``REMOTE_ADDR`` |
| ``WILDWATCH_REPORT_RATE`` | reports per hour per address | 10 |

The counters and tokens live in the shared cache (``caches["default"]``), so they hold across all workers.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import os
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_RATE = 10
WINDOW_SECONDS = 3600
#: submissions with errors count too, up to this many times the report rate (each may carry a 5 MB image)
ATTEMPTS_FACTOR = 3
#: a form token works this long after the form was shown
TOKEN_MAX_AGE = 24 * 3600
#: a submission being processed holds its token this long at most (a crashed worker frees it)
PENDING_SECONDS = 60
#: a second, concurrent submission of the same form waits this long for the first one's report
WAIT_SECONDS = 10.0
_PENDING = "pending"
_TOKEN_SALT = "wildwatch.reports.public-form"  # noqa: S105 (a signing salt, not a secret)
_PREFIX = "wildwatch:reports:"


# --- the client's address -----------------------------------------------------------------------------------------


def _setting(name: str) -> object:
    value = getattr(settings, name, None)
    return value if value is not None else os.environ.get(name)


def trusted_proxies() -> list[IPNetwork]:
    """The networks of the trusted reverse proxies (``WILDWATCH_TRUSTED_PROXIES``)."""
    value = _setting("WILDWATCH_TRUSTED_PROXIES")
    items: Iterable[object] = (value.split(",") if isinstance(value, str)
                               else value if isinstance(value, list | tuple | set | frozenset) else ())
    networks: list[IPNetwork] = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(f"WILDWATCH_TRUSTED_PROXIES: {text!r} is not an IP address or network") from exc
    return networks


def _parse_ip(text: str) -> IPAddress | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:5123"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def client_ip(request: HttpRequest) -> str:
    """The client's address: ``REMOTE_ADDR``, unless it is a trusted proxy; then ``X-Forwarded-For`` is read from
    the right, skipping trusted proxies, and the first address that is not one is the client. A malformed entry
    stops the walk at the last address known good (a client cannot forge its way past the proxies)."""
    remote = _parse_ip(str(request.META.get("REMOTE_ADDR", "")))
    if remote is None:
        return "unknown"
    proxies = trusted_proxies()

    def trusted(address: IPAddress) -> bool:
        return any(address.version == net.version and address in net for net in proxies)

    if not proxies or not trusted(remote):
        return str(remote)
    current = remote
    hops = [h for h in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if h.strip()]
    for hop in reversed(hops):
        address = _parse_ip(hop)
        if address is None:
            break
        current = address
        if not trusted(address):
            break
    return str(current)


def rate_key(ip: str) -> str:
    """The key an address is counted under: the address, or its /64 network for IPv6 (one subscriber's block)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip[:64]
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


# --- the rate limit -----------------------------------------------------------------------------------------------


def report_rate() -> int:
    """Reports per hour per address: ``settings.WILDWATCH_REPORT_RATE``, else the variable, else 10."""
    value = _setting("WILDWATCH_REPORT_RATE")
    try:
        return max(0, int(str(value))) if value is not None and str(value).strip() else DEFAULT_RATE
    except ValueError as exc:
        raise ImproperlyConfigured(f"WILDWATCH_REPORT_RATE: {value!r} is not a whole number") from exc


def _counter(kind: str, ip: str, window: int) -> str:
    digest = hashlib.sha256(rate_key(ip).encode()).hexdigest()[:32]  # no raw address in the cache's keys
    return f"{_PREFIX}{kind}:{digest}:{window}"


def _incr(name: str) -> int:
    cache = caches["default"]
    cache.add(name, 0, timeout=WINDOW_SECONDS * 2)
    try:
        return int(cache.incr(name))
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=WINDOW_SECONDS * 2)
        return 1


def check_rate(ip: str, now: float | None = None) -> int | None:
    """Count a submission from ``ip``; the seconds to wait when it is over the limit (reports, or submissions of
    any kind), else None."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    limit = report_rate()
    attempts = _incr(_counter("attempts", ip, window))
    reports = int(caches["default"].get(_counter("reports", ip, window)) or 0)
    if reports >= limit or attempts > limit * ATTEMPTS_FACTOR:
        return max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
    return None


def count_report(ip: str, now: float | None = None) -> None:
    """A report made (or a robot caught) from ``ip``: it counts against the hourly report limit."""
    now = time.time() if now is None else now
    _incr(_counter("reports", ip, int(now // WINDOW_SECONDS)))


# --- one-time form tokens -----------------------------------------------------------------------------------------


def new_token() -> str:
    """A signed, dated token for a freshly shown form."""
    return signing.dumps(secrets.token_urlsafe(16), salt=_TOKEN_SALT)


def read_token(token: str | None) -> str | None:
    """The nonce of a valid token younger than ``TOKEN_MAX_AGE``, else None."""
    if not token or len(token) > 200:
        return None
    try:
        nonce = signing.loads(token, salt=_TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired included
        return None
    return nonce if isinstance(nonce, str) and 10 <= len(nonce) <= 64 else None


@dataclass(frozen=True)
class Claim:
    """``mine``: this request may make the report; ``done``: the form already made one (its code and fingerprint);
    ``busy``: another request is still sending the same form."""

    state: Literal["mine", "done", "busy"]
    code: str = ""
    fingerprint: str = ""


def _token_key(nonce: str) -> str:
    return f"{_PREFIX}form:{nonce}"


def claim(nonce: str, wait: float | None = None) -> Claim:
    """Take the form's token for this request, or learn what became of the form. A concurrent submission of the
    same form (a double click) waits for the first one and then gets its report."""
    cache = caches["default"]
    deadline = time.monotonic() + (WAIT_SECONDS if wait is None else wait)
    while True:
        if cache.add(_token_key(nonce), _PENDING, timeout=PENDING_SECONDS):
            return Claim("mine")
        value = cache.get(_token_key(nonce))
        if isinstance(value, dict) and value.get("code"):
            return Claim("done", str(value["code"]), str(value.get("fingerprint", "")))
        if value is not None and time.monotonic() >= deadline:
            return Claim("busy")
        if value is not None:
            time.sleep(0.1)


def release(nonce: str) -> None:
    """The submission made no report: the same form may be sent again."""
    caches["default"].delete(_token_key(nonce))


def finish(nonce: str, code: str, fingerprint: str) -> None:
    """The form made the report ``code``: sending it again shows that report."""
    caches["default"].set(_token_key(nonce), {"code": code, "fingerprint": fingerprint}, timeout=TOKEN_MAX_AGE)


def fingerprint(*values: str) -> str:
    """What a submission said, to tell a resubmission of the same entries from a reuse of the form for another."""
    return hashlib.sha256("\x1f".join(v.strip() for v in values).encode()).hexdigest()[:32]
