"""Body caps and JSON parsing for the API, in one place.

For a request with a body under ``/api/``, this middleware answers 413 when the declared ``Content-Length`` is over
the path's cap, or when the bytes actually read are (a bounded read: at most cap + 1 bytes are ever read); and 422
when the body is not UTF-8 or not JSON. Otherwise it keeps the bytes as ``request.body`` and the parsed document
for the API's parser, so Django's own ``DATA_UPLOAD_MAX_MEMORY_SIZE`` check (a 400) never runs first.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from .errors import error_response

MIB = 1024 * 1024
DEFAULT_CAP = 1 * MIB
#: the body cap of each API path (other paths under /api/ get ``DEFAULT_CAP``)
CAPS: dict[str, int] = {
    "/api/v1/check": 1 * MIB,
    "/api/v1/search/intercept": 1 * MIB,
    "/api/v1/check/batch": 10 * MIB,
}
PARSED_ATTR = "_wildwatch_json"
_CHUNK = 64 * 1024


def cap_for(path: str) -> int:
    return CAPS.get(path.rstrip("/") or path, DEFAULT_CAP)


def _too_large(cap: int) -> HttpResponse:
    return error_response(413, "body_too_large", f"the request body is over the {cap} bytes allowed here",
                          {"max_bytes": cap})


def _read_bounded(stream: Any, limit: int) -> bytes:
    """Read up to ``limit`` bytes (fewer at the end of the stream)."""
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = stream.read(min(_CHUNK, left))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_body(request: HttpRequest, cap: int) -> bytes | None:
    """The body, or None when it is over ``cap``. A terminated input (``wsgi.input_terminated``: the server ends it,
    as gunicorn does, chunked bodies included) is read to its end, whatever the declared length; otherwise at most
    the declared ``Content-Length`` bytes are read, as Django does."""
    meta = request.META
    if meta.get("wsgi.input_terminated") and "wsgi.input" in meta:
        data = _read_bounded(meta["wsgi.input"], cap + 1)
    else:
        try:
            declared = int(meta.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        data = _read_bounded(request, min(declared, cap + 1)) if declared > 0 else b""
    return None if len(data) > cap else data


class ApiBodyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/") and request.method in ("POST", "PUT", "PATCH", "DELETE"):
            error = self._take_body(request)
            if error is not None:
                return error
        return self.get_response(request)

    def _take_body(self, request: HttpRequest) -> HttpResponse | None:
        cap = cap_for(request.path_info)
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(400, "bad_content_length", "the Content-Length header is not a number")
        if declared > cap:
            return _too_large(cap)
        data = read_body(request, cap)
        if data is None:
            return _too_large(cap)
        # the bytes are now the request's body; Django's size check on first access never runs
        request._body = data
        request._stream = io.BytesIO(data)
        if not data:
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            return error_response(422, "invalid_encoding", f"the body is not valid UTF-8 (byte {exc.start})",
                                  {"position": exc.start})
        try:
            setattr(request, PARSED_ATTR, json.loads(text))
        except json.JSONDecodeError as exc:
            return error_response(422, "malformed_json",
                                  f"the body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                                  {"line": exc.lineno, "column": exc.colno, "position": exc.pos})
        return None
