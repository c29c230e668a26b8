"""One error shape for every API answer: ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

logger = logging.getLogger("wildwatch.api")


class ApiError(Exception):
    """An error answer: HTTP status, a stable machine code, a human message and optional details."""

    def __init__(self, status: int, code: str, message: str, details: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}


def error_response(status: int, code: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None) -> JsonResponse:
    response = JsonResponse({"error": {"code": code, "message": message, "details": details}}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def validation_details(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic errors as JSON-safe details: where (``loc``), what (``message``) and the error ``type``; never
    the input itself (it may be a 2 MiB image)."""
    return [{"loc": [str(part) for part in e.get("loc", ())], "message": str(e.get("msg", "invalid")),
             "type": str(e.get("type", "value_error"))} for e in errors]


def describe(details: list[dict[str, Any]]) -> str:
    """``"text: Field required; images: ..."``: the fields named, for people reading the message."""
    parts = []
    for d in details[:5]:
        loc = [p for p in d["loc"] if p not in ("body", "payload", "item")]
        parts.append(f"{'.'.join(loc) or 'body'}: {d['message']}")
    more = f" (and {len(details) - 5} more)" if len(details) > 5 else ""
    return "; ".join(parts) + more


def install(api: NinjaAPI) -> None:
    """Replace ninja's default handlers with ones that answer in the error shape."""

    def on_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        details = validation_details(exc.errors)
        return error_response(422, "invalid_request", f"invalid request: {describe(details)}", details)

    def on_api_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    def on_auth(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(401, "unauthorized", "a valid X-Api-Key header is required",
                              headers={"WWW-Authenticate": 'ApiKey header="X-Api-Key"'})

    def on_http(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(exc.status_code, f"http_{exc.status_code}", str(exc))

    def on_404(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(404, "not_found", str(exc) or "not found")

    def on_database(request: HttpRequest, exc: Any) -> HttpResponse:
        from wildwatch.hub.ops.dbfaults import log_database_error, unavailable

        log_database_error(request, exc)
        return unavailable(request)

    def on_exception(request: HttpRequest, exc: Any) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "an internal error occurred; it has been logged")

    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(ApiError, on_api_error)
    api.add_exception_handler(AuthenticationError, on_auth)
    api.add_exception_handler(HttpError, on_http)
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(OperationalError, on_database)
    api.add_exception_handler(InterfaceError, on_database)
    api.add_exception_handler(Exception, on_exception)
