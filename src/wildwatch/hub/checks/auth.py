"""API-key authentication (``X-Api-Key``), the per-key rate limit and the key's ``last_used_at``."""

from __future__ import annotations

import hashlib
import math
import os
import threading
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import APIKeyHeader

from wildwatch.hub.accounts.models import ApiKey
from wildwatch.hub.accounts.services import authenticate_key

from .errors import ApiError

DEFAULT_RATE = 6000  # requests per minute per key
WINDOW_SECONDS = 60
LAST_USED_EVERY = timedelta(minutes=1)


def rate_limit() -> int:
    """Requests per minute per key: ``settings.WILDWATCH_API_RATE``, else the ``WILDWATCH_API_RATE`` variable."""
    value = getattr(settings, "WILDWATCH_API_RATE", None)
    return int(value if value is not None else os.environ.get("WILDWATCH_API_RATE", DEFAULT_RATE))


#: a process adds its requests to the shared counter at least every SYNC_EVERY requests or SYNC_SECONDS, and at
#: once when its own count would cross the limit: the limit holds across workers, give or take SYNC_EVERY - 1
#: requests per worker (0.5% of the default limit), without a cache write per request
SYNC_EVERY = 32
SYNC_SECONDS = 0.25
_rate_lock = threading.Lock()
#: (key prefix, window) -> [requests not yet added to the shared counter, last known shared total, last sync]
_pending: dict[tuple[str, int], list[float]] = {}


def check_rate(key: ApiKey, now: float | None = None) -> None:
    """Count a request of the key in the current fixed one-minute window; 429 with ``Retry-After`` over the limit.

    Each process adds up its own requests and adds them to the shared counter (the shared cache: database or Redis)
    every ``SYNC_EVERY`` requests or ``SYNC_SECONDS``, whichever comes first."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    limit = rate_limit()
    slot = (key.prefix, window)
    with _rate_lock:
        for old in [k for k in _pending if k[1] < window]:
            del _pending[old]
        state = _pending.setdefault(slot, [0.0, 0.0, 0.0])
        state[0] += 1
        due = state[0] >= SYNC_EVERY or now - state[2] >= SYNC_SECONDS or state[1] + state[0] > limit
        if due:
            delta, state[0], state[2] = int(state[0]), 0.0, now
    if due:
        total = _add_shared(key.prefix, window, delta)
        with _rate_lock:
            state[1] = total
    with _rate_lock:
        count = state[1] + state[0]
    if count > limit:
        retry = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
        raise ApiError(429, "rate_limited", f"over {limit} requests a minute for this key; retry in {retry} s",
                       {"limit": limit, "window_seconds": WINDOW_SECONDS, "retry_after": retry},
                       headers={"Retry-After": str(retry)})


_created: set[tuple[str, int]] = set()  # the counters this process made (no ``add`` again in their window)


def _add_shared(prefix: str, window: int, delta: int) -> float:
    cache = caches["default"]
    name = f"wildwatch:api-rate:{prefix}:{window}"
    if (prefix, window) not in _created:
        cache.add(name, 0, timeout=WINDOW_SECONDS * 2)
        with _rate_lock:
            for old in [k for k in _created if k[1] < window]:
                _created.discard(old)
            _created.add((prefix, window))
    try:
        return float(cache.incr(name, delta))
    except ValueError:  # expired (or culled) since: start it again
        cache.set(name, delta, timeout=WINDOW_SECONDS * 2)
        return float(delta)


def forget_rates() -> None:
    """Drop this process's pending counts and its known keys (tests; after a key changes)."""
    with _rate_lock:
        _pending.clear()
        _created.clear()
    forget_keys()


#: the keys this process authenticated lately: (checked at, key) by plaintext's SHA-256; KEY_SECONDS at most, so a
#: revoked, expired or rotated key stops working in the other processes within that time (at once in this one)
KEY_SECONDS = 5.0
_keys: dict[str, tuple[float, ApiKey]] = {}


def forget_keys() -> None:
    with _rate_lock:
        _keys.clear()


def _authenticate(plaintext: str) -> ApiKey | None:
    digest = hashlib.sha256(plaintext.encode("utf-8", "surrogatepass")).hexdigest()
    now = time.monotonic()
    with _rate_lock:
        cached = _keys.get(digest)
    if cached is not None and now - cached[0] < KEY_SECONDS:
        known = cached[1]
        if known.expires_at is None or known.expires_at > timezone.now():
            return known
    key = authenticate_key(plaintext)
    with _rate_lock:
        if key is None:
            _keys.pop(digest, None)
        else:
            if len(_keys) > 10_000:
                _keys.clear()
            _keys[digest] = (now, key)
    return key


def touch(key: ApiKey) -> None:
    """Write ``last_used_at`` at most once a minute per key: only when the loaded value is old, and then with a
    filtered update, so that concurrent requests write it once."""
    now = timezone.now()
    cutoff = now - LAST_USED_EVERY
    if key.last_used_at is not None and key.last_used_at > cutoff:
        return
    ApiKey.objects.filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=cutoff), pk=key.pk).update(
        last_used_at=now)
    key.last_used_at = now


class ApiKeyAuth(APIKeyHeader):
    """The ``X-Api-Key`` header: an active key of a member platform (see ``accounts.services.create_api_key``)."""

    param_name = "X-Api-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key:
            return None
        api_key = _authenticate(key)
        if api_key is None:
            return None
        check_rate(api_key)
        touch(api_key)
        return api_key


def key_of(request: HttpRequest) -> ApiKey:
    key = getattr(request, "auth", None)
    if not isinstance(key, ApiKey):  # an explicit check, not an assert: it must hold under ``python -O`` too
        raise AuthenticationError()
    return key
