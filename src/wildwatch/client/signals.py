"""A platform's local copy of the coalition's shared image and text signals, kept up to date with the hub's log.

``SignalCopy(client)`` pulls ``GET /api/v1/signals`` from cursor 0, then only what is new, every
``pull_seconds`` in a daemon thread (or when you call :meth:`SignalCopy.sync`). It matches images (their bytes, or
hashes you computed with :func:`wildwatch.signals.images.hash_image`) and texts without a network call, and
:meth:`SignalCopy.apply` adds the matches to a check's answer with the hub's rule (:mod:`wildwatch.signals.rules`).
Seller contacts are not in the copy: the hub never sends them (they are matched by the hub's ``check``).

A failed pull keeps the copy and the cursor as they were; the next pull retries from the same cursor, so an entry
is applied once, in order.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from wildwatch.signals import rules
from wildwatch.signals.bank import SignalBank, SignalEntry, SignalMatch
from wildwatch.signals.images import ImageError, ImageHash, hash_image

from .http import Client

log = logging.getLogger(__name__)


class SignalCopy:
    """Shared signals pulled from the hub, matched locally. Safe to share between threads."""

    def __init__(self, client: Client, *, pull_seconds: float = 300, start: bool = True) -> None:
        self._client = client
        self.pull_seconds = float(pull_seconds)
        self.bank = SignalBank()
        self.cursor = 0
        self.last_error: str | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if start:
            self.sync()
            if self.pull_seconds > 0:
                self._thread = threading.Thread(target=self._loop, name="wildwatch-signals", daemon=True)
                self._thread.start()

    def sync(self) -> int:
        """Pull every new log entry now and apply them in order; returns how many were applied. Raises the client's
        errors (the copy and the cursor stay as they were)."""
        applied = 0
        with self._lock:
            while True:
                page = self._client.pull_signals(self.cursor)
                for item in page["signals"]:
                    if item["op"] == "add":
                        try:
                            self.bank.add([SignalEntry(int(item["id"]), item["kind"], item["value"],
                                                       item["category"], max(1, int(item.get("members") or 1)))])
                        except ValueError as exc:  # a value this version cannot read: skip it, keep the rest
                            log.warning("shared signal %s skipped: %s", item.get("id"), exc)
                    else:
                        self.bank.remove([int(item["id"])])
                    applied += 1
                self.cursor = int(page["next"])
                if not page.get("more"):
                    return applied

    def _loop(self) -> None:
        while not self._stop.wait(self.pull_seconds):
            try:
                self.sync()
                self.last_error = None
            except Exception as exc:  # the copy stays usable; the next pull retries
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("wildwatch shared signals not updated: %s", self.last_error)

    def close(self) -> None:
        self._stop.set()

    def match(self, images: Sequence[bytes | ImageHash] = (), text: str | None = None) -> list[SignalMatch]:
        """The signals that an item's images (bytes or hashes) and text match; an unreadable image is skipped."""
        hashes: list[ImageHash] = []
        for image in images:
            if isinstance(image, ImageHash):
                hashes.append(image)
                continue
            try:
                hashes.append(hash_image(image))
            except ImageError as exc:
                log.info("image not matched against shared signals: %s", exc)
        return self.bank.match(images=hashes, text=text)

    def apply(self, answer: dict[str, Any], images: Sequence[bytes | ImageHash] = (), text: str | None = None
              ) -> dict[str, Any]:
        """A check's answer (``Decision.to_dict()``) with the shared signals the item matches, as the hub would
        give it: ``shared_signal`` hits and the verdict raised by the same rule."""
        return rules.apply(answer, self.match(images, text))
