"""The embedded engine: a signed bundle from a file or from a (real, local) HTTP server, verification, refresh."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from wildwatch.client import Client, LocalDetector, ServerError
from wildwatch.detect.library import Campaign, Library, LibraryError, Term, load_starter
from wildwatch.detect.signing import generate_key, public_key_pem, sign_digest

KEY = "ww_engineer_key"


@dataclass(frozen=True)
class Signed:
    data: bytes
    signature: str
    version: str


#: A made-up product term that only the second release knows: a check shows which detector answered.
NEW_TERM = Term(id="t-test-zorblax", term="zorblax powder", lang="en", kind="product", group="rhinos",
                product="horn", category="prohibited")


def make_release(private_pem: bytes, version: str = "2026.11.0", new_term: bool = False) -> Signed:
    library = load_starter()
    library.version = version
    if new_term:
        library.terms.append(NEW_TERM)
    return sign(library, private_pem)


def sign(library: Library, private_pem: bytes) -> Signed:
    data = library.to_bundle()
    digest = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))["content_digest"]
    return Signed(data, sign_digest(private_pem, digest), library.version)


@pytest.fixture(scope="module")
def private_pem() -> bytes:
    return generate_key()


@pytest.fixture(scope="module")
def public_pem(private_pem: bytes) -> bytes:
    return public_key_pem(private_pem)


@pytest.fixture(scope="module")
def release_a(private_pem: bytes) -> Signed:
    return make_release(private_pem, "2026.11.0")


@pytest.fixture(scope="module")
def release_b(private_pem: bytes) -> Signed:
    return make_release(private_pem, "2026.12.0", new_term=True)


def write(tmp_path: Path, release: Signed, name: str = "library.wwlib", sig: bool = True) -> Path:
    path = tmp_path / name
    path.write_bytes(release.data)
    if sig:
        (tmp_path / (name + ".sig")).write_text(release.signature + "\n")
    return path


# --- from a file -------------------------------------------------------------------------------------------------


def test_a_signed_file_loads_and_blocks_rhino_horn(tmp_path: Path, release_a: Signed, public_pem: bytes) -> None:
    path = write(tmp_path, release_a)
    with LocalDetector.from_release(path, public_key_pem=public_pem) as local:
        decision = local.check("rhino horn for sale")
        assert decision.verdict == "block"
        assert decision.library_version == local.library_version == "2026.11.0"
        assert local.check({"title": "Oak chair", "description": "solid wood"}).verdict == "allow"
        assert [d.verdict for d in local.check_many(["ivory bangle, DM for price", "a lamp"])] == ["block", "allow"]
        search = local.check_search("buy rhino horn")
        assert search.intercept and search.message
        assert local.release is None and local.status()["source"] == str(path)


def test_signature_argument_and_sig_without_the_extension(tmp_path: Path, release_a: Signed,
                                                          public_pem: bytes) -> None:
    path = write(tmp_path, release_a, sig=False)
    local = LocalDetector.from_release(str(path), public_key_pem=public_pem, signature=release_a.signature)
    assert local.check("rhino horn for sale").verdict == "block"
    (tmp_path / "library.sig").write_text(release_a.signature)
    assert LocalDetector.from_release(path, public_key_pem=public_pem).library_version == "2026.11.0"


def test_a_tampered_signature_is_refused(tmp_path: Path, release_a: Signed, public_pem: bytes) -> None:
    path = write(tmp_path, release_a, sig=False)
    raw = bytearray(base64.b64decode(release_a.signature))
    raw[0] ^= 1
    with pytest.raises(LibraryError, match="bad signature"):
        LocalDetector.from_release(path, public_key_pem=public_pem, signature=base64.b64encode(raw).decode())
    with pytest.raises(LibraryError, match="bad signature"):
        LocalDetector.from_release(path, public_key_pem=public_pem, signature="not base64!")


def test_a_wrong_key_or_no_signature_is_refused(tmp_path: Path, release_a: Signed) -> None:
    path = write(tmp_path, release_a, sig=False)
    other = public_key_pem(generate_key())
    with pytest.raises(LibraryError, match="bad signature"):
        LocalDetector.from_release(path, public_key_pem=other, signature=release_a.signature)
    with pytest.raises(LibraryError, match="no signature"):
        LocalDetector.from_release(path, public_key_pem=other)
    with pytest.raises(ValueError, match="public_key_pem"):
        LocalDetector.from_release(path, public_key_pem=b"", signature=release_a.signature)


def test_a_tampered_bundle_is_refused(tmp_path: Path, release_a: Signed, public_pem: bytes) -> None:
    """Removing a term from the bundle (keeping the signed manifest) fails the digest check."""
    src = zipfile.ZipFile(io.BytesIO(release_a.data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            content = src.read(name)
            if name == "library/terms.json":
                content = json.dumps(json.loads(content)[1:]).encode()
            dst.writestr(name, content)
    path = tmp_path / "tampered.wwlib"
    path.write_bytes(out.getvalue())
    with pytest.raises(LibraryError, match="altered"):
        LocalDetector.from_release(path, public_key_pem=public_pem, signature=release_a.signature)


def test_refresh_from_a_file(tmp_path: Path, release_a: Signed, release_b: Signed, public_pem: bytes) -> None:
    path = write(tmp_path, release_a)
    local = LocalDetector.from_release(path, public_key_pem=public_pem)
    assert local.refresh_now() is False  # unchanged
    assert local.check("zorblax powder for sale").verdict == "allow"
    write(tmp_path, release_b)
    assert local.refresh_now() is True
    assert local.library_version == "2026.12.0"
    assert local.check("zorblax powder for sale").verdict == "block"
    (tmp_path / "library.wwlib.sig").write_text(release_a.signature)  # B with A's signature
    with pytest.raises(LibraryError):
        local.refresh_now()
    assert local.library_version == "2026.12.0"


# --- from the hub ------------------------------------------------------------------------------------------------


class ReleaseServer:
    """Serves ``/api/v1/library/releases/latest`` like the hub: ETag, X-Wildwatch-Signature, 304 on a match."""

    def __init__(self, release: Signed, number: int = 1) -> None:
        self.lock = threading.Lock()
        self.requests: list[dict[str, str]] = []
        self.usage_posts: list[tuple[str, dict[str, Any]]] = []  # (Idempotency-Key, body) of each POST /usage
        self.usage_keys: list[str] = []  # the Idempotency-Key of every attempt, failed ones too
        self.usage_status = 200
        self.publish(release, number)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server.lock:
                    status = server.usage_status if self.path == "/api/v1/usage" else 404
                    server.usage_keys.append(self.headers["Idempotency-Key"])
                    if status == 200:
                        server.usage_posts.append((self.headers["Idempotency-Key"], body))
                reply = json.dumps({"accepted": True} if status == 200 else
                                   {"error": {"code": str(status), "message": "no", "details": None}}).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def do_GET(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                with server.lock:
                    server.requests.append(headers)
                    release, number, etag, status = server.release, server.number, server.etag, server.status
                if headers.get("x-api-key") != KEY:
                    status = 401
                if self.path != "/api/v1/library/releases/latest":
                    status = 404
                if status != 200:
                    body = json.dumps({"error": {"code": str(status), "message": "no", "details": None}}).encode()
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                quoted = f'"{etag}"'
                self.send_response(304 if headers.get("if-none-match") == quoted else 200)
                self.send_header("ETag", quoted)
                self.send_header("X-Wildwatch-Signature", release.signature)
                if headers.get("if-none-match") == quoted:
                    self.end_headers()
                    return
                self.send_header("Content-Type", "application/zip")
                self.send_header("X-Wildwatch-Release", str(number))
                self.send_header("Content-Length", str(len(release.data)))
                self.end_headers()
                self.wfile.write(release.data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)
        self.thread.start()

    def publish(self, release: Signed, number: int, signature: str | None = None) -> None:
        if signature is not None:
            release = Signed(release.data, signature, release.version)
        with self.lock:
            self.release, self.number, self.status = release, number, 200
            self.etag = hashlib.sha256(release.data + release.signature.encode()).hexdigest()

    def fail(self, status: int) -> None:
        with self.lock:
            self.status = status

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server(release_a: Signed) -> Iterator[ReleaseServer]:
    s = ReleaseServer(release_a, 1)
    yield s
    s.close()


def hub_client(server: ReleaseServer) -> Client:
    return Client(server.url, KEY, retries=0, timeout=10)


def test_from_the_hub_then_refresh_switches_while_checks_keep_working(
        server: ReleaseServer, release_b: Signed, public_pem: bytes) -> None:
    local = LocalDetector.from_release(hub_client(server), public_key_pem=public_pem, refresh_seconds=0)
    try:
        assert (local.library_version, local.release) == ("2026.11.0", 1)
        assert local.check("rhino horn for sale").verdict == "block"
        assert local.refresh_now() is False  # 304
        assert server.requests[-1]["if-none-match"] == f'"{local.etag}"'

        stop = threading.Event()
        seen: list[list[tuple[str, str]]] = [[] for _ in range(4)]
        errors: list[BaseException] = []

        def hammer(mine: list[tuple[str, str]]) -> None:
            while not stop.is_set():
                try:
                    d = local.check("rhino horn for sale")
                    new = local.check("zorblax powder for sale")
                    s = local.check_search("buy tiger skin")
                    mine.append((d.verdict, d.library_version))
                    # the new term blocks exactly when the new release answered
                    assert (new.verdict == "block") == (new.library_version == "2026.12.0")
                    assert s.intercept
                except BaseException as exc:
                    errors.append(exc)
                    return

        threads = [threading.Thread(target=hammer, args=(mine,)) for mine in seen]
        for t in threads:
            t.start()
        time.sleep(0.2)
        server.publish(release_b, 2)
        switched = local.refresh_now()
        time.sleep(0.2)
        stop.set()
        for t in threads:
            t.join()
        assert switched is True
        assert not errors, errors
        assert (local.library_version, local.release) == ("2026.12.0", 2)
        for mine in seen:
            assert {verdict for verdict, _ in mine} == {"block"}
            versions = [v for _, v in mine]
            assert "2026.11.0" in versions and versions[-1] == "2026.12.0"
            assert versions == sorted(versions)  # never back to the old detector once switched
        assert local.refresh_now() is False
    finally:
        local.close()


def test_a_tampered_release_from_the_hub_is_refused(server: ReleaseServer, release_a: Signed, release_b: Signed,
                                                    public_pem: bytes) -> None:
    local = LocalDetector.from_release(hub_client(server), public_key_pem=public_pem, refresh_seconds=0)
    server.publish(release_b, 2, signature=release_a.signature)
    with pytest.raises(LibraryError, match="bad signature"):
        local.refresh_now()
    assert local.library_version == "2026.11.0"
    assert local.check("rhino horn for sale").verdict == "block"
    server.publish(release_a, 2, signature="AAAA")
    with pytest.raises(LibraryError):
        LocalDetector.from_release(hub_client(server), public_key_pem=public_pem, refresh_seconds=0)


def test_an_older_release_is_refused(server: ReleaseServer, release_a: Signed, release_b: Signed,
                                     public_pem: bytes) -> None:
    server.publish(release_b, 5)
    local = LocalDetector.from_release(hub_client(server), public_key_pem=public_pem, refresh_seconds=0)
    server.publish(release_a, 4)
    with pytest.raises(LibraryError, match="older"):
        local.refresh_now()
    assert (local.library_version, local.release) == ("2026.12.0", 5)


def test_the_background_thread_refreshes_and_logs_errors(server: ReleaseServer, release_b: Signed,
                                                         public_pem: bytes, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="wildwatch.client")
    local = LocalDetector.from_release(hub_client(server), public_key_pem=public_pem, refresh_seconds=0.05)
    try:
        server.fail(503)
        deadline = time.monotonic() + 10
        while local.last_refresh_error is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert local.last_refresh_error is not None and "ServerError" in local.last_refresh_error
        assert "refresh failed" in caplog.text
        assert local.check("rhino horn for sale").verdict == "block"  # still serving the old release

        server.publish(release_b, 2)
        while local.library_version != "2026.12.0" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert local.library_version == "2026.12.0"
        assert local.status()["refreshing"] is True
    finally:
        local.close()
    assert local.status()["refreshing"] is False
    count = len(server.requests)
    time.sleep(0.2)
    assert len(server.requests) == count  # closed: no more requests


def test_download_errors_surface_at_construction(server: ReleaseServer, public_pem: bytes) -> None:
    from wildwatch.client import AuthenticationError

    with pytest.raises(AuthenticationError):
        LocalDetector.from_release(Client(server.url, "wrong", retries=0), public_key_pem=public_pem)


# --- usage -------------------------------------------------------------------------------------------------------


def test_usage_counts_by_day_verdict_category_and_popups(tmp_path: Path, release_a: Signed,
                                                         public_pem: bytes) -> None:
    local = LocalDetector.from_release(write(tmp_path, release_a), public_key_pem=public_pem)
    local.check("rhino horn for sale")
    local.check_many(["ivory bangle for sale", "a wooden chair", "mammoth ivory carving"])
    local.check_search("buy rhino horn")
    local.check_search("garden chairs")
    usage = local.usage()
    assert usage["library_version"] == "2026.11.0"
    [(day, counts)] = usage["days"].items()
    assert len(day) == 10
    listings = counts["listings"]
    assert listings["block"] == {"prohibited": 2}
    assert listings["allow"] == {"none": 1}
    assert sum(n for cats in listings.values() for n in cats.values()) == 4
    assert (counts["searches"], counts["search_popups"]) == (2, 1)
    assert local.usage(reset=True) == usage
    assert local.usage()["days"] == {}


def test_usage_counts_term_hits_and_campaign_popups(tmp_path: Path, private_pem: bytes, public_pem: bytes) -> None:
    """What the hub needs for trends by term and for a campaign's reach on embedded engines."""
    today = datetime.now(UTC).date()
    library = load_starter()
    library.campaigns = [Campaign(slug="rhino-week", start=today - timedelta(days=1), end=today + timedelta(days=1),
                                  groups=frozenset({"rhinos"}), messages={"en": {"title": "Rhino week",
                                                                                   "body": "Horn kills rhinos."}})]
    local = LocalDetector.from_release(write(tmp_path, sign(library, private_pem)), public_key_pem=public_pem)
    local.check_many(["rhino horn for sale", "rhino horn, rhino horn! for sale", "rhino horn cup", "a chair"])
    assert local.check_search("buy rhino horn").campaign == "rhino-week"
    local.check_search("ivory bangle")  # a pop-up, not the campaign's
    local.check_search("garden chairs")
    [counts] = local.usage()["days"].values()
    assert counts["term_hits"]["block"]["prohibited"] == {"t-product-rhino-horn-en": 2}  # once per listing
    assert counts["term_hits"]["review"]["prohibited"] == {"t-cover-rhino-horn-cup-en": 1}
    assert counts["campaign_popups"] == {"rhino-week": 1}
    assert (counts["searches"], counts["search_popups"]) == (3, 2)
    # a day without any leaves both out: an older hub still accepts it
    local.usage(reset=True)
    local.check("a wooden chair")
    [quiet] = local.usage()["days"].values()
    assert "term_hits" not in quiet and "campaign_popups" not in quiet


def test_usage_is_sent_in_the_background_and_kept_when_the_hub_fails(server: ReleaseServer,
                                                                       public_pem: bytes) -> None:
    local = LocalDetector.from_release(hub_client(server), public_key_pem=public_pem, refresh_seconds=0,
                                       usage_seconds=0.05)
    try:
        local.check_many(["rhino horn for sale", "a wooden chair"])
        deadline = time.monotonic() + 10
        while not server.usage_posts and time.monotonic() < deadline:
            time.sleep(0.02)
        [(first_key, body)] = server.usage_posts
        [(_, counts)] = body["days"].items()
        assert counts["listings"] == {"block": {"prohibited": 1}, "allow": {"none": 1}}
        assert body["library_version"] == "2026.11.0"
    finally:
        local.close()
    assert len(server.usage_posts) == 1  # nothing new to send at close

    # sending by hand, with the hub failing: the counts are kept and resent under the same key
    manual = LocalDetector.from_release(hub_client(server), public_key_pem=public_pem, refresh_seconds=0,
                                        usage_seconds=0)
    assert manual.send_usage() is False  # nothing counted yet
    manual.check("ivory bangle for sale")
    server.usage_status = 503
    with pytest.raises(ServerError):
        manual.send_usage()
    failed_key = server.usage_keys[-1]
    assert manual.status()["usage_unsent"] is True
    manual.check("a wooden chair")  # counted after the failed send: waits for the next one
    server.usage_status = 200
    assert manual.send_usage() is True
    key, retried = server.usage_posts[-1]
    assert key == failed_key != first_key
    assert next(iter(retried["days"].values()))["listings"] == {"block": {"prohibited": 1}}
    assert manual.send_usage() is True
    later_key, later = server.usage_posts[-1]
    assert later_key != key and next(iter(later["days"].values()))["listings"] == {"allow": {"none": 1}}
    assert manual.send_usage() is False
    manual.close()
