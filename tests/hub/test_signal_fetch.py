"""Fetching listing images for signals from an allow-listed HTTPS host (a local server with its own certificate):
the image arrives; oversized, slow, redirected, non-image and non-allow-listed ones do not."""

from __future__ import annotations

import base64
import datetime as dt
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from test_signals_api import photo

from wildwatch.hub.signals import fetch

IMAGE = base64.b64decode(photo(11))


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/photo.jpg":
            self._send(IMAGE)
        elif self.path == "/big.jpg":
            self._send(b"\xff" * (fetch.MAX_BYTES + 1), declare=False)
        elif self.path == "/slow.jpg":
            self.send_response(200)
            self.end_headers()
            for _ in range(40):
                self.wfile.write(b"\xff" * 1024)
                self.wfile.flush()
                time.sleep(0.1)
        elif self.path == "/moved.jpg":
            self.send_response(302)
            self.send_header("Location", "https://169.254.169.254/")
            self.end_headers()
        else:
            self.send_error(404)

    def _send(self, body: bytes, declare: bool = True) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        if declare:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def host(tmp_path: Path, settings: Any) -> Iterator[str]:
    cert, key = _certificate(tmp_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.WILDWATCH_SIGNAL_FETCH_CAFILE = str(cert)
    settings.WILDWATCH_SIGNAL_IMAGE_HOSTS = ["localhost"]
    yield f"https://localhost:{server.server_address[1]}"
    server.shutdown()


def test_an_allow_listed_image_is_fetched(host: str) -> None:
    assert fetch.fetch(f"{host}/photo.jpg", fetch.allowed_hosts()) == IMAGE


@pytest.mark.parametrize(("path", "words"), [
    ("/big.jpg", "over"), ("/slow.jpg", "took over"), ("/moved.jpg", "302"), ("/missing.jpg", "404")])
def test_what_is_refused_on_an_allowed_host(host: str, path: str, words: str) -> None:
    with pytest.raises(fetch.FetchError) as refused:
        fetch.fetch(host + path, fetch.allowed_hosts())
    assert words in str(refused.value)


def test_hosts_outside_the_list_and_plain_http_are_never_contacted(host: str) -> None:
    port = host.rsplit(":", 1)[1]
    with pytest.raises(fetch.FetchError, match="not an allow-listed"):
        fetch.fetch(f"https://127.0.0.1:{port}/photo.jpg", fetch.allowed_hosts())
    with pytest.raises(fetch.FetchError, match="only https"):
        fetch.fetch(f"http://localhost:{port}/photo.jpg", fetch.allowed_hosts())
    allowed = fetch.allowed_hosts([".cdn.example"])
    assert "img.cdn.example" in allowed and "cdn.example.evil" not in allowed and "localhost" in allowed


@pytest.mark.django_db
def test_an_image_url_in_a_removal_matches_the_same_image_sent_in_a_check(host: str) -> None:
    from api_helpers import post

    from wildwatch.hub.accounts import services as accounts
    from wildwatch.hub.signals import matching
    from wildwatch.hub.signals import services as signals

    keys = {}
    for slug in ("sf-first", "sf-next"):
        org = accounts.create_organisation(slug, slug, "member")
        accounts.add_platform(org, f"{slug}-shop", "Shop", "ecommerce", ["VN"])
        signals.set_sharing(org, True)
        keys[slug] = accounts.create_api_key(slug, role="engineer")[1]
    matching.forget()
    removed = post("/api/v1/decisions", {"id": "l-1", "verdict_taken": "removed_listing", "policy": "prohibited",
                                         "content": {"image_urls": [f"{host}/photo.jpg"]}}, keys["sf-first"])
    assert removed.json()["signals"] == 2 and removed.json()["signals_skipped"] == []
    checked = post("/api/v1/check", {"id": "x", "text": "bracelet", "images": [base64.b64encode(IMAGE).decode()]},
                   keys["sf-next"]).json()
    assert checked["verdict"] == "block" and {h["kind"] for h in checked["hits"]} == {"shared_signal"}
