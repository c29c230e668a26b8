"""The signal bank: the shared signals of removed content, in memory, matched against a listing.

One `SignalBank` per process: the hub fills its own from the database (and refreshes it), the SDK's embedded
detector from the signals it pulls (images and texts only: contacts are never sent to platforms). Each entry is a
`SignalEntry`: an id, a kind, a value in its wire form, the policy category of the removal and how many members
removed it. Entries never say who contributed them, so neither can a match.

Kinds and values:

=================  ============================================================================================
``image_pdq``       PDQ hash, 64 hex digits (`wildwatch.signals.images.pdq_to_hex`); matched within `PDQ_RADIUS`
``image_sha256``    SHA-256 of the image file, 64 hex digits; matched exactly
``text_minhash``    `TextFingerprint.to_base64`; matched from `TEXT_THRESHOLD` estimated Jaccard similarity
``contact``         an opaque digest computed by the caller (the hub's keyed HMAC of a normalised contact,
                    `wildwatch.signals.contacts.contact_values`); matched exactly
=================  ============================================================================================

Thread safety: writes (`add`, `remove`) are serialised by a lock; `match` takes none. The exact-match tables are
dicts read with single lookups, the PDQ index swaps in a new immutable state per write, and the text index locks
around each call. A write adds an entry's metadata before its index entries and removes them after, so a match
running during a write sees each entry either before or after the write, never half of it (an entry replaced by
an `add` of the same id may match neither version for that moment).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal, get_args

from wildwatch.detect.categories import CATEGORIES, Category

from .images import MIN_QUALITY, PDQ_BYTES, PDQ_RADIUS, ImageHash, pdq_from_hex
from .pdq_index import MAX_RADIUS, PdqIndex
from .texts import TEXT_THRESHOLD, TextFingerprint, TextIndex, text_fingerprint

__all__ = ["SIGNAL_KINDS", "SignalBank", "SignalEntry", "SignalKind", "SignalMatch"]

SignalKind = Literal["image_pdq", "image_sha256", "text_minhash", "contact"]
SIGNAL_KINDS: Final[tuple[SignalKind, ...]] = get_args(SignalKind)
_SHA256: Final = re.compile(r"[0-9a-f]{64}")
_MAX_CONTACT_DIGEST: Final = 256


@dataclass(frozen=True, slots=True)
class SignalEntry:
    """One shared signal. `value` is in its wire form (see the module docstring); `members` ≥ 1 is the number of
    member platforms that removed the content."""

    signal_id: int
    kind: SignalKind
    value: str
    category: Category
    members: int = 1


@dataclass(frozen=True, slots=True)
class SignalMatch:
    """A signal that matched: which, its kind, category and number of members, and how close the match is.

    `distance` is the PDQ Hamming distance (``image_pdq`` only); `similarity` the estimated Jaccard similarity
    (``text_minhash`` only). Exact kinds have neither. Never names a contributor."""

    signal_id: int
    kind: SignalKind
    category: Category
    members: int
    distance: int | None = None
    similarity: float | None = None

    @property
    def score(self) -> float:
        """Closeness from 0 to 1, used to rank matches: 1.0 for exact kinds, 1 − distance/256 for PDQ (the share
        of equal bits), the estimated Jaccard similarity for texts."""
        if self.distance is not None:
            return 1.0 - self.distance / (8 * PDQ_BYTES)
        if self.similarity is not None:
            return self.similarity
        return 1.0


@dataclass(frozen=True, slots=True)
class _Meta:
    kind: SignalKind
    category: Category
    members: int
    key: str  # the exact-match key (sha256 hex or contact digest), "" for the indexed kinds


class SignalBank:
    """In-memory signals, matched by `match`. See the module docstring for the kinds and for thread safety."""

    def __init__(
        self,
        entries: Iterable[SignalEntry] = (),
        *,
        pdq_radius: int = PDQ_RADIUS,
        text_threshold: float = TEXT_THRESHOLD,
    ) -> None:
        if not isinstance(pdq_radius, int) or not 0 <= pdq_radius <= MAX_RADIUS:
            raise ValueError(f"pdq_radius must be an integer from 0 to {MAX_RADIUS}")
        self.pdq_radius = pdq_radius
        self._lock = threading.Lock()
        self._meta: dict[int, _Meta] = {}
        self._exact: dict[tuple[SignalKind, str], frozenset[int]] = {}
        self._pdq = PdqIndex()
        self._texts = TextIndex(text_threshold)
        self.add(entries)

    def __len__(self) -> int:
        return len(self._meta)

    def __contains__(self, signal_id: object) -> bool:
        return signal_id in self._meta

    def counts(self) -> dict[SignalKind, int]:
        """How many signals of each kind."""
        out: dict[SignalKind, int] = dict.fromkeys(SIGNAL_KINDS, 0)
        for meta in list(self._meta.values()):
            out[meta.kind] += 1
        return out

    # --- writes ----------------------------------------------------------------------------------------------

    def add(self, entries: Iterable[SignalEntry]) -> None:
        """Add signals; an entry whose id is already present replaces it. All entries are validated first: a
        `ValueError` (naming the signal) leaves the bank unchanged."""
        parsed = [_parse(entry) for entry in entries]
        if not parsed:
            return
        ids = [entry.signal_id for entry, _ in parsed]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate signal ids in one add")
        with self._lock:
            self._remove_locked([i for i in ids if i in self._meta])
            pdq_ids: list[int] = []
            pdq_hashes: list[bytes] = []
            text_ids: list[int] = []
            text_fps: list[TextFingerprint] = []
            for entry, value in parsed:
                key = value if isinstance(value, str) else ""
                self._meta[entry.signal_id] = _Meta(entry.kind, entry.category, entry.members, key)
            for entry, value in parsed:
                if isinstance(value, TextFingerprint):
                    text_ids.append(entry.signal_id)
                    text_fps.append(value)
                elif isinstance(value, bytes):
                    pdq_ids.append(entry.signal_id)
                    pdq_hashes.append(value)
                else:
                    slot = (entry.kind, value)
                    self._exact[slot] = self._exact.get(slot, frozenset()) | {entry.signal_id}
            self._pdq.add(pdq_ids, pdq_hashes)
            self._texts.add(text_ids, text_fps)

    def remove(self, ids: Iterable[int]) -> int:
        """Remove signals by id (unknown ids are ignored); returns how many were removed."""
        with self._lock:
            return self._remove_locked([int(i) for i in ids])

    def _remove_locked(self, ids: Sequence[int]) -> int:
        present = [i for i in ids if i in self._meta]
        if not present:
            return 0
        self._pdq.remove(i for i in present if self._meta[i].kind == "image_pdq")
        self._texts.remove(i for i in present if self._meta[i].kind == "text_minhash")
        for signal_id in present:
            meta = self._meta[signal_id]
            if meta.key:
                slot = (meta.kind, meta.key)
                left = self._exact.get(slot, frozenset()) - {signal_id}
                if left:
                    self._exact[slot] = left
                else:
                    self._exact.pop(slot, None)
        for signal_id in present:
            self._meta.pop(signal_id, None)
        return len(present)

    # --- reads -----------------------------------------------------------------------------------------------

    def match(
        self,
        images: Sequence[ImageHash] = (),
        text: str | TextFingerprint | None = None,
        contact_digests: Iterable[str] = (),
    ) -> list[SignalMatch]:
        """The signals matching a listing's images, text and contact digests: one match per signal (its closest),
        strongest first (by `SignalMatch.score`, then members, then id).

        Images: every image is looked up by SHA-256; by PDQ only when its quality is at least `MIN_QUALITY`. Text:
        a listing text (fingerprinted here; too short a text matches nothing) or a fingerprint."""
        best: dict[int, SignalMatch] = {}

        def offer(signal_id: int, distance: int | None = None, similarity: float | None = None) -> None:
            meta = self._meta.get(signal_id)
            if meta is None:  # removed meanwhile
                return
            found = SignalMatch(signal_id, meta.kind, meta.category, meta.members, distance, similarity)
            current = best.get(signal_id)
            if current is None or found.score > current.score:
                best[signal_id] = found

        for image in images:
            for signal_id in self._exact.get(("image_sha256", image.sha256), ()):
                offer(signal_id)
        usable = [image.pdq for image in images if image.quality >= MIN_QUALITY]
        if usable and len(self._pdq):
            for hits in self._pdq.search_many(usable, self.pdq_radius):
                for signal_id, distance in hits:
                    offer(signal_id, distance=distance)
        fingerprint = text_fingerprint(text) if isinstance(text, str) else text
        if fingerprint is not None and len(self._texts):
            for signal_id, similarity in self._texts.query(fingerprint):
                offer(signal_id, similarity=similarity)
        for digest in contact_digests:
            for signal_id in self._exact.get(("contact", digest), ()):
                offer(signal_id)
        return sorted(best.values(), key=lambda m: (-m.score, -m.members, m.signal_id))


def _parse(entry: SignalEntry) -> tuple[SignalEntry, bytes | str | TextFingerprint]:
    """Validate an entry and decode its value: PDQ bytes, a fingerprint, or the exact-match key."""
    where = f"signal {entry.signal_id!r}"
    if not isinstance(entry, SignalEntry):
        raise TypeError(f"expected a SignalEntry, not {type(entry).__name__}")
    if not isinstance(entry.signal_id, int) or isinstance(entry.signal_id, bool):
        raise ValueError(f"{where}: the id must be an integer")
    if entry.kind not in SIGNAL_KINDS:
        raise ValueError(f"{where}: unknown kind {entry.kind!r} (one of {', '.join(SIGNAL_KINDS)})")
    if entry.category not in CATEGORIES:
        raise ValueError(f"{where}: unknown category {entry.category!r} (one of {', '.join(CATEGORIES)})")
    if not isinstance(entry.members, int) or entry.members < 1:
        raise ValueError(f"{where}: members must be a positive integer")
    if not isinstance(entry.value, str):
        raise ValueError(f"{where}: the value must be a string")
    try:
        if entry.kind == "image_pdq":
            return entry, pdq_from_hex(entry.value.lower())
        if entry.kind == "text_minhash":
            return entry, TextFingerprint.from_base64(entry.value)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    if entry.kind == "image_sha256":
        value = entry.value.lower()
        if not _SHA256.fullmatch(value):
            raise ValueError(f"{where}: a SHA-256 is 64 hex digits")
        return entry, value
    if not entry.value or len(entry.value) > _MAX_CONTACT_DIGEST or entry.value != entry.value.strip():
        raise ValueError(f"{where}: a contact digest is a non-empty string of at most {_MAX_CONTACT_DIGEST} "
                         "characters without surrounding blanks")
    return entry, entry.value
