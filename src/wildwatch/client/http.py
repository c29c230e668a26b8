"""The hub's HTTP API, from Python, with the standard library only (``urllib.request``).

Every call sends the ``X-Api-Key`` header, retries with exponential backoff on 429, 5xx and connection errors
(honouring ``Retry-After``), never retries any other 4xx, and raises a typed :class:`WildwatchError` subclass built
from the API's error body ``{"error": {"code", "message", "details"}}``. Redirects are not followed, so the API key
never travels to another host.

This module must stay free of Django and of the engine's dependencies: an integration that only calls the API
needs nothing but the standard library.
"""

from __future__ import annotations

import base64
import email.utils
import http.client
import json
import random
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wildwatch import __version__

API_PREFIX = "/api/v1"
#: The API's limit on the items of one batch request; :meth:`Client.check_batch` splits longer lists.
MAX_BATCH = 1000

__all__ = [
    "API_PREFIX",
    "MAX_BATCH",
    "AuthenticationError",
    "Client",
    "ConnectionFailed",
    "ForbiddenError",
    "NotFoundError",
    "PayloadTooLargeError",
    "RateLimitedError",
    "Release",
    "ServerError",
    "ValidationError",
    "WildwatchError",
]


# --- errors ----------------------------------------------------------------------------------------------------


class WildwatchError(Exception):
    """An API call that failed. ``status`` is the HTTP status (None when no response came back), ``code``,
    ``message`` and ``details`` come from the API's error body."""

    def __init__(self, message: str, *, status: int | None = None, code: str = "error",
                 details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def __str__(self) -> str:
        where = f"HTTP {self.status}" if self.status is not None else "no response"
        return f"{self.message} ({where}, {self.code})"


class AuthenticationError(WildwatchError):
    """401: the API key is missing, unknown or revoked."""


class ForbiddenError(WildwatchError):
    """403: the key is valid but its role may not do this (library downloads need a member-engineer key)."""


class NotFoundError(WildwatchError):
    """404: no such resource (for example a release number that does not exist)."""


class PayloadTooLargeError(WildwatchError):
    """413: the request body is over the API's size limit."""


class ValidationError(WildwatchError):
    """422: the request body does not match the API's schema; ``details`` says which fields."""


class RateLimitedError(WildwatchError):
    """429 after every retry: ``retry_after`` is the wait, in seconds, the API asked for (None if it said none)."""

    def __init__(self, message: str, *, status: int | None = 429, code: str = "rate_limited", details: Any = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message, status=status, code=code, details=details)
        self.retry_after = retry_after


class ServerError(WildwatchError):
    """5xx after every retry."""


class ConnectionFailed(WildwatchError):
    """No HTTP response after every retry: DNS, refused connection, reset, timeout."""


_BY_STATUS: dict[int, type[WildwatchError]] = {
    401: AuthenticationError,
    403: ForbiddenError,
    404: NotFoundError,
    413: PayloadTooLargeError,
    422: ValidationError,
}


# --- release --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Release:
    """A library release as downloaded: the bundle bytes, its signature (base64 Ed25519 over the bundle's content
    digest, to verify with :func:`wildwatch.detect.signing.load_signed_bundle`) and its ETag (unquoted; pass it
    back to :meth:`Client.download_release` to get None while it is current). ``number`` is None when the hub did
    not say which release "latest" was."""

    number: int | None
    etag: str
    signature: str
    data: bytes = field(repr=False)


# --- the client -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Response:
    status: int
    headers: dict[str, str]  # names lowercased
    body: bytes

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "").strip()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Turn every redirect into an error response: the API never redirects, and following one would send the
    API key wherever the redirect points."""

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> urllib.request.Request | None:
        return None


#: No HTTP response: refused, reset, DNS, TLS, timeout (all OSError), or a garbled response.
_RETRYABLE_EXCEPTIONS = (OSError, http.client.HTTPException)


class Client:
    """A client of the hub's API (``/api/v1/``).

    ``base_url`` is the hub's address (``https://hub.example.org``; a trailing ``/api/v1`` is accepted too).
    ``timeout`` is per attempt, in seconds. ``retries`` is how many times a call is retried after a 429, a 5xx or
    a connection error, waiting ``backoff * 2**attempt`` seconds (plus up to 10 % jitter) or the ``Retry-After``
    the API sent; a ``Retry-After`` longer than ``max_retry_after`` seconds is not slept through: the call raises
    :class:`RateLimitedError` (or :class:`ServerError`) at once, with the wait in ``retry_after``. A client is safe
    to share between threads.
    """

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 10, retries: int = 3,
                 backoff: float = 0.5, max_retry_after: float = 60) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"base_url must be an http(s) URL, not {base_url!r}")
        if not api_key:
            raise ValueError("an API key is required")
        if retries < 0 or backoff < 0 or timeout <= 0:
            raise ValueError("retries and backoff must be >= 0 and timeout > 0")
        root = base_url.rstrip("/")
        self.base_url = root.removesuffix(API_PREFIX)
        self.api_key = api_key
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.backoff = float(backoff)
        self.max_retry_after = float(max_retry_after)
        self.user_agent = f"wildwatch-python/{__version__}"
        self._opener = urllib.request.build_opener(_NoRedirect())

    def __repr__(self) -> str:  # never show the key
        return f"Client({self.base_url!r})"

    # --- listings -------------------------------------------------------------------------------------------------

    def check(self, listing: Mapping[str, Any] | str, **fields: Any) -> dict[str, Any]:
        """Check one listing: ``check({"id": "L1", "title": ..., "description": ...})`` or
        ``check("ivory bangle for sale", id="L1", lang="en")``. Keyword fields are added to (and override) the
        mapping. Returns ``{"id", "verdict", "score", "hits", "reasons", "library_version"}``."""
        return self._json("POST", "/check", _listing_body(listing, fields))

    def check_batch(self, items: Iterable[Mapping[str, Any] | str]) -> list[dict[str, Any]]:
        """Check many listings, in requests of at most 1,000 items, and return the results in the same order. An
        item the API refused is ``{"id", "error": {"code", "message", "details"}}`` in its place (the other items
        are still checked)."""
        bodies = [_listing_body(item, {}) for item in items]
        results: list[dict[str, Any]] = []
        for start in range(0, len(bodies), MAX_BATCH):
            chunk = bodies[start : start + MAX_BATCH]
            answer = self._json("POST", "/check/batch", {"items": chunk})
            got = answer.get("results")
            if not isinstance(got, list) or len(got) != len(chunk):
                raise WildwatchError("the batch answer does not hold one result per item", status=200,
                                     code="bad_response", details={"sent": len(chunk)})
            results.extend(got)
        return results

    def check_search(self, query: str, lang: str | None = None) -> dict[str, Any]:
        """Should a marketplace search show the educational pop-up? Returns
        ``{"intercept", "message", "learn_more_url", "title"}``."""
        body: dict[str, Any] = {"query": query}
        if lang:
            body["lang"] = lang
        return self._json("POST", "/search/intercept", body)

    # --- feedback -------------------------------------------------------------------------------------------------

    def report_decision(self, listing_id: str, verdict_taken: str, policy: str,
                        terms_confirmed: Iterable[str] = (), terms_rejected: Iterable[str] = (),
                        idempotency_key: str | None = None) -> dict[str, Any]:
        """Tell the hub what the platform's moderators did with a checked item: ``verdict_taken`` is
        ``removed_listing``, ``removed_account``, ``removed_post``, ``removed_group`` or ``no_violation``; ``policy``
        the category applied (``prohibited``, ``restricted``, ``cover``, ``allowed``); ``terms_confirmed`` and
        ``terms_rejected`` the term ids (``hits[].term_id``) a reviewer confirmed or rejected.

        An ``Idempotency-Key`` (at most 200 characters) is generated when none is given and reused on this call's
        retries, so a retried call is recorded once; pass your own (say, derived from your moderation event id) to
        make retries across process restarts safe too. Returns ``{"id", "recorded": true}``."""
        body: dict[str, Any] = {"id": listing_id, "verdict_taken": verdict_taken, "policy": policy}
        confirmed, rejected = list(terms_confirmed), list(terms_rejected)
        if confirmed:
            body["terms_confirmed"] = confirmed
        if rejected:
            body["terms_rejected"] = rejected
        key = idempotency_key or uuid.uuid4().hex
        return self._json("POST", "/decisions", body, headers={"Idempotency-Key": key})

    def forward_report(self, report_id: str, url: str, *, reason: str = "", listing_text: str = "",
                       species: str = "", product: str = "", seller: Mapping[str, Any] | None = None,
                       idempotency_key: str | None = None) -> dict[str, Any]:
        """Forward a wildlife report that one of your users filed in your app (``POST /api/v1/reports/forwarded``):
        it becomes a case in your own review queue. ``report_id`` is your id of the user's report (forwarding it
        again changes nothing); ``url`` is the reported listing, on your platform; ``seller`` may give
        ``handle``, ``contacts`` and ``location``. Returns ``{"id", "case", "status": "queued"|"held",
        "duplicate"}`` (and ``hold`` with the date not to act before, when law enforcement holds the listing)."""
        item: dict[str, Any] = {"id": report_id, "url": url}
        for name, value in (("reason", reason), ("listing_text", listing_text), ("species", species),
                            ("product", product)):
            if value:
                item[name] = value
        if seller:
            item["seller"] = dict(seller)
        return self.forward_reports([item], idempotency_key=idempotency_key)[0]

    def forward_reports(self, reports: Iterable[Mapping[str, Any]], idempotency_key: str | None = None
                        ) -> list[dict[str, Any]]:
        """Forward up to 100 reports at once (all of them or, on an error, none)."""
        body = {"reports": [dict(r) for r in reports]}
        key = idempotency_key or uuid.uuid4().hex
        return list(self._json("POST", "/reports/forwarded", body, headers={"Idempotency-Key": key})["results"])

    def report_usage(self, usage: Mapping[str, Any], idempotency_key: str | None = None) -> dict[str, Any]:
        """Send an embedded engine's counts (:meth:`wildwatch.client.LocalDetector.usage`, which does it in the
        background) to ``POST /api/v1/usage``. Retries are safe: they carry the same ``Idempotency-Key``, so the
        hub adds the counts once. Returns ``{"accepted": true, "days": n, "counters": m}``."""
        body = {"library_version": str(usage.get("library_version", "")), "days": dict(usage.get("days", {}))}
        key = idempotency_key or uuid.uuid4().hex
        return self._json("POST", "/usage", body, headers={"Idempotency-Key": key})

    def usage(self, since: str | None = None, until: str | None = None) -> dict[str, Any]:
        """The platform's own counts by day (``GET /api/v1/usage``): the API's checks and its embedded engines'."""
        query = urllib.parse.urlencode({k: v for k, v in (("since", since), ("until", until)) if v})
        return self._json("GET", "/usage" + (f"?{query}" if query else ""), None)

    # --- shared signals -------------------------------------------------------------------------------------------

    def pull_signals(self, since: int = 0, limit: int = 1000) -> dict[str, Any]:
        """The shared-signal log after the cursor ``since`` (``GET /api/v1/signals``): ``{"signals": [{"seq", "op",
        "id", "kind", "value", "category", "members", "expires_at"}], "next", "more"}``; images and texts only.
        :class:`wildwatch.client.signals.SignalCopy` keeps a local copy with it."""
        query = urllib.parse.urlencode({"since": int(since), "limit": int(limit)})
        return self._json("GET", f"/signals?{query}", None)

    def share_signals(self, category: str, *, images: Iterable[bytes] = (), image_urls: Iterable[str] = (),
                      text: str | None = None, contacts: Iterable[str] = (), item_id: str = "",
                      expires_at: str | None = None, idempotency_key: str | None = None) -> dict[str, Any]:
        """Share the hashes of removed content (``POST /api/v1/signals``): image bytes (sent in base64 and hashed
        by the hub), image URLs on allow-listed hosts, the listing's text, seller contacts. Returns
        ``{"signals": [{"id", "kind"}], "skipped": [reasons]}``."""
        body: dict[str, Any] = {"category": category, "item_id": item_id,
                                "images": [base64.b64encode(i).decode("ascii") for i in images],
                                "image_urls": list(image_urls), "contacts": list(contacts)}
        if text:
            body["text"] = text
        if expires_at:
            body["expires_at"] = expires_at
        key = idempotency_key or uuid.uuid4().hex
        return self._json("POST", "/signals", body, headers={"Idempotency-Key": key})

    def retract_signal(self, signal_id: int, idempotency_key: str | None = None) -> dict[str, Any]:
        """Withdraw your contribution to a signal (``POST /api/v1/signals/{id}/retract``)."""
        key = idempotency_key or uuid.uuid4().hex
        return self._json("POST", f"/signals/{int(signal_id)}/retract", {}, headers={"Idempotency-Key": key})

    def signal_opinion(self, signal_id: int, opinion: str, comment: str = "",
                       idempotency_key: str | None = None) -> dict[str, Any]:
        """Confirm or dispute a signal your checks matched (``opinion``: ``confirm`` or ``dispute``)."""
        key = idempotency_key or uuid.uuid4().hex
        return self._json("POST", f"/signals/{int(signal_id)}/opinion", {"opinion": opinion, "comment": comment},
                          headers={"Idempotency-Key": key})

    # --- library releases -----------------------------------------------------------------------------------------

    def download_release(self, n: int | str = "latest", etag: str | None = None) -> Release | None:
        """Download release ``n`` (a number, or ``"latest"``) of the keyword library: the organisation's own signed
        copy (member-engineer keys only). With the ``etag`` of the copy you hold, returns None when it is still
        current (HTTP 304). Verify the result before use: :class:`wildwatch.client.LocalDetector` does."""
        if not (n == "latest" or (isinstance(n, int) and not isinstance(n, bool) and n > 0)):
            raise ValueError(f"a release is a positive number or 'latest', not {n!r}")
        headers = {"Accept": "application/zip"}
        if etag:
            headers["If-None-Match"] = _quote_etag(etag)
        response = self._request("GET", f"/library/releases/{n}", None, headers, ok=(200, 304))
        if response.status == 304:
            return None
        signature = response.header("X-Wildwatch-Signature")
        if not signature:
            raise WildwatchError("the release came without its X-Wildwatch-Signature header", status=200,
                                 code="unsigned_release")
        number = _release_number(n, response.header("X-Wildwatch-Release"), response.header("Content-Disposition"))
        return Release(number, _unquote_etag(response.header("ETag")), signature, response.body)

    # --- transport ------------------------------------------------------------------------------------------------

    def _json(self, method: str, path: str, body: Any, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        response = self._request(method, path, body, dict(headers or {}), ok=(200, 201))
        try:
            data = json.loads(response.body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise WildwatchError(f"the API answered with invalid JSON: {exc}", status=response.status,
                                 code="bad_response") from exc
        if not isinstance(data, dict):
            raise WildwatchError("the API answered with JSON that is not an object", status=response.status,
                                 code="bad_response")
        return data

    def _request(self, method: str, path: str, body: Any, headers: dict[str, str],
                 ok: tuple[int, ...]) -> _Response:
        url = self.base_url + API_PREFIX + path
        payload = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        all_headers = {"X-Api-Key": self.api_key, "User-Agent": self.user_agent, "Accept": "application/json",
                       **headers}
        if payload is not None:
            all_headers["Content-Type"] = "application/json"
        attempt = 0
        while True:
            # S310: base_url was checked to be http(s) in __init__
            request = urllib.request.Request(url, data=payload, headers=all_headers, method=method)  # noqa: S310
            failure: WildwatchError
            wait: float | None = None
            try:
                response = self._send(request)
            except _RETRYABLE_EXCEPTIONS as exc:
                failure = ConnectionFailed(f"could not reach {self.base_url}: {_reason(exc)}", code="connection")
                failure.__cause__ = exc
            else:
                if response.status in ok:
                    return response
                failure = _error_from(response)
                if not isinstance(failure, RateLimitedError | ServerError):
                    raise failure
                wait = failure.retry_after if isinstance(failure, RateLimitedError) else _retry_after(response)
                if wait is not None and wait > self.max_retry_after:
                    raise failure  # the API asked for a longer wait than a call should block for
            if attempt >= self.retries:
                raise failure
            if wait is None:
                wait = self.backoff * (2 ** attempt) * (1 + random.random() / 10)  # noqa: S311 (retry jitter, not a secret)
            time.sleep(wait)
            attempt += 1

    def _send(self, request: urllib.request.Request) -> _Response:
        try:
            with self._opener.open(request, timeout=self.timeout) as raw:
                return _Response(raw.status, _headers(raw.headers), raw.read())
        except urllib.error.HTTPError as exc:  # every non-2xx status, 304 and redirects included
            with exc:
                data = exc.read() if exc.fp is not None else b""
            return _Response(exc.code, _headers(exc.headers), data)


# --- helpers --------------------------------------------------------------------------------------------------


def _headers(message: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in message.items()} if message is not None else {}


def _listing_body(listing: Mapping[str, Any] | str, fields: Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(listing, str):
        body: dict[str, Any] = {"text": listing}
    elif isinstance(listing, Mapping):
        body = dict(listing)
    else:
        raise TypeError(f"a listing is a mapping or a string, not {type(listing).__name__}")
    body.update(fields)
    return body


def _error_from(response: _Response) -> WildwatchError:
    status = response.status
    code, message, details = f"http_{status}", "", None
    try:
        parsed = json.loads(response.body) if response.body else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        parsed = None
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if isinstance(error, dict):
        code = str(error.get("code") or code)
        message = str(error.get("message") or "")
        details = error.get("details")
    if not message:
        reason = http.client.responses.get(status, "error")
        snippet = response.body[:200].decode("utf-8", errors="replace").strip() if parsed is None else ""
        message = f"{reason}: {snippet}" if snippet else reason
    if status == 429:
        return RateLimitedError(message, status=status, code=code, details=details,
                                retry_after=_retry_after(response))
    if 500 <= status < 600:
        return ServerError(message, status=status, code=code, details=details)
    return _BY_STATUS.get(status, WildwatchError)(message, status=status, code=code, details=details)


def _retry_after(response: _Response) -> float | None:
    """``Retry-After`` in seconds (a number of seconds or an HTTP date), or None."""
    value = response.header("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        return str(exc.reason)
    return str(exc) or type(exc).__name__


def _quote_etag(etag: str) -> str:
    etag = etag.strip()
    if etag.startswith(('"', 'W/"')):
        return etag
    return f'"{etag}"'


def _unquote_etag(etag: str) -> str:
    return etag.strip().removeprefix("W/").strip('"')


_FILENAME_NUMBER = re.compile(r"wildwatch-library-(\d+)\.wwlib")


def _release_number(n: int | str, explicit: str, disposition: str) -> int | None:
    """The release number: the ``X-Wildwatch-Release`` header, else the download's file name, else ``n``."""
    if explicit.isdigit():
        return int(explicit)
    found = _FILENAME_NUMBER.search(disposition)
    if found:
        return int(found.group(1))
    return n if isinstance(n, int) else None
