"""A database that goes away in the middle of a request (a dropped connection, a restarting server, a locked SQLite
file) gets a clear answer: 503 with ``Retry-After``, in the API's error shape under ``/api/`` (the API's own handler,
``checks.errors``) and as a short page elsewhere, instead of a 500 and a traceback.

Nothing is half-written: every write that matters runs in a transaction, which the database rolls back when the
connection dies before the commit; a client that retries with the same ``Idempotency-Key`` gets the work done once.
Django then drops the broken connection at the end of the request (``close_if_unusable_or_obsolete``), and the next
request opens a new one (``CONN_HEALTH_CHECKS`` also tests a reused connection before its first query)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template.loader import render_to_string

logger = logging.getLogger("wildwatch.db")
DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def log_database_error(request: HttpRequest, exc: BaseException) -> None:
    logger.error("database unavailable during %s %s: %s", request.method, request.path, type(exc).__name__,
                 exc_info=exc)


def unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 answer: the API's error shape under ``/api/``, a short page elsewhere (rendered without the request:
    its context processors would ask the database again)."""
    if request.path.startswith("/api/"):
        from wildwatch.hub.checks.errors import error_response

        response: HttpResponse = error_response(
            503, "database_unavailable", "the hub lost its database connection while answering; nothing was saved: "
            "retry shortly (with the same Idempotency-Key)")
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponseBase:
    """``handler500``: a database error raised outside a view (in a middleware's query) is a 503 too."""
    from django.views.defaults import server_error as django_server_error

    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_ERRORS):
        log_database_error(request, exc)
        return unavailable(request)
    return django_server_error(request)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        log_database_error(request, exception)
        return unavailable(request)
