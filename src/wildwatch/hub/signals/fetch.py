"""Fetching a listing's images by URL for matching: only from allow-listed hosts, over HTTPS, within a size and a
time limit, and without following redirects (a redirect could lead anywhere, including inside the hub's network).

The allow-list is ``settings.WILDWATCH_SIGNAL_IMAGE_HOSTS`` (host names; ``.example.com`` allows its
subdomains) plus the web domains of the member platform whose key asks. Anything else is refused with a reason,
never fetched. Certificates are verified against the system's authorities, or against
``settings.WILDWATCH_SIGNAL_FETCH_CAFILE`` when it names a CA bundle (a private CDN).
"""

from __future__ import annotations

import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from http.client import HTTPResponse
from urllib.parse import urlsplit

from django.conf import settings

#: the largest image fetched (bytes) and the time allowed for one fetch (seconds)
MAX_BYTES = 2 * 1024 * 1024
TIMEOUT = 3.0
#: at most this many URLs are fetched for one item
MAX_URLS = 4


class FetchError(ValueError):
    """Why an image URL was not fetched."""


@dataclass(frozen=True)
class Allowed:
    hosts: frozenset[str]
    suffixes: tuple[str, ...]

    def __contains__(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return host in self.hosts or any(host.endswith(s) for s in self.suffixes)


def allowed_hosts(extra: Iterable[str] = ()) -> Allowed:
    names = [h.strip().lower() for h in (*getattr(settings, "WILDWATCH_SIGNAL_IMAGE_HOSTS", ()), *extra) if h.strip()]
    return Allowed(frozenset(n for n in names if not n.startswith(".")),
                   tuple(n for n in names if n.startswith(".")))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a 3xx is answered as an error: redirects are not followed


def _opener() -> urllib.request.OpenerDirector:
    cafile = getattr(settings, "WILDWATCH_SIGNAL_FETCH_CAFILE", None) or None
    context = ssl.create_default_context(cafile=cafile)
    return urllib.request.build_opener(_NoRedirect, urllib.request.HTTPSHandler(context=context))


def fetch(url: str, allowed: Allowed) -> bytes:
    """The image at ``url``, or :class:`FetchError` saying why not."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise FetchError("only https:// image URLs are fetched")
    if parts.hostname not in allowed:
        raise FetchError(f"{parts.hostname} is not an allow-listed image host")
    deadline = time.monotonic() + TIMEOUT
    request = urllib.request.Request(url, headers={"User-Agent": "wildwatch-hub/1 (signal matching)",  # noqa: S310 (only https and an allow-listed host: checked above)
                                                   "Accept": "image/*"})
    try:
        response: HTTPResponse = _opener().open(request, timeout=TIMEOUT)
    except urllib.error.HTTPError as exc:
        raise FetchError(f"the image host answered {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(f"the image could not be fetched: {getattr(exc, 'reason', exc)}") from None
    with response:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > MAX_BYTES:
            raise FetchError(f"the image is over {MAX_BYTES} bytes")
        chunks, size = [], 0
        while True:
            if time.monotonic() > deadline:
                raise FetchError(f"the image took over {TIMEOUT:g} s")
            chunk = response.read(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_BYTES:
                raise FetchError(f"the image is over {MAX_BYTES} bytes")
            chunks.append(chunk)
    return b"".join(chunks)
