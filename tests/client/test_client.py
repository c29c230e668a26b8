"""The HTTP client against a real HTTP server (http.server on 127.0.0.1) that plays the API's responses.

No mocks: these tests exercise the client's protocol handling over real sockets: retries and backoff (honouring
``Retry-After``), typed errors built from the API's error bodies, the idempotency key reused across retries,
conditional downloads, redirects not followed, timeouts and dropped connections.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from wildwatch.client import (
    AuthenticationError,
    Client,
    ConnectionFailed,
    ForbiddenError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    Release,
    ServerError,
    ValidationError,
    WildwatchError,
)

KEY = "ww_test_key_123"


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list -> JSON, bytes -> as is, None -> empty
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False  # close the connection without an answer


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


Responder = Callable[[Seen], Reply]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that gave up (the timeout test)
            super().handle_error(request, client_address)


class FakeHub:
    """Scripted replies per (method, path): each request takes the next reply; the last one repeats."""

    def __init__(self) -> None:
        self.scripts: dict[tuple[str, str], list[Reply] | Responder] = {}
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def script(self, method: str, path: str, *replies: Reply | Responder) -> None:
        if len(replies) == 1 and callable(replies[0]):
            self.scripts[(method, path)] = replies[0]
        else:
            self.scripts[(method, path)] = [r for r in replies if isinstance(r, Reply)]

    def requests(self, path: str | None = None) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if path is None or s.path == path]

    def _next(self, seen: Seen) -> Reply:
        with self.lock:
            self.seen.append(seen)
            script = self.scripts.get((seen.method, seen.path))
            if script is None:
                return Reply(404, {"error": {"code": "not_found", "message": "no such endpoint", "details": None}})
            if callable(script):
                return script(seen)
            return script.pop(0) if len(script) > 1 else script[0]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body,
                            time.monotonic())
                reply = hub._next(seen)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if isinstance(reply.body, bytes):
                    data, ctype = reply.body, "application/octet-stream"
                elif reply.body is None:
                    data, ctype = b"", "application/json"
                else:
                    data, ctype = json.dumps(reply.body).encode(), "application/json"
                self.send_response(reply.status)
                headers = {"Content-Type": ctype, **reply.headers}
                for k, v in headers.items():
                    self.send_header(k, v)
                if reply.status != 304:
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if reply.status != 304:
                    self.wfile.write(data)

            do_GET = do_POST = _serve

        return Handler

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    server = FakeHub()
    yield server
    server.close()


def client(hub: FakeHub, **kw: Any) -> Client:
    kw.setdefault("backoff", 0.01)
    kw.setdefault("timeout", 5)
    return Client(hub.url, KEY, **kw)


def error(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


RESULT = {"id": "L1", "verdict": "block", "score": 0.95, "hits": [{"term": "rhino horn"}],
          "reasons": ["rhino horn is prohibited"], "library_version": "2026.11.0"}


# --- requests ----------------------------------------------------------------------------------------------------


def test_check_sends_the_key_and_json_and_returns_the_result(hub: FakeHub) -> None:
    hub.script("POST", "/api/v1/check", Reply(200, RESULT))
    got = client(hub).check({"id": "L1", "title": "Rhino horn", "description": "for sale"}, lang="en")
    assert got == RESULT
    [seen] = hub.requests()
    assert seen.headers["x-api-key"] == KEY
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["user-agent"].startswith("wildwatch-python/")
    assert seen.json() == {"id": "L1", "title": "Rhino horn", "description": "for sale", "lang": "en"}


def test_check_a_string_with_fields(hub: FakeHub) -> None:
    hub.script("POST", "/api/v1/check", Reply(200, RESULT))
    seller = {"id": "s-9", "contacts": ["+33 6 12 34 56 78"]}
    client(hub).check("rhino horn for sale", id="L1", url="https://shop.example/1", seller=seller)
    assert hub.requests()[0].json() == {"text": "rhino horn for sale", "id": "L1", "url": "https://shop.example/1",
                                        "seller": seller}


def test_base_url_may_end_with_the_api_prefix(hub: FakeHub) -> None:
    hub.script("POST", "/api/v1/check", Reply(200, RESULT))
    Client(hub.url + "/api/v1/", KEY).check("x", id="1")
    assert hub.requests()[0].path == "/api/v1/check"


def test_check_batch_keeps_order_item_errors_and_splits_at_1000(hub: FakeHub) -> None:
    def answer(seen: Seen) -> Reply:
        items = seen.json()["items"]
        assert len(items) <= 1000
        results = [{"id": i["id"], "error": {"code": "invalid", "message": "no text", "details": None}}
                   if i["id"] == "bad" else {**RESULT, "id": i["id"]} for i in items]
        return Reply(200, {"results": results})

    hub.script("POST", "/api/v1/check/batch", answer)
    items: list[dict[str, Any] | str] = [{"id": str(n), "text": "ivory"} for n in range(2500)]
    items[1] = {"id": "bad"}
    got = client(hub).check_batch(items)
    assert [r["id"] for r in got] == [str(n) if n != 1 else "bad" for n in range(2500)]
    assert got[1]["error"]["code"] == "invalid"
    assert [len(s.json()["items"]) for s in hub.requests()] == [1000, 1000, 500]
    assert client(hub).check_batch([]) == []


def test_check_search(hub: FakeHub) -> None:
    answer = {"intercept": True, "title": "Wildlife trade", "message": "…", "learn_more_url": "https://x"}
    hub.script("POST", "/api/v1/search/intercept", Reply(200, answer))
    assert client(hub).check_search("ngà voi", lang="vi") == answer
    assert hub.requests()[0].json() == {"query": "ngà voi", "lang": "vi"}
    client(hub).check_search("tiger balm")
    assert hub.requests()[1].json() == {"query": "tiger balm"}


def test_report_decision_body_and_generated_idempotency_key(hub: FakeHub) -> None:
    hub.script("POST", "/api/v1/decisions", Reply(200, {"id": "L1", "recorded": True}))
    c = client(hub)
    assert c.report_decision("L1", "removed_listing", "prohibited", terms_confirmed=["t-ivory-en"]) == {
        "id": "L1", "recorded": True}
    c.report_decision("L2", "no_violation", "allowed", terms_rejected=("t-tiger",), idempotency_key="mine-1")
    first, second = hub.requests()
    assert first.json() == {"id": "L1", "verdict_taken": "removed_listing", "policy": "prohibited",
                            "terms_confirmed": ["t-ivory-en"]}
    assert len(first.headers["idempotency-key"]) >= 16
    assert second.headers["idempotency-key"] == "mine-1"
    assert second.json()["terms_rejected"] == ["t-tiger"]


def test_the_idempotency_key_is_reused_across_retries(hub: FakeHub) -> None:
    hub.script("POST", "/api/v1/decisions", Reply(503, error("unavailable", "restarting")), Reply(drop=True),
               Reply(200, {"id": "L1", "recorded": True}))
    assert client(hub).report_decision("L1", "removed_listing", "restricted")["recorded"] is True
    keys = [s.headers["idempotency-key"] for s in hub.requests()]
    assert len(keys) == 3 and len(set(keys)) == 1
    client(hub).report_decision("L1", "removed_listing", "restricted")
    assert hub.requests()[-1].headers["idempotency-key"] != keys[0]  # a new call is a new decision


def test_forwarded_reports_carry_their_fields_and_one_key_across_retries(hub: FakeHub) -> None:
    hub.script("POST", "/api/v1/reports/forwarded", Reply(502, error("bad_gateway", "proxy")),
               Reply(200, {"results": [{"id": "R1", "case": 7, "status": "queued", "duplicate": False}]}))
    result = client(hub).forward_report("R1", "https://shop.example/item/1", reason="real ivory?",
                                        seller={"handle": "@s"})
    assert result == {"id": "R1", "case": 7, "status": "queued", "duplicate": False}
    first, second = hub.requests()
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]
    assert second.json() == {"reports": [{"id": "R1", "url": "https://shop.example/item/1", "reason": "real ivory?",
                                          "seller": {"handle": "@s"}}]}


def test_usage_retries_reuse_one_idempotency_key(hub: FakeHub) -> None:
    hub.script("POST", "/api/v1/usage", Reply(503, error("unavailable", "restarting")),
               Reply(200, {"accepted": True, "days": 1, "counters": 2}))
    usage = {"library_version": "2026.11.0", "days": {"2026-11-03": {"listings": {"allow": {"none": 3}},
                                                                     "searches": 1, "search_popups": 0}}}
    assert client(hub).report_usage(usage)["accepted"] is True
    first, second = hub.requests()
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]
    assert second.json() == usage
    hub.script("GET", "/api/v1/usage?since=2026-11-01", Reply(200, {"days": []}))
    assert client(hub).usage(since="2026-11-01") == {"days": []}


# --- retries -----------------------------------------------------------------------------------------------------


def test_429_waits_for_retry_after_then_succeeds(hub: FakeHub) -> None:
    hub.script("POST", "/api/v1/check",
               Reply(429, error("rate_limited", "slow down"), {"Retry-After": "0.3"}), Reply(200, RESULT))
    t0 = time.monotonic()
    got = client(hub, backoff=30).check("x", id="L1")  # the backoff would wait 30 s: Retry-After wins
    assert got == RESULT
    first, second = hub.requests()
    assert 0.3 <= second.at - first.at < 5
    assert time.monotonic() - t0 < 5


def test_500_is_retried_with_backoff(hub: FakeHub) -> None:
    hub.script("POST", "/api/v1/check", Reply(500, error("internal", "oops")), Reply(502, b"<html>bad gateway"),
               Reply(200, RESULT))
    assert client(hub, backoff=0.1).check("x", id="L1") == RESULT
    a, b, c = hub.requests()
    assert b.at - a.at >= 0.1 and c.at - b.at >= 0.2  # doubled


def test_5xx_after_every_retry_raises_server_error(hub: FakeHub) -> None:
    hub.script("POST", "/api/v1/check", Reply(503, error("unavailable", "maintenance", {"until": "10:00"})))
    with pytest.raises(ServerError) as info:
        client(hub, retries=2).check("x", id="L1")
    assert len(hub.requests()) == 3
    assert (info.value.status, info.value.code, info.value.message) == (503, "unavailable", "maintenance")
    assert info.value.details == {"until": "10:00"}


def test_html_error_pages_still_make_typed_errors(hub: FakeHub) -> None:
    hub.script("POST", "/api/v1/check", Reply(502, b"<html>Bad Gateway</html>"))
    with pytest.raises(ServerError) as info:
        client(hub, retries=0).check("x", id="L1")
    assert info.value.status == 502 and info.value.code == "http_502" and "Bad Gateway" in info.value.message


def test_429_after_every_retry_carries_retry_after(hub: FakeHub) -> None:
    hub.script("POST", "/api/v1/check", Reply(429, error("rate_limited", "quota"), {"Retry-After": "0"}))
    with pytest.raises(RateLimitedError) as info:
        client(hub, retries=1).check("x", id="L1")
    assert info.value.retry_after == 0 and info.value.status == 429
    assert len(hub.requests()) == 2


def test_a_long_retry_after_is_not_slept_through(hub: FakeHub) -> None:
    hub.script("POST", "/api/v1/check", Reply(429, error("rate_limited", "quota"), {"Retry-After": "45"}))
    t0 = time.monotonic()
    with pytest.raises(RateLimitedError) as info:
        client(hub, max_retry_after=10).check("x", id="L1")
    assert info.value.retry_after == 45 and time.monotonic() - t0 < 2
    assert len(hub.requests()) == 1


def test_retry_after_as_an_http_date(hub: FakeHub) -> None:
    hub.script("POST", "/api/v1/check",
               Reply(429, error("rate_limited", "x"), {"Retry-After": "Thu, 01 Jan 1970 00:00:00 GMT"}),
               Reply(200, RESULT))
    assert client(hub, backoff=30).check("x", id="L1") == RESULT  # a past date: retry at once


@pytest.mark.parametrize(("status", "kind"), [(401, AuthenticationError), (403, ForbiddenError),
                                              (404, NotFoundError), (413, PayloadTooLargeError),
                                              (422, ValidationError), (400, WildwatchError),
                                              (409, WildwatchError)])
def test_4xx_raise_typed_errors_without_retry(hub: FakeHub, status: int, kind: type[WildwatchError]) -> None:
    details = [{"loc": ["body", "id"], "msg": "field required"}] if status == 422 else None
    hub.script("POST", "/api/v1/check", Reply(status, error(f"code_{status}", f"message {status}", details)))
    with pytest.raises(kind) as info:
        client(hub, retries=3).check({"text": "x"})
    assert type(info.value) is kind
    assert (info.value.status, info.value.code, info.value.message) == (status, f"code_{status}", f"message {status}")
    assert info.value.details == details
    assert len(hub.requests()) == 1  # never retried
    assert f"HTTP {status}" in str(info.value)


def test_401_with_a_wrong_key(hub: FakeHub) -> None:
    def answer(seen: Seen) -> Reply:
        if seen.headers.get("x-api-key") != KEY:
            return Reply(401, error("unauthenticated", "unknown API key"))
        return Reply(200, RESULT)

    hub.script("POST", "/api/v1/check", answer)
    with pytest.raises(AuthenticationError, match="unknown API key"):
        Client(hub.url, "wrong").check("x", id="L1")
    assert client(hub).check("x", id="L1") == RESULT


def test_connection_refused_raises_connection_failed_after_retries() -> None:
    with socket.socket() as s:  # a port with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ConnectionFailed) as info:
        Client(f"http://127.0.0.1:{port}", KEY, retries=2, backoff=0.01).check("x", id="L1")
    assert info.value.status is None and info.value.code == "connection"


def test_a_dropped_connection_is_retried(hub: FakeHub) -> None:
    hub.script("POST", "/api/v1/check", Reply(drop=True), Reply(200, RESULT))
    assert client(hub).check("x", id="L1") == RESULT
    assert len(hub.requests()) == 2


def test_a_timeout_is_a_connection_failure(hub: FakeHub) -> None:
    hub.script("POST", "/api/v1/check", Reply(200, RESULT, delay=1.0))
    with pytest.raises(ConnectionFailed):
        client(hub, timeout=0.2, retries=0).check("x", id="L1")


def test_redirects_are_not_followed(hub: FakeHub) -> None:
    other = FakeHub()
    try:
        other.script("POST", "/api/v1/check", Reply(200, RESULT))
        hub.script("POST", "/api/v1/check", Reply(307, None, {"Location": other.url + "/api/v1/check"}))
        with pytest.raises(WildwatchError) as info:
            client(hub).check("x", id="L1")
        assert info.value.status == 307
        assert other.requests() == []  # the key never went there
    finally:
        other.close()


def test_invalid_json_in_a_success_is_an_error(hub: FakeHub) -> None:
    hub.script("POST", "/api/v1/check", Reply(200, b"not json"))
    with pytest.raises(WildwatchError) as info:
        client(hub).check("x", id="L1")
    assert info.value.code == "bad_response"


# --- releases ----------------------------------------------------------------------------------------------------


def test_download_release_and_304(hub: FakeHub) -> None:
    def answer(seen: Seen) -> Reply:
        if seen.headers.get("if-none-match") == '"abc123"':
            return Reply(304, None, {"ETag": '"abc123"', "X-Wildwatch-Signature": "c2ln"})
        return Reply(200, b"PK-bundle-bytes", {
            "ETag": '"abc123"', "X-Wildwatch-Signature": "c2ln",
            "Content-Disposition": 'attachment; filename="wildwatch-library-7.wwlib"'})

    hub.script("GET", "/api/v1/library/releases/latest", answer)
    hub.script("GET", "/api/v1/library/releases/7", answer)
    c = client(hub)
    release = c.download_release()
    assert release == Release(7, "abc123", "c2ln", b"PK-bundle-bytes")
    assert c.download_release(etag=release.etag) is None
    assert c.download_release(etag='"abc123"') is None
    assert c.download_release(7, etag="old") == release
    seen = hub.requests()
    assert [s.headers.get("if-none-match") for s in seen] == [None, '"abc123"', '"abc123"', '"old"']
    assert seen[-1].path == "/api/v1/library/releases/7"
    hub.script("GET", "/api/v1/library/releases/latest",
               Reply(200, b"zip", {"ETag": 'W/"e2"', "X-Wildwatch-Signature": "c2ln", "X-Wildwatch-Release": "12"}))
    assert c.download_release() == Release(12, "e2", "c2ln", b"zip")
    assert all(s.headers["x-api-key"] == KEY for s in seen)


def test_download_release_errors(hub: FakeHub) -> None:
    hub.script("GET", "/api/v1/library/releases/latest", Reply(200, b"zip", {"ETag": '"e"'}))
    hub.script("GET", "/api/v1/library/releases/99", Reply(404, error("not_found", "no release 99")))
    hub.script("GET", "/api/v1/library/releases/1", Reply(403, error("forbidden", "member-engineer keys only")))
    c = client(hub)
    with pytest.raises(WildwatchError) as info:
        c.download_release()
    assert info.value.code == "unsigned_release"
    with pytest.raises(NotFoundError):
        c.download_release(99)
    with pytest.raises(ForbiddenError, match="member-engineer"):
        c.download_release(1)
    with pytest.raises(ValueError):
        c.download_release("../admin")


# --- construction ------------------------------------------------------------------------------------------------


def test_constructor_validates_and_repr_hides_the_key() -> None:
    with pytest.raises(ValueError):
        Client("ftp://hub.example", KEY)
    with pytest.raises(ValueError):
        Client("https://hub.example", "")
    assert KEY not in repr(Client("https://hub.example", KEY))


def test_the_client_package_imports_neither_django_nor_the_engine() -> None:
    code = ("import sys, wildwatch.client; "
            "bad = [m for m in ('django', 'wildwatch.detect', 'numpy', 'hyperscan') if m in sys.modules]; "
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    code = "import sys; from wildwatch.client import LocalDetector; print('django' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_retry_after_on_a_503_is_honoured(hub: FakeHub) -> None:
    hub.script("POST", "/api/v1/search/intercept",
               Reply(503, error("unavailable", "deploying"), {"Retry-After": "0.2"}), Reply(200, {"intercept": False}))
    assert client(hub, backoff=30).check_search("chairs") == {"intercept": False}
    first, second = hub.requests()
    assert 0.2 <= second.at - first.at < 5
