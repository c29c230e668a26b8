"""API-key authentication (``X-Api-Key``), the per-key rate limit and the key's ``last_used_at``."""

from __future__ import annotations

import math
import os
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
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


def check_rate(key: ApiKey, now: float | None = None) -> None:
    """Count a request of the key in the current fixed one-minute window; 429 with ``Retry-After`` over the limit."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    cache = caches["default"]
    name = f"wildwatch:api-rate:{key.prefix}:{window}"
    cache.add(name, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
    limit = rate_limit()
    if count > limit:
        retry = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
        raise ApiError(429, "rate_limited", f"over {limit} requests a minute for this key; retry in {retry} s",
                       {"limit": limit, "window_seconds": WINDOW_SECONDS, "retry_after": retry},
                       headers={"Retry-After": str(retry)})


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
        api_key = authenticate_key(key)
        if api_key is None:
            return None
        check_rate(api_key)
        touch(api_key)
        return api_key


def key_of(request: HttpRequest) -> ApiKey:
    key = getattr(request, "auth", None)
    assert isinstance(key, ApiKey)
    return key
