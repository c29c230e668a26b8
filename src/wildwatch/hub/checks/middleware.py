"""Body caps and JSON parsing for the API, in one place.

For a request with a body under ``/api/``, this middleware answers 413 when the declared ``Content-Length`` is over
the path's cap, or when the bytes actually read are (a bounded read: at most cap + 1 bytes are ever read); and 422
when the body is not UTF-8, not JSON (nested too deeply included) or not Unicode text (a ``\\ud800`` escape without
its pair: the engine and the databases cannot encode it). Otherwise it keeps the bytes as ``request.body`` and the
parsed document for the API's parser, so Django's own ``DATA_UPLOAD_MAX_MEMORY_SIZE`` check (a 400) never runs first.

It also gives the API's error shape to the error answers under ``/api/`` that the API's handlers never see: the
405 ninja answers for a method the path does not have, and Django's 404 page for a URL no endpoint has.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from .errors import describe, error_response

MIB = 1024 * 1024
DEFAULT_CAP = 1 * MIB
#: the body cap of each API path (other paths under /api/ get ``DEFAULT_CAP``)
CAPS: dict[str, int] = {
    # four images of 2 MiB each, in base64, and the text
    "/api/v1/check": 12 * MIB,
    "/api/v1/signals": 12 * MIB,
    "/api/v1/decisions": 12 * MIB,
    "/api/v1/search/intercept": 1 * MIB,
    "/api/v1/check/batch": 10 * MIB,
    "/api/v1/deconflict": 64 * 1024,
}
PARSED_ATTR = "_wildwatch_json"
_CHUNK = 64 * 1024
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")
#: what pydantic answers for a string that is not Unicode text (the same error as for the fields it checks itself)
NOT_UNICODE = "Input should be a valid string, unable to parse raw data as a unicode string"


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


def lone_surrogate(doc: Any) -> list[str] | None:
    """Where a parsed JSON document holds a lone surrogate (a ``\\ud800`` escape without its pair; a pair is one
    character once parsed), or None: such a string is not Unicode text, and encoding it fails (a 500 in the engine,
    in the databases). Keys count too. A walk with its own stack: JSON nests deeper than Python recurses."""
    stack: list[tuple[Any, list[str]]] = [(doc, [])]
    while stack:
        value, loc = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return loc
        elif isinstance(value, dict):
            for key, item in value.items():
                if _SURROGATE.search(key):
                    return [*loc, key.encode("utf-8", "backslashreplace").decode("ascii")]
                stack.append((item, [*loc, key]))
        elif isinstance(value, list):
            stack.extend((item, [*loc, str(n)]) for n, item in enumerate(value))
    return None


def in_error_shape(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """An error answer that is not JSON (ninja's text 405, Django's HTML 404...), in the API's error shape."""
    status = response.status_code
    if status < 400 or response.get("Content-Type", "").startswith("application/json"):
        return response
    if status == 405:
        allowed = [m.strip() for m in response.get("Allow", "").split(",") if m.strip()]
        return error_response(405, "method_not_allowed",
                              f"{request.method} is not allowed here; allowed: {', '.join(allowed) or 'none'}",
                              {"allowed": allowed}, headers={"Allow": ", ".join(allowed)})
    if status == 404:
        return error_response(404, "not_found", f"there is no API endpoint at {request.path}")
    return error_response(status, f"http_{status}", response.reason_phrase)


class ApiBodyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith("/api/"):
            return self.get_response(request)
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            error = self._take_body(request)
            if error is not None:
                return error
        return in_error_shape(request, self.get_response(request))

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
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            return error_response(422, "malformed_json",
                                  f"the body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                                  {"line": exc.lineno, "column": exc.colno, "position": exc.pos})
        except RecursionError:  # "[[[[...": a few bytes a level
            return error_response(422, "malformed_json", "the body is not valid JSON here: it is nested too deeply",
                                  {"line": None, "column": None, "position": None})
        # only bodies with a surrogate escape (emoji escaped as pairs, mostly) are walked
        where = lone_surrogate(doc) if _SURROGATE_ESCAPE.search(text) else None
        if where is not None:
            details = [{"loc": ["body", *where], "message": NOT_UNICODE, "type": "string_unicode"}]
            return error_response(422, "invalid_request", f"invalid request: {describe(details)}", details)
        setattr(request, PARSED_ATTR, doc)
        return None
