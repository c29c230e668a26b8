"""The Content-Security-Policy of the hub's pages (Django 5.2 has none built in).

The hub's pages load their scripts and styles from its own static files only: no inline ``<script>``, no
``<style>`` element, no ``style=`` or ``on…=`` attribute (``tests/hub/test_security_headers.py`` scans the
templates). Images may also be ``data:`` URIs: the progress reports' charts are embedded PNGs. The Django admin
(5.2) needs nothing more: its scripts are static files that read their data from ``data-`` attributes.

A view may set its own policy (the header is then left alone): a standalone document (a progress report) gets
``document_policy``, which allows exactly its own ``<style>`` blocks by their hashes, and no script at all.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponseBase

HEADER = "Content-Security-Policy"

DIRECTIVES: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "img-src": ("'self'", "data:"),  # the charts of the dashboard and of the progress reports are data: URIs
    "font-src": ("'self'",),
    "connect-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "frame-ancestors": ("'none'",),
    "form-action": ("'self'",),
}

_STYLE = re.compile(r"<style(?:\s[^>]*)?>(.*?)</style\s*>", re.DOTALL | re.IGNORECASE)


def policy(extra: dict[str, Iterable[str]] | None = None) -> str:
    """The hub's policy, with ``extra`` sources added to some directives."""
    directives = {name: list(sources) for name, sources in DIRECTIVES.items()}
    for name, sources in (extra or {}).items():
        directives.setdefault(name, []).extend(sources)
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def style_hashes(html: str) -> list[str]:
    """The CSP sources (``'sha256-…'``) of the ``<style>`` elements of a document the hub rendered itself."""
    return [f"'sha256-{base64.b64encode(hashlib.sha256(css.encode('utf-8')).digest()).decode('ascii')}'"
            for css in _STYLE.findall(html)]


def document_policy(html: str) -> str:
    """The policy of a standalone document (a progress report, kept whole for its PDF and its archive): its own
    ``<style>`` blocks (by hash, so nothing injected would run), ``data:`` images, no script, no form."""
    styles = " ".join(style_hashes(html)) or "'none'"
    return (f"default-src 'none'; style-src {styles}; img-src data:; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'")


class ContentSecurityPolicyMiddleware:
    """Sets the hub's Content-Security-Policy on every response that has none yet (JSON answers too: it costs
    nothing there and stops a browser from running anything should one be opened as a page)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.header = policy()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = self.header
        return response
