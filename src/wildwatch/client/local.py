"""The embedded engine: check listings inside the platform's own process, from a signed library release.

:class:`LocalDetector` loads a release (a bundle file, or the latest release downloaded with a
:class:`~wildwatch.client.http.Client`), verifies its signature with the hub's public key before it builds anything,
and answers ``check`` / ``check_many`` / ``check_search`` without a network call. With a client, a daemon thread
asks the hub for a newer release every ``refresh_seconds`` (a conditional GET: 304 while current), builds the new
detector off the hot path and swaps it in with one assignment, so a check never waits for a refresh and never sees
a half-built detector. A release that fails any check is refused and the current one stays in use.

This module needs the engine (``wildwatch.detect``: hyperscan, numpy, cryptography) but never Django.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wildwatch.detect.categories import strictest
from wildwatch.detect.engine import Decision, Detector, Listing, SearchDecision, listing_text
from wildwatch.detect.library import LibraryError
from wildwatch.detect.policy import Profile
from wildwatch.detect.signing import load_signed_bundle

from .http import Client

log = logging.getLogger("wildwatch.client")

__all__ = ["LocalDetector"]


@dataclass(frozen=True, slots=True)
class _Loaded:
    """One verified release and the detector built from it. Replaced whole, never changed."""

    detector: Detector
    lock: threading.Lock  # the engine's compiled automata keep one scratch space each: one scan at a time
    library_version: str
    content_digest: str
    release: int | None
    etag: str
    loaded_at: float


@dataclass(frozen=True, slots=True)
class _Fetched:
    data: bytes
    signature: str
    release: int | None
    etag: str


class LocalDetector:
    """A :class:`~wildwatch.detect.engine.Detector` built from a verified release, refreshed in the background.

    Build it with :meth:`from_release`. It is safe to share between threads.
    """

    def __init__(self, loaded: _Loaded, *, public_key_pem: bytes, profile: Profile | str | None,
                 client: Client | None = None, path: Path | None = None, signature: str | None = None,
                 refresh_seconds: float = 300, usage_seconds: float = 300, signals: bool = False) -> None:
        self._current = loaded
        self._public_key_pem = public_key_pem
        self._profile = profile
        self._client = client
        self._path = path
        self._signature = signature
        self.refresh_seconds = float(refresh_seconds)
        self.last_refresh_error: str | None = None
        self.last_checked_for_update: float | None = None
        self._refresh_lock = threading.Lock()
        self._usage_lock = threading.Lock()
        self._counts: dict[str, dict[str, Any]] = {}
        self._send_lock = threading.Lock()
        self._unsent: tuple[str, dict[str, Any]] | None = None  # (idempotency key, counts) of a failed send
        self.usage_seconds = float(usage_seconds)
        self.last_usage_error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._usage_thread: threading.Thread | None = None
        if client is not None and self.refresh_seconds > 0:
            self._thread = threading.Thread(target=self._refresh_loop, name="wildwatch-library-refresh",
                                            daemon=True)
            self._thread.start()
        if client is not None and self.usage_seconds > 0:
            self._usage_thread = threading.Thread(target=self._usage_loop, name="wildwatch-usage", daemon=True)
            self._usage_thread.start()
        #: the coalition's shared image and text signals (``signals=True`` with a client), matched locally
        self.signals: Any = None
        if signals:
            if client is None:
                raise ValueError("shared signals are pulled from the hub: signals=True needs a Client")
            from .signals import SignalCopy  # the signal libraries load only when asked for

            self.signals = SignalCopy(client, pull_seconds=self.refresh_seconds)

    @classmethod
    def from_release(cls, path_or_client: str | os.PathLike[str] | Client, *, public_key_pem: bytes,
                     profile: Profile | str | None = None, refresh_seconds: float = 300,
                     signature: str | None = None, usage_seconds: float = 300, signals: bool = False
                     ) -> LocalDetector:
        """Load a release and verify it with the hub's public key (PEM).

        - From a bundle file (``.wwlib``): its signature is ``signature=`` or the text of a ``.sig`` file beside it
          (``library.wwlib.sig`` or ``library.sig``). There is no background refresh; :meth:`refresh_now` re-reads
          the file and its signature.
        - From a :class:`~wildwatch.client.http.Client`: downloads the latest release (a member-engineer key), then
          a daemon thread checks for a newer one every ``refresh_seconds`` (0 turns the thread off), and another
          sends the usage counts to the hub every ``usage_seconds`` (0 turns it off; :meth:`send_usage` sends now).
          ``signals=True`` also keeps a copy of the coalition's shared image and text signals
          (:class:`~wildwatch.client.signals.SignalCopy`, pulled every ``refresh_seconds``) for
          :meth:`check_with_signals`.

        Raises :class:`~wildwatch.detect.library.LibraryError` when the bundle or its signature does not verify (a
        tampered bundle, a wrong key, no signature): an unverified library is never used. Download failures raise
        :class:`~wildwatch.client.http.WildwatchError`.
        """
        if not public_key_pem:
            raise ValueError("public_key_pem is required: a release is used only after its signature verifies")
        if isinstance(path_or_client, Client):
            fetched = _download(path_or_client, None)
            if fetched is None:  # pragma: no cover - no ETag was sent, so the hub cannot answer 304
                raise LibraryError("the hub answered 'not modified' to a first download")
            loaded = _build(fetched, public_key_pem, profile)
            return cls(loaded, public_key_pem=public_key_pem, profile=profile, client=path_or_client,
                       refresh_seconds=refresh_seconds, usage_seconds=usage_seconds, signals=signals)
        path = Path(path_or_client)
        fetched = _read_file(path, signature, None)
        assert fetched is not None
        return cls(_build(fetched, public_key_pem, profile), public_key_pem=public_key_pem, profile=profile,
                   path=path, signature=signature, refresh_seconds=0)

    # --- checks ---------------------------------------------------------------------------------------------------

    def check(self, listing: Listing) -> Decision:
        """One listing (a string, or a mapping with ``text`` or ``title`` + ``description``)."""
        return self.check_many([listing])[0]

    def check_many(self, listings: Iterable[Listing]) -> list[Decision]:
        """Many listings at once (faster per listing than one by one)."""
        current = self._current  # one read: the whole batch uses one release
        with current.lock:
            decisions = current.detector.check_many(listings)
        self._count_listings(decisions)
        return decisions

    def check_with_signals(self, listing: Listing, images: Sequence[bytes] = ()) -> dict[str, Any]:
        """A listing checked by the library and against the shared signals (``signals=True``): the answer the hub's
        ``check`` gives, with ``shared_signal`` hits and the verdict raised by the same rule (seller contacts are
        matched by the hub only)."""
        decision = self.check(listing)
        if self.signals is None:
            raise ValueError("this LocalDetector keeps no shared signals: build it with signals=True")
        return dict(self.signals.apply(decision.to_dict(), images=images, text=listing_text(listing)))

    def check_search(self, query: str, lang: str | None = None) -> SearchDecision:
        """Should a marketplace search show the educational pop-up, and with which message?"""
        current = self._current
        with current.lock:
            decision = current.detector.check_search(query, lang)
        self._count_search(decision)
        return decision

    # --- the release in use ---------------------------------------------------------------------------------------

    @property
    def detector(self) -> Detector:
        """The detector in use now (it may be replaced by the next refresh)."""
        return self._current.detector

    @property
    def library_version(self) -> str:
        return self._current.library_version

    @property
    def release(self) -> int | None:
        """The release number in use (None for a file, or when the hub did not say)."""
        return self._current.release

    @property
    def etag(self) -> str:
        return self._current.etag

    def status(self) -> dict[str, Any]:
        """What is loaded and how the refresh is going, for an operator's health page."""
        current = self._current
        return {
            "library_version": current.library_version, "release": current.release,
            "content_digest": current.content_digest, "etag": current.etag,
            "loaded_at": _iso(current.loaded_at),
            "source": "hub" if self._client is not None else str(self._path),
            "refresh_seconds": self.refresh_seconds if self._thread is not None else None,
            "refreshing": self._thread is not None and self._thread.is_alive(),
            "last_checked_for_update": _iso(self.last_checked_for_update) if self.last_checked_for_update else None,
            "last_refresh_error": self.last_refresh_error,
            "usage_seconds": self.usage_seconds if self._usage_thread is not None else None,
            "last_usage_error": self.last_usage_error,
            "usage_unsent": self._unsent is not None,
        }

    def refresh_now(self) -> bool:
        """Look for a newer release now and switch to it once it is verified and built; True if it switched.

        With a client this is a conditional GET (nothing is downloaded while the release is current); from a file
        it re-reads the file and its signature. Unlike the background refresh, it raises on failure
        (:class:`~wildwatch.client.http.WildwatchError`, :class:`~wildwatch.detect.library.LibraryError`) and
        the current release stays in use. A release older than the one in use is refused (a replayed old release
        would otherwise switch the detector back to an outdated library).
        """
        with self._refresh_lock:
            current = self._current
            if self._client is not None:
                fetched = _download(self._client, current.etag or None)
            else:
                assert self._path is not None
                fetched = _read_file(self._path, self._signature, current.etag)
            self.last_checked_for_update = time.time()
            if fetched is None:
                return False
            if fetched.release is not None and current.release is not None and fetched.release < current.release:
                raise LibraryError(f"refusing release {fetched.release}: older than release {current.release} in use")
            loaded = _build(fetched, self._public_key_pem, self._profile)  # the slow part, off the hot path
            if (loaded.content_digest, loaded.library_version, loaded.release) == (
                    current.content_digest, current.library_version, current.release):  # same release, new ETag
                self._current = _Loaded(current.detector, current.lock, current.library_version,
                                        current.content_digest, current.release, loaded.etag, current.loaded_at)
                return False
            self._current = loaded  # one assignment: a check sees the old detector or the new one, whole
            log.info("wildwatch library switched from %s to %s (release %s)", current.library_version,
                     loaded.library_version, loaded.release)
            return True

    def close(self) -> None:
        """Stop the background threads (the detector keeps working) and send the last usage counts."""
        self._stop.set()
        if self.signals is not None:
            self.signals.close()
        timeout = max(1.0, self._client.timeout * (self._client.retries + 1) if self._client else 1.0)
        for thread in (self._thread, self._usage_thread):
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout=timeout)
        if self._usage_thread is not None:
            self._usage_thread = None
            try:
                self.send_usage()
            except Exception as exc:  # closing must not fail: say what was not sent
                log.warning("wildwatch usage counts not sent at close: %s: %s", type(exc).__name__, exc)

    def __enter__(self) -> LocalDetector:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _refresh_loop(self) -> None:
        while not self._stop.wait(self.refresh_seconds):
            try:
                self.refresh_now()
                self.last_refresh_error = None
            except Exception as exc:  # a failed refresh must never stop the checks: keep the current release
                self.last_refresh_error = f"{type(exc).__name__}: {exc}"
                log.warning("wildwatch library refresh failed, still using %s: %s", self.library_version,
                            self.last_refresh_error, exc_info=not isinstance(exc, LibraryError | OSError))

    # --- usage counts ---------------------------------------------------------------------------------------------

    def send_usage(self) -> bool:
        """Send the counts gathered since the last send to the hub (``POST /api/v1/usage``) now; False when there
        was nothing to send. On failure it raises and keeps the counts: the next send retries them with the same
        ``Idempotency-Key``, so the hub never adds them twice, and new counts wait for the send after."""
        if self._client is None:
            raise ValueError("this LocalDetector was loaded from a file: there is no hub to send usage to")
        with self._send_lock:
            if self._unsent is None:
                counts = self.usage(reset=True)
                if not counts["days"]:
                    return False
                self._unsent = (uuid.uuid4().hex, counts)
            key, counts = self._unsent
            self._client.report_usage(counts, idempotency_key=key)
            self._unsent = None
            return True

    def _usage_loop(self) -> None:
        while not self._stop.wait(self.usage_seconds):
            try:
                self.send_usage()
                self.last_usage_error = None
            except Exception as exc:  # the counts are kept for the next send; checks go on
                self.last_usage_error = f"{type(exc).__name__}: {exc}"
                log.warning("wildwatch usage counts not sent (kept for the next try): %s", self.last_usage_error)

    def usage(self, reset: bool = False) -> dict[str, Any]:
        """In-memory counts since start (or the last ``usage(reset=True)``), by UTC day::

            {"library_version": "2026.11.0", "days": {"2026-11-03": {
                "listings": {"block": {"prohibited": 2}, "review": {"cover": 1}, "allow": {"none": 97}},
                "searches": 40, "search_popups": 3,
                "term_hits": {"block": {"prohibited": {"t-ivory-en": 2}}}, "campaign_popups": {"pangolin-day": 2}}}}

        ``listings`` counts checked listings by verdict and by policy category (the strictest category among the
        listing's hits; ``none`` without one); ``term_hits`` the listings that hit each subject term (once per
        listing), by verdict and category; ``campaign_popups`` the pop-ups that showed an awareness campaign's
        message, by campaign (both left out on days without any). With a client, a background thread sends them to the hub
        (:meth:`send_usage`). ``reset=True`` returns the counts and starts again from zero, in one step (for a
        sender that must not count twice).
        """
        with self._usage_lock:
            days = self._counts
            if reset:
                self._counts = {}
            snapshot = {day: _snapshot(c) for day, c in sorted(days.items())}
        return {"library_version": self.library_version, "days": snapshot}

    def _day(self) -> dict[str, Any]:
        day = datetime.now(UTC).date().isoformat()
        counts = self._counts.get(day)
        if counts is None:
            counts = self._counts[day] = {"listings": {}, "searches": 0, "search_popups": 0, "term_hits": {},
                                          "campaign_popups": {}}
        return counts

    def _count_listings(self, decisions: list[Decision]) -> None:
        tally: dict[tuple[str, str], int] = {}
        terms: dict[tuple[str, str, str], int] = {}
        for d in decisions:
            key = (d.verdict, _category(d))
            tally[key] = tally.get(key, 0) + 1
            for term_id, category in {(h.term_id, h.category) for h in d.hits if h.category and h.term_id}:
                terms[(d.verdict, category, term_id)] = terms.get((d.verdict, category, term_id), 0) + 1
        with self._usage_lock:
            day = self._day()
            for (verdict, category), n in tally.items():
                by_category = day["listings"].setdefault(verdict, {})
                by_category[category] = by_category.get(category, 0) + n
            for (verdict, category, term_id), n in terms.items():
                by_term = day["term_hits"].setdefault(verdict, {}).setdefault(category, {})
                by_term[term_id] = by_term.get(term_id, 0) + n

    def _count_search(self, decision: SearchDecision) -> None:
        with self._usage_lock:
            counts = self._day()
            counts["searches"] += 1
            if decision.intercept:
                counts["search_popups"] += 1
                if decision.campaign:
                    campaigns = counts["campaign_popups"]
                    campaigns[decision.campaign] = campaigns.get(decision.campaign, 0) + 1


# --- loading --------------------------------------------------------------------------------------------------


def _download(client: Client, etag: str | None) -> _Fetched | None:
    release = client.download_release("latest", etag=etag)
    if release is None:
        return None
    return _Fetched(release.data, release.signature, release.number, release.etag)


def _read_file(path: Path, signature: str | None, etag: str | None) -> _Fetched | None:
    data = path.read_bytes()
    if signature is None:
        for sig_path in (path.with_name(path.name + ".sig"), path.with_suffix(".sig")):
            if sig_path.is_file():
                signature = sig_path.read_text("ascii").strip()
                break
        else:
            raise LibraryError(f"no signature for {path}: pass signature= or put {path.name}.sig beside it")
    file_etag = hashlib.sha256(data + b"\0" + signature.encode("utf-8")).hexdigest()
    if etag is not None and file_etag == etag:
        return None
    return _Fetched(data, signature, None, file_etag)


def _build(fetched: _Fetched, public_key_pem: bytes, profile: Profile | str | None) -> _Loaded:
    """Verify the bundle (file digests, content digest, signature), then build its detector."""
    library, manifest = load_signed_bundle(fetched.data, fetched.signature, public_key_pem)
    detector = Detector(library, profile)
    return _Loaded(detector, threading.Lock(), library.version, str(manifest.get("content_digest", "")),
                   fetched.release, fetched.etag, time.time())


def _snapshot(counts: dict[str, Any]) -> dict[str, Any]:
    """A copy of one day's counts, as sent to the hub (term hits and campaign pop-ups only when there are any)."""
    out: dict[str, Any] = {"listings": {v: dict(cats) for v, cats in counts["listings"].items()},
                           "searches": counts["searches"], "search_popups": counts["search_popups"]}
    if counts.get("term_hits"):
        out["term_hits"] = {v: {c: dict(terms) for c, terms in cats.items()}
                            for v, cats in counts["term_hits"].items()}
    if counts.get("campaign_popups"):
        out["campaign_popups"] = dict(counts["campaign_popups"])
    return out


def _category(decision: Decision) -> str:
    return strictest(h.category for h in decision.hits)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).replace(microsecond=0).isoformat()
