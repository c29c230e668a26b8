"""Request ids and the access log.

``RequestIdMiddleware`` comes first in ``MIDDLEWARE``: it takes the request's id from an ``X-Request-ID`` header
(1 to 64 characters among ``A-Z a-z 0-9 . _ -``; anything else is replaced) or makes one (a uuid4 in hex), keeps it
in ``logs.request_id`` for every log line written until the response is closed (``request_finished``), returns it
in the response's ``X-Request-ID`` and writes one line per request on the ``wildwatch.access`` logger (INFO):
method, path without the query string, status, duration in milliseconds, request id and the user's id when signed
in (never a name or an e-mail address).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.utils.functional import empty

from .logs import request_id

HEADER = "X-Request-ID"
access_log = logging.getLogger("wildwatch.access")
_VALID_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def incoming_id(request: HttpRequest) -> str:
    """The request id the client or a proxy sent, when it is well-formed; otherwise a new one."""
    given = request.headers.get(HEADER, "")
    return given if _VALID_ID.fullmatch(given) else uuid.uuid4().hex


def user_id(request: HttpRequest) -> int | str | None:
    """The signed-in user's id, only when the view already loaded the user: the log never costs a session lookup."""
    user = request.__dict__.get("user")
    if user is None or getattr(user, "_wrapped", None) is empty or not user.is_authenticated:
        return None
    pk: int | str = user.pk
    return pk


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        rid = incoming_id(request)
        request_id.set(rid)  # until the response is closed: Django logs 4xx and 5xx answers after the middleware
        start = time.perf_counter()
        response = self.get_response(request)
        response[HEADER] = rid
        if access_log.isEnabledFor(logging.INFO):
            access_log.info("%s %s %s", request.method, request.path, response.status_code, extra={
                "method": request.method, "path": request.path, "status": response.status_code,
                "duration_ms": round((time.perf_counter() - start) * 1000, 1), "request_id": rid,
                "user_id": user_id(request)})
        return response


def forget_request_id(**kwargs: Any) -> None:
    """``request_finished``: the request is over (its response closed), later log lines belong to no request."""
    request_id.set(None)
