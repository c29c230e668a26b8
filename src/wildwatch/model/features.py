"""Character n-gram TF-IDF in numpy: scikit-learn's ``TfidfVectorizer(analyzer="char_wb")`` transform, vectorised.

The model's features are computed from the engine's *normalised* text (evasions undone first). Training fits
scikit-learn's vectoriser; scoring uses :class:`CharNgramTfidf`, which needs numpy alone and gives the same vectors
(a test compares the two to 1e-9). The semantics reproduced, for ``lowercase=False``, no accent stripping, raw
term counts and smooth idf:

* the text is split into words on whitespace (``str.split``); each word is padded with one space on each side;
* for each n in ``[min_n, max_n]``, every window of n characters of a padded word is an n-gram; a padded word of
  at most n characters counts once as a whole, at the smallest such n, and not again for larger n;
* the counts are multiplied by the vocabulary's idf weights (``TfidfVectorizer(norm=None)``), and each row is
  divided by its *occurrence norm* (:func:`occurrence_norm`): the L2 norm as if no n-gram occurred twice, which
  needs no per-listing count of each n-gram (a sort of every occurrence in the batch, the costliest step by far).

How it is vectorised: the whole batch becomes one array of code points, each mapped to a small alphabet id (the
characters of the vocabulary; others are "unknown" and never match). A window is valid when none of its interior
characters is whitespace (separators are single spaces, so such a window lies inside one padded word). Its key packs
its length and alphabet ids into one 64-bit integer, exact (no hashing collisions) while ``max_n`` ids fit in
60 bits; keys are looked up in an open-addressing table with vectorised probing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: every code point that ``str.split()`` treats as whitespace
WHITESPACE = np.array([c for c in range(0x3100) if chr(c).isspace()], dtype=np.uint32)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_UNKNOWN = 0
_SPACE = 1


class FeatureError(ValueError):
    """The vocabulary cannot be compiled into exact keys."""


@dataclass(frozen=True)
class Rows:
    """Matched n-grams of a batch: for each occurrence, its row and its feature index (row-major order)."""

    rows: np.ndarray
    features: np.ndarray
    n_rows: int


class CharNgramTfidf:
    """The transform of a fitted char_wb TF-IDF vectoriser, from its vocabulary and idf weights."""

    def __init__(self, vocabulary: Sequence[str], idf: np.ndarray, ngram_range: tuple[int, int],
                 max_chars: int | None = None) -> None:
        min_n, max_n = ngram_range
        if not 2 <= min_n <= max_n <= 7:
            raise FeatureError(f"bad n-gram range {ngram_range}")
        self.min_n, self.max_n = min_n, max_n
        self.max_chars = max_chars
        self.idf = np.asarray(idf, dtype=np.float64)
        if len(self.idf) != len(vocabulary):
            raise FeatureError(f"{len(vocabulary)} n-grams but {len(self.idf)} idf weights")
        alphabet = sorted({c for gram in vocabulary for c in gram} - {" "})
        # ids: 0 unknown, 1 space (and all whitespace), 2.. the vocabulary's other characters
        self.bits = max(2, int(len(alphabet) + 1).bit_length())
        if self.bits * max_n + 3 > 64:
            raise FeatureError(f"{len(alphabet)} distinct characters in n-grams of up to {max_n}: too many for "
                               "exact 64-bit keys")
        lut = np.zeros(0x110000, dtype=np.uint16)
        lut[WHITESPACE] = _SPACE
        for i, ch in enumerate(alphabet, start=2):
            lut[ord(ch)] = i
        self._lut = lut
        keys = np.empty(len(vocabulary), dtype=np.uint64)
        for j, gram in enumerate(vocabulary):
            if not min(min_n, 3) <= len(gram) <= max_n:
                raise FeatureError(f"n-gram {gram!r} is outside the range {ngram_range}")
            key = 0
            for ch in gram:
                key = (key << self.bits) | int(lut[ord(ch)])
            keys[j] = key | (len(gram) << 61)
        if len(np.unique(keys)) != len(keys):
            raise FeatureError("the vocabulary holds the same n-gram twice")
        size = 1 << max(4, int(4 * max(len(keys), 1) - 1).bit_length())  # load factor <= 1/4
        self._shift = np.uint64(64 - size.bit_length() + 1)
        self._mask = np.int64(size - 1)
        table_keys = np.zeros(size, dtype=np.uint64)
        table_vals = np.full(size, -1, dtype=np.int32)
        slots = self._slots(keys)
        for j in range(len(keys)):  # built once, at load
            s = int(slots[j])
            while table_keys[s]:
                s = (s + 1) & int(self._mask)
            table_keys[s] = keys[j]
            table_vals[s] = j
        self._table_keys = table_keys
        self._table_vals = table_vals
        self._bound: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.idf)

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        return ((keys * _GOLDEN) >> self._shift).view(np.int64)  # below 2**63: the same values

    def _lookup(self, keys: np.ndarray) -> np.ndarray:
        out = np.full(len(keys), -1, dtype=np.int32)
        pending = np.arange(len(keys))
        slots = self._slots(keys)
        while len(pending):
            found = self._table_keys[slots]
            hit = found == keys[pending]
            out[pending[hit]] = self._table_vals[slots[hit]]
            more = ~hit & (found != 0)
            pending = pending[more]
            slots = (slots[more] + 1) & self._mask
        return out

    def _codes(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The batch as alphabet ids (uint64) and the index of each text's first character."""
        if self.max_chars is not None:
            texts = [t[: self.max_chars] for t in texts]
        # two spaces between texts: a window spanning two texts has whitespace inside, and no vocabulary n-gram
        # does (char_wb n-grams have spaces only at their ends), so it never matches
        joined = " " + "  ".join(texts) + " "
        codes = np.frombuffer(joined.encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32)
        lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
        starts = 1 + np.concatenate(([0], np.cumsum(lengths + 2)[:-1])) if len(texts) else np.zeros(0, np.int64)
        return self._lut[codes].astype(np.uint64), starts

    def _windows(self, ids: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
        """(n, packed keys of every window of n characters) for each n that vocabulary n-grams can have.

        No window needs checking for shape: a key equal to a vocabulary n-gram's key has spaces exactly where
        that n-gram has them (only at its ends), so it lies inside one padded word; an n-gram shorter than
        ``min_n`` in the vocabulary is a whole padded word, and so is any window with its key."""
        key = np.zeros(len(ids), dtype=np.uint64)
        bits = np.uint64(self.bits)
        for n in range(1, self.max_n + 1):
            m = len(ids) - n + 1
            if m <= 0:
                break
            key = (key[:m] << bits) | ids[n - 1 : n - 1 + m]
            if n >= min(self.min_n, 3):
                yield n, key | np.uint64(n << 61)

    def occurrences(self, texts: Sequence[str]) -> Rows:
        """Every vocabulary n-gram occurrence in the texts (already normalised)."""
        ids, starts = self._codes(texts)
        row_at = np.zeros(len(ids), dtype=np.int64)
        if len(starts) > 1:
            row_at[starts[1:]] = 1
            row_at = np.cumsum(row_at)
        all_rows: list[np.ndarray] = []
        all_feats: list[np.ndarray] = []
        for _, keys in self._windows(ids):
            feats = self._lookup(keys)
            at = np.flatnonzero(feats >= 0)
            all_rows.append(row_at[at + 1])  # by its second character: never a separator's row
            all_feats.append(feats[at])
        if not all_rows:
            return Rows(np.zeros(0, np.int64), np.zeros(0, np.int32), len(texts))
        return Rows(np.concatenate(all_rows), np.concatenate(all_feats), len(texts))

    def bind(self, weights: np.ndarray) -> None:
        """Prepare :meth:`linear` for these weights (one per vocabulary n-gram)."""
        weights = np.asarray(weights, dtype=np.float64)
        if weights.shape != self.idf.shape:
            raise FeatureError(f"{len(weights)} weights for {len(self.idf)} n-grams")
        # per slot of the hash table (and one more, always empty): idf * weight + i * idf², so that one gather
        # gives both sums
        table = np.zeros(len(self._table_keys) + 1, dtype=np.complex128)
        used = self._table_vals >= 0
        feats = self._table_vals[used]
        table[:-1][used] = self.idf[feats] * weights[feats] + 1j * self.idf[feats] ** 2
        self._bound = table

    def linear(self, texts: Sequence[str]) -> np.ndarray:
        """``X @ weights`` for the texts' feature rows X (see :meth:`transform`) and the weights given to
        :meth:`bind`, summed over n-gram occurrences without building X."""
        table = self._bound
        if table is None:
            raise FeatureError("no weights bound")
        ids, starts = self._codes(texts)
        if not len(starts):
            return np.zeros(0)
        miss = np.int64(len(table) - 1)
        acc: np.ndarray | None = None  # acc[i]: the windows starting at i, summed over n
        for _, keys in self._windows(ids):
            slots = self._slots(keys)
            found = self._table_keys[slots]
            other = np.flatnonzero(found != keys)
            probe = other[found[other] != 0]
            slots[other] = miss
            if len(probe):  # a few keys collide with another in their first slot: probe on for those
                at = self._slots(keys[probe])
                while len(probe):
                    at = (at + 1) & self._mask
                    found = self._table_keys[at]
                    hit = found == keys[probe]
                    slots[probe[hit]] = at[hit]
                    more = ~hit & (found != 0)
                    probe, at = probe[more], at[more]
            values = table[slots]
            if acc is None:
                acc = np.zeros(len(ids) + 1, dtype=np.complex128)
                acc[1 : 1 + len(values)] = values  # shifted by one: a window counts for its second character
            else:
                acc[1 : 1 + len(values)] += values
        if acc is None:
            return np.zeros(len(starts))
        sums = np.add.reduceat(acc, starts)
        dot, sq = sums.real, sums.imag
        return dot / np.sqrt(np.where(sq > 0, sq, 1.0))

    def transform(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int]]:
        """The feature rows as CSR arrays (data, indices, indptr, shape): the raw TF-IDF (counts times idf, as
        scikit-learn's ``TfidfVectorizer(norm=None)``) divided by each row's *occurrence norm* (see
        :func:`occurrence_norm`). For tests and training; scoring uses :meth:`linear`."""
        occ = self.occurrences(texts)
        n_feat = len(self.idf)
        pair = np.sort(occ.rows * n_feat + occ.features.astype(np.int64))
        first = np.flatnonzero(np.concatenate(([True], pair[1:] != pair[:-1]))) if len(pair) else np.zeros(0, int)
        counts = np.diff(np.append(first, len(pair))).astype(np.float64)
        uniq = pair[first]
        rows = uniq // n_feat
        cols = (uniq % n_feat).astype(np.int32)
        data = counts * self.idf[cols]
        norm = np.sqrt(np.bincount(rows, weights=counts * self.idf[cols] ** 2, minlength=occ.n_rows))
        data = data / norm[rows]
        indptr = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=occ.n_rows)))).astype(np.int64)
        return data, cols, indptr, (occ.n_rows, n_feat)


def occurrence_norm(raw: Any, idf: np.ndarray) -> np.ndarray:
    """Each row's occurrence norm, from raw TF-IDF rows (counts times idf, a scipy sparse matrix): the square root
    of the sum of idf² over the row's n-gram occurrences, ``sqrt(raw @ idf)``. It is the L2 norm of the row when no
    n-gram occurs twice, and unlike the L2 norm it needs no count per distinct n-gram, so scoring can sum over
    occurrences without sorting them."""
    sq = np.asarray(raw @ idf, dtype=np.float64).ravel()
    return np.sqrt(sq)
