"""Matching checked items against the bank, on the hub: one in-memory ``SignalBank`` per process, filled from the
pull log and brought up to date at most every ``REFRESH_SECONDS`` (reading only the entries after the last one it
applied), so a check never reads the whole bank from the database.

Contacts are matched here only: the item's contacts are normalised, then HMAC'd with every key that contact
signals use (``keys``), and looked up. The answer's hits count the members that removed the content (from the
database, at match time), never name them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.db.models import Count
from django.utils import timezone

from wildwatch.hub.accounts.models import Organisation, Platform
from wildwatch.signals.bank import SignalBank, SignalEntry, SignalMatch
from wildwatch.signals.texts import text_fingerprints

from . import content, keys, services
from .models import Contribution, Kind, LogEntry, Op, Sharing

log = logging.getLogger(__name__)

REFRESH_SECONDS = 2.0
#: log entries read at once while catching up
BATCH = 20_000
#: how long a process trusts what it read of a member's sharing setting
SHARING_SECONDS = 5.0


@dataclass
class _State:
    bank: SignalBank = field(default_factory=SignalBank)
    last_seq: int = 0
    checked: float = 0.0
    expires: dict[int, datetime] = field(default_factory=dict)
    sharing: dict[int, tuple[bool, float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_state = _State()


def forget() -> None:
    """Start again from an empty bank (tests; a process whose database was replaced)."""
    global _state
    _state = _State()


def _entry(signal: Any) -> SignalEntry:
    return SignalEntry(signal.pk, signal.kind, signal.value, signal.category, 1)


def _apply(state: _State, adds: list[Any]) -> None:
    if not adds:
        return
    try:
        state.bank.add([_entry(s) for s in adds])
    except ValueError:  # one bad value must not keep the others out: add them one by one
        for signal in adds:
            try:
                state.bank.add([_entry(signal)])
            except ValueError as exc:
                log.warning("signal %s not loaded for matching: %s", signal.pk, exc)
    for signal in adds:
        if signal.expires_at is not None:
            state.expires[signal.pk] = signal.expires_at


def refresh(force: bool = False) -> SignalBank:
    """The process's bank, caught up with the log (at most every ``REFRESH_SECONDS`` unless ``force``)."""
    state = _state
    if not force and time.monotonic() - state.checked < REFRESH_SECONDS:
        return state.bank
    with state.lock:
        if not force and time.monotonic() - state.checked < REFRESH_SECONDS:
            return state.bank
        while True:
            entries = list(LogEntry.objects.filter(seq__gt=state.last_seq).order_by("seq").select_related(
                "signal")[:BATCH])
            adds: list[Any] = []
            for entry in entries:
                if entry.op == Op.ADD:
                    adds.append(entry.signal)
                else:
                    _apply(state, adds)
                    adds = []
                    state.bank.remove([entry.signal_id])
                    state.expires.pop(entry.signal_id, None)
            _apply(state, adds)
            if entries:
                state.last_seq = entries[-1].seq
            if len(entries) < BATCH:
                break
        state.checked = time.monotonic()
    return state.bank


def shares(organisation: Organisation) -> bool:
    """Whether the company shares signals (what this process read of it in the last ``SHARING_SECONDS``)."""
    state = _state
    known = state.sharing.get(organisation.pk)
    now = time.monotonic()
    if known is not None and now - known[1] < SHARING_SECONDS:
        return known[0]
    enabled = organisation.kind == "member" and Sharing.objects.filter(organisation=organisation,
                                                                       enabled=True).exists()
    state.sharing[organisation.pk] = (enabled, now)
    return enabled


def _members(matches: Sequence[SignalMatch]) -> list[SignalMatch]:
    counts = dict(Contribution.objects.filter(signal_id__in=[m.signal_id for m in matches]).values(
        "signal_id").annotate(n=Count("organisation", distinct=True)).values_list("signal_id", "n"))
    return [replace(m, members=counts[m.signal_id]) for m in matches if counts.get(m.signal_id)]


@dataclass(frozen=True)
class Item:
    """What a checked item holds that signals can match."""

    images: Sequence[str] = ()
    image_urls: Sequence[str] = ()
    text: str | None = None
    contacts: Sequence[str] = ()


def match_item(platform: Platform, *, images: Sequence[str] = (), image_urls: Sequence[str] = (),
               text: str | None = None, contacts: Sequence[str] = ()) -> list[SignalMatch]:
    """The signals an item matches (none when the platform's company does not share signals); remembers the
    matches for the company (it may then confirm or dispute them)."""
    return match_items(platform, [Item(images, image_urls, text, contacts)])[0]


def match_items(platform: Platform, items: Sequence[Item]) -> list[list[SignalMatch]]:
    """`match_item` of many items of one platform: the bank is caught up once and the texts are fingerprinted in
    one pass (one normalisation of the whole batch)."""
    org = platform.organisation
    if not items or not shares(org):
        return [[] for _ in items]
    bank = refresh()
    counts = bank.counts()
    if not any(counts.values()):
        return [[] for _ in items]
    images_too = bool(counts["image_pdq"] or counts["image_sha256"])
    texts_too = bool(counts["text_minhash"])
    fingerprints: list[Any] = (text_fingerprints([item.text or "" for item in items]) if texts_too
                               else [None] * len(items))
    secrets = list(keys.all_keys().values()) if counts["contact"] else []
    now = timezone.now()
    out: list[list[SignalMatch]] = []
    for item, fingerprint in zip(items, fingerprints, strict=True):
        found = content.build(platform, images=item.images if images_too else (),
                              image_urls=item.image_urls if images_too else (),
                              text=item.text if counts["contact"] else None,
                              contacts=item.contacts if counts["contact"] else (),
                              fingerprint_text=False, contacts_in_text=bool(counts["contact"]))
        digests = [keys.digest(kind, value, key) for key in secrets for kind, value in sorted(found.contacts)]
        matches = [m for m in bank.match(images=found.images, text=fingerprint, contact_digests=digests)
                   if (expiry := _state.expires.get(m.signal_id)) is None or expiry > now]
        if matches:
            matches = _members(matches)
            services.record_matches(org, [m.signal_id for m in matches])
        out.append(matches)
    return out


__all__ = ["Item", "Kind", "forget", "match_item", "match_items", "refresh", "shares"]
