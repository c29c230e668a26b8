"""Text signals: near-duplicate fingerprints of listing texts (MinHash over word shingles) and an LSH index.

A removed listing re-posted elsewhere usually comes back with small edits: another price, an emoji, "1v0ry" for
"ivory", a homoglyph, a line added. The fingerprint is therefore taken over the engine's normalised text
(`wildwatch.detect.normalize`: case, accents, homoglyphs, leetspeak, spaced-out letters, punctuation), and over
word shingles rather than the exact string:

* tokens are the normalised words; tokens without a letter or digit (emoji, symbols) are dropped; a token made of
  digits and symbols only (a price, a quantity, a phone number) becomes ``#`` and digits inside words become ``#``
  ("450usd" → "#usd"), so an edited price changes nothing (the normalisation has already turned "1v0ry" into
  "ivory"; contacts are matched separately, as contacts); runs of scripts written without spaces (Chinese,
  Japanese, Thai...) are split into characters, so that they give shingles too;
* shingles are `SHINGLE_WORDS` consecutive tokens (3): one edited word changes at most 3 shingles, while
  3-word sequences are specific enough that two different listings of the same product share few of them;
* a MinHash of `NUM_PERM` (128) permutations estimates the Jaccard similarity of two shingle sets within about
  ±0.044 at 0.5 (one standard deviation);
* texts with fewer than `MIN_SHINGLES` (8) shingles get no fingerprint: a short title ("carved ivory bangle for
  sale") shares most of its few shingles with every listing of the same product, so it would match them all.

`TEXT_THRESHOLD` (0.5) is the estimated Jaccard similarity from which two texts are the same listing, chosen with
``benchmarks/signals_bench.py`` on 499 real marketplace ads (the LTS shark set): re-posts with one edit (a price,
emoji, leetspeak, a word changed, a line appended) reach it in 99–100% of cases and with all five edits at once in
94%, while no pair of ads by different sellers does (their most similar pair: 0.31). At 0.7, 8% of re-posts with
one word changed would be missed. See ``docs/performance.md`` ("Signals").

Fingerprints are stable across processes and machines: fixed seed, permutation scheme (datasketch's "affine32")
and hash function (datasketch's SHA-1 based one); the byte form carries a version byte.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from datasketch import MinHash, MinHashLSH

from wildwatch.detect.charmaps import NO_SPACE_CLASS
from wildwatch.detect.normalize import normalize_batch

__all__ = [
    "MIN_SHINGLES",
    "NUM_PERM",
    "SHINGLE_WORDS",
    "TEXT_THRESHOLD",
    "TextFingerprint",
    "TextIndex",
    "shingles",
    "text_fingerprint",
    "text_fingerprints",
]

#: Permutations of the MinHash (its size: 128 × 4 bytes).
NUM_PERM: Final = 128
#: Words per shingle.
SHINGLE_WORDS: Final = 3
#: Fewer shingles than this: no fingerprint.
MIN_SHINGLES: Final = 8
#: Estimated Jaccard similarity from which two fingerprints match.
TEXT_THRESHOLD: Final = 0.5
#: LSH bands × rows per band (see `TextIndex`).
LSH_BANDS: Final = 30
LSH_ROWS: Final = 4
#: Seed and scheme of the permutations: changing either changes every fingerprint.
SEED: Final = 1
SCHEME: Final = "affine32"
#: First byte of the byte form.
FORMAT_VERSION: Final = 1
_SIZE: Final = 1 + 4 * NUM_PERM
_EMPTY: Final = 0xFFFFFFFF  # a permutation slot no shingle reached

_NO_SPACE_RUN = re.compile(f"[{NO_SPACE_CLASS}]+")
_NO_SPACE_SPLIT = re.compile(f"([{NO_SPACE_CLASS}]+)")
_DIGITS = re.compile(r"[0-9]+")
_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)

U32 = npt.NDArray[np.uint32]


@dataclass(frozen=True, slots=True, repr=False)
class TextFingerprint:
    """A MinHash of a text's shingles: `NUM_PERM` 32-bit values, compared with `jaccard`."""

    values: bytes  # NUM_PERM little-endian uint32

    def __repr__(self) -> str:
        return f"TextFingerprint({self.values[:8].hex()}…)"

    def __post_init__(self) -> None:
        if not isinstance(self.values, bytes) or len(self.values) != 4 * NUM_PERM:
            raise ValueError(f"a text fingerprint holds {NUM_PERM} 32-bit values")

    @property
    def hashvalues(self) -> U32:
        return np.frombuffer(self.values, dtype="<u4").astype(np.uint32)

    def jaccard(self, other: TextFingerprint) -> float:
        """The estimated Jaccard similarity of the two texts' shingle sets (the share of equal values)."""
        return float(np.count_nonzero(self.hashvalues == other.hashvalues)) / NUM_PERM

    def to_bytes(self) -> bytes:
        """Version byte + the values (513 bytes)."""
        return bytes([FORMAT_VERSION]) + self.values

    @classmethod
    def from_bytes(cls, data: bytes) -> TextFingerprint:
        """Read `to_bytes`; `ValueError` for another length or version, or values no text can give."""
        if not isinstance(data, bytes | bytearray) or len(data) != _SIZE:
            raise ValueError(f"a text fingerprint is {_SIZE} bytes")
        if data[0] != FORMAT_VERSION:
            raise ValueError(f"unknown text fingerprint version {data[0]}")
        values = bytes(data[1:])
        if (np.frombuffer(values, dtype="<u4") == _EMPTY).all():
            raise ValueError("an empty text fingerprint")
        return cls(values)

    def to_base64(self) -> str:
        """`to_bytes` in standard base64 (684 characters): the form the API and the database hold."""
        return base64.b64encode(self.to_bytes()).decode("ascii")

    @classmethod
    def from_base64(cls, text: str) -> TextFingerprint:
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise ValueError("not valid base64") from None
        return cls.from_bytes(raw)

    def _minhash(self) -> MinHash:
        return MinHash(num_perm=NUM_PERM, hashvalues=self.hashvalues, permutations=_TEMPLATE.permutations,
                       scheme=SCHEME)


def _tokens(normalized: str) -> list[str]:
    if not _NO_SPACE_RUN.search(normalized):  # most texts: no script written without spaces, one pass
        return [w for token in normalized.split() for w in _word(token)]
    out: list[str] = []
    for token in normalized.split():
        if _NO_SPACE_RUN.search(token):
            for part in _NO_SPACE_SPLIT.split(token):
                if _NO_SPACE_RUN.fullmatch(part):
                    out.extend(part)
                elif part:
                    out.extend(_word(part))
        else:
            out.extend(_word(token))
    return out


def _word(token: str) -> list[str]:
    if token.isalpha():
        return [token]  # most tokens, at C speed (no digit to replace)
    if not any(ch.isalnum() for ch in token):
        return []  # emoji, symbols
    if not any(ch.isalpha() for ch in token):
        return ["#"]  # a price, a quantity, a number
    return [_DIGITS.sub("#", token)]  # "450usd", "sj410": the number may change, the word stays


def _shingles_of(normalized: str) -> set[str]:
    tokens = _tokens(normalized)
    k = SHINGLE_WORDS
    return {" ".join(tokens[i : i + k]) for i in range(len(tokens) - k + 1)}


def shingles(text: str) -> set[str]:
    """The shingles of a text (after the engine's normalisation)."""
    return _shingles_of(normalize_batch([text])[0])


def text_fingerprints(texts: Sequence[str]) -> list[TextFingerprint | None]:
    """`text_fingerprint` of many texts (one normalisation pass)."""
    out: list[TextFingerprint | None] = []
    for normalized in normalize_batch(list(texts)):
        found = _shingles_of(normalized)
        if len(found) < MIN_SHINGLES:
            out.append(None)
            continue
        out.append(TextFingerprint(_hashvalues(found).astype("<u4").tobytes()))
    return out


_PERM_A, _PERM_B = (np.asarray(p, dtype=np.uint32) for p in _TEMPLATE.permutations)
_INITIAL = np.asarray(_TEMPLATE.hashvalues, dtype=np.uint32)


def _hashvalues(shingles: Iterable[str]) -> U32:
    """The MinHash values of shingles, as ``datasketch.MinHash.update_batch`` computes them for the affine32 scheme
    (each shingle's SHA-1, first 4 bytes little-endian; MurmurHash3's 32-bit finalizer; ``a * h + b`` modulo 2³²;
    the minimum per permutation), without building a MinHash per text. A test holds it to datasketch's."""
    digests = b"".join(hashlib.sha1(s.encode("utf-8"), usedforsecurity=False).digest()[:4] for s in shingles)
    hv = np.frombuffer(digests, dtype="<u4").astype(np.uint32).reshape(-1, 1)
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    hv = hv ^ (hv >> np.uint32(16))
    values: U32 = np.minimum(_INITIAL, (hv * _PERM_A + _PERM_B).min(axis=0))
    return values


def text_fingerprint(text: str) -> TextFingerprint | None:
    """The fingerprint of a listing text, or None when it has fewer than `MIN_SHINGLES` shingles."""
    return text_fingerprints([text])[0]


class TextIndex:
    """Near-duplicate search over text fingerprints: a `datasketch.MinHashLSH` for candidates, then the estimated
    Jaccard similarity of each candidate, kept when at least the threshold.

    LSH bands: `LSH_BANDS` bands of `LSH_ROWS` values (what datasketch's optimiser picks for 0.5 with false
    negatives weighted 4:1, fixed here so that it cannot change with the library): a pair at Jaccard 0.5 becomes a
    candidate with probability 1 − (1 − 0.5⁴)³⁰ = 0.86, at 0.6 0.98, at 0.7 0.999, at 0.1 0.003. Candidates are
    verified, so false candidates cost time, not precision. Thread-safe: a lock around every operation
    (datasketch's tables are plain dicts and sets; a query takes tens of microseconds).
    """

    def __init__(self, threshold: float = TEXT_THRESHOLD) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        self.threshold = threshold
        self._lsh = MinHashLSH(num_perm=NUM_PERM, params=(LSH_BANDS, LSH_ROWS))
        self._values: dict[int, U32] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, signal_id: object) -> bool:
        return signal_id in self._values

    def add(self, ids: Sequence[int], fingerprints: Sequence[TextFingerprint]) -> None:
        """Add fingerprints under integer ids (an id already present has its fingerprint replaced)."""
        if len(ids) != len(fingerprints):
            raise ValueError(f"{len(ids)} ids for {len(fingerprints)} fingerprints")
        pairs = [(int(i), fp) for i, fp in zip(ids, fingerprints, strict=True)]
        for _, fp in pairs:
            if not isinstance(fp, TextFingerprint):
                raise TypeError(f"expected a TextFingerprint, not {type(fp).__name__}")
        with self._lock:
            for signal_id, fp in pairs:
                if signal_id in self._values:
                    self._lsh.remove(signal_id)
                self._lsh.insert(signal_id, fp._minhash(), check_duplication=False)
                self._values[signal_id] = fp.hashvalues

    def remove(self, ids: Iterable[int]) -> int:
        """Remove these ids (unknown ids are ignored); returns how many were removed."""
        removed = 0
        with self._lock:
            for signal_id in ids:
                if self._values.pop(int(signal_id), None) is not None:
                    self._lsh.remove(int(signal_id))
                    removed += 1
        return removed

    def query(self, fingerprint: TextFingerprint, threshold: float | None = None) -> list[tuple[int, float]]:
        """(id, estimated Jaccard similarity) of the stored texts at least `threshold` (default: the index's)
        similar, most similar first (ties by id). A threshold below the index's finds only what its LSH bands
        let through."""
        limit = self.threshold if threshold is None else threshold
        minhash = fingerprint._minhash()
        query = fingerprint.hashvalues
        with self._lock:
            candidates = [int(c) for c in self._lsh.query(minhash)]
            stored = [self._values[c] for c in candidates]
        if not candidates:
            return []
        similarity = (np.vstack(stored) == query).mean(axis=1)
        found = [(c, round(float(s), 4)) for c, s in zip(candidates, similarity, strict=True) if s >= limit]
        return sorted(found, key=lambda pair: (-pair[1], pair[0]))
