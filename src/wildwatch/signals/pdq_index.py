"""Range search over PDQ hashes: every stored hash within a Hamming radius of a query, exactly, at 10^6 hashes.

Multi-index hashing (Norouzi, Punjani and Fleet, "Fast search in Hamming space with multi-index hashing", CVPR 2012),
in numpy. The 256 bits are cut into 16 blocks of 16 bits; each block has a table from its 65,536 values to the rows
holding that value (a CSR layout: row numbers sorted by block value, and an offsets array). By the pigeonhole
principle, two hashes at most 31 bits apart differ by at most 1 bit in at least one of the 16 blocks (16 blocks with
2 or more differing bits each would make 32). So a query looks up, in each table, its own block value and the 16
values one bit away (272 lookups), and checks the Hamming distance of the rows found. No hash within the radius can
be missed: radius r needs ``r // 16`` flipped bits per block (`MAX_RADIUS` is 63). With 10^6 random hashes a query
checks about 4,000 candidates instead of 10^6.

Why not FAISS's ``IndexBinaryMultiHash`` (the same scheme): measured by ``benchmarks/signals_bench.py`` at 10^6
hashes on one core (two runs), it answered 570–670 range queries/s, slower than brute force with FAISS's own
``IndexBinaryFlat`` (830–910/s), took ~4 s to build and ~360 MB, and cannot remove entries; this module answered
5,400–5,700 queries/s (7,000–7,700 in batches), built in 1.2–1.6 s into ~160 MB, and removes. See
``docs/performance.md`` ("Signals").

Writes: the index keeps a *main* segment (the tables above) and a small *tail* searched by brute force. ``add``
appends to the tail; past `TAIL_MAX` entries the tail is merged into a rebuilt main segment. ``remove`` marks rows
of the main segment dead (a tombstone mask, filtered at query time) and drops tail rows; when a quarter of the main
segment is dead, it is rebuilt. ``rebuild()`` forces both. Every write builds a new immutable state and swaps it in
with one assignment under a lock, so searches run without a lock, concurrently with a write, and always see a
consistent index.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Final

import numpy as np
import numpy.typing as npt

from .images import PDQ_BYTES, PDQ_RADIUS

__all__ = ["MAX_RADIUS", "TAIL_MAX", "PdqIndex"]

_BLOCKS: Final = 16  # 16 blocks of 16 bits
_BUCKETS: Final = 1 << 16
#: Largest radius searched exactly (3 flipped bits per block).
MAX_RADIUS: Final = 63
#: Entries kept in the brute-force tail before it is merged into the main segment.
TAIL_MAX: Final = 4096
_QUERY_CHUNK: Final = 8  # queries handled at once by search_many (measured: larger chunks fall out of cache)

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]


def _flip_masks(nflip: int) -> npt.NDArray[np.uint16]:
    masks = [0]
    for k in range(1, nflip + 1):
        masks.extend(sum(1 << b for b in bits) for bits in combinations(range(16), k))
    return np.array(masks, dtype=np.uint16)


_FLIPS: Final = tuple(_flip_masks(n) for n in range(MAX_RADIUS // _BLOCKS + 1))
_EMPTY_CODES: Final = np.zeros((0, 4), dtype=np.uint64)
_EMPTY_IDS: Final = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class _Main:
    """The indexed segment: codes, ids, per-block CSR tables, and the dead-row mask. Never changed in place."""

    codes: U64  # (n, 4): each hash as four little-endian uint64 words
    ids: I64  # (n,)
    order: npt.NDArray[np.uint32]  # (16, n): row numbers sorted by block value, per block
    offsets: npt.NDArray[np.int64]  # (16, 65537): where each block value's rows start in `order`
    alive: Bool  # (n,)
    id_sorted: I64  # ids sorted, and their rows, for removals
    id_rows: I64
    dead: int

    @property
    def live(self) -> int:
        return len(self.ids) - self.dead


@dataclass(frozen=True, slots=True)
class _State:
    main: _Main
    tail_codes: U64  # (t, 4)
    tail_ids: I64  # (t,)

    def __len__(self) -> int:
        return self.main.live + len(self.tail_ids)


def _build(codes: U64, ids: I64) -> _Main:
    n = len(ids)
    blocks = codes.view(np.uint8).reshape(n, PDQ_BYTES).view("<u2")  # (n, 16)
    order = np.empty((_BLOCKS, n), dtype=np.uint32)
    offsets = np.zeros((_BLOCKS, _BUCKETS + 1), dtype=np.int64)
    for b in range(_BLOCKS):
        column = blocks[:, b]
        order[b] = np.argsort(column, kind="stable")
        np.cumsum(np.bincount(column, minlength=_BUCKETS), out=offsets[b, 1:])
    id_rows = np.argsort(ids, kind="stable")
    return _Main(codes, ids, order, offsets, np.ones(n, dtype=bool), ids[id_rows], id_rows, 0)


_EMPTY_MAIN: Final = _build(_EMPTY_CODES, _EMPTY_IDS)


def _as_codes(hashes: Iterable[bytes]) -> U64:
    raw = []
    for h in hashes:
        if not isinstance(h, bytes | bytearray) or len(h) != PDQ_BYTES:
            raise ValueError(f"a PDQ hash is {PDQ_BYTES} bytes")
        raw.append(bytes(h))
    if not raw:
        return _EMPTY_CODES
    return np.frombuffer(b"".join(raw), dtype="<u8").astype(np.uint64).reshape(len(raw), 4)


def _as_ids(ids: Iterable[int]) -> I64:
    values = [int(i) for i in ids]
    return np.array(values, dtype=np.int64) if values else _EMPTY_IDS


def _distances(codes: U64, queries: U64) -> npt.NDArray[np.int64]:
    """Hamming distances between rows of two (m, 4) arrays, row by row."""
    counts = np.bitwise_count(np.bitwise_xor(codes, queries))
    return (counts[:, 0] + counts[:, 1] + counts[:, 2] + counts[:, 3]).astype(np.int64)


class PdqIndex:
    """Exact Hamming range search over 256-bit PDQ hashes, keyed by integer ids.

    >>> index = PdqIndex()
    >>> index.add([7], [bytes(32)])
    >>> index.search(bytes(31) + b"\\x07")
    [(7, 3)]

    Thread-safe: writes are serialised by a lock and swap in a new immutable state; searches take no lock.
    """

    def __init__(self, ids: Sequence[int] = (), hashes: Sequence[bytes] = ()) -> None:
        self._lock = threading.Lock()
        self._state = _State(_EMPTY_MAIN, _EMPTY_CODES, _EMPTY_IDS)
        if len(ids) or len(hashes):
            self.add(ids, hashes)

    def __len__(self) -> int:
        return len(self._state)

    def __contains__(self, signal_id: object) -> bool:
        if not isinstance(signal_id, int):
            return False
        state = self._state
        return bool(_main_rows(state.main, np.array([signal_id], dtype=np.int64)).size) or bool(
            (state.tail_ids == signal_id).any()
        )

    # --- writes ----------------------------------------------------------------------------------------------

    def add(self, ids: Sequence[int], hashes: Sequence[bytes]) -> None:
        """Add hashes under integer ids (one hash per id: an id already present has its hash replaced).

        Add in batches where possible: a batch costs one swap, and past `TAIL_MAX` pending entries the main
        segment is rebuilt (about half a second at 10^6 hashes)."""
        if len(ids) != len(hashes):
            raise ValueError(f"{len(ids)} ids for {len(hashes)} hashes")
        new_ids = _as_ids(ids)
        new_codes = _as_codes(hashes)
        if len(np.unique(new_ids)) != len(new_ids):
            raise ValueError("duplicate ids in one add")
        if not len(new_ids):
            return
        with self._lock:
            state = _without(self._state, new_ids)
            tail_ids = np.concatenate([state.tail_ids, new_ids])
            tail_codes = np.concatenate([state.tail_codes, new_codes])
            if len(tail_ids) > TAIL_MAX:
                self._state = _merged(state.main, tail_codes, tail_ids)
            else:
                self._state = _State(state.main, tail_codes, tail_ids)

    def remove(self, ids: Iterable[int]) -> int:
        """Remove these ids (unknown ids are ignored); returns how many entries were removed."""
        gone = _as_ids(ids)
        if not len(gone):
            return 0
        with self._lock:
            before = len(self._state)
            state = _without(self._state, gone)
            if state.main.dead * 4 > len(state.main.ids):
                state = _merged(state.main, state.tail_codes, state.tail_ids)
            self._state = state
            return before - len(state)

    def rebuild(self) -> None:
        """Merge the tail and drop dead rows now (otherwise done when they grow past their limits)."""
        with self._lock:
            state = self._state
            self._state = _merged(state.main, state.tail_codes, state.tail_ids)

    # --- reads -----------------------------------------------------------------------------------------------

    def search(self, h: bytes, radius: int = PDQ_RADIUS) -> list[tuple[int, int]]:
        """Every (id, distance) with Hamming distance ≤ `radius` from `h`, nearest first (ties by id)."""
        return self.search_many([h], radius)[0]

    def search_many(self, hashes: Sequence[bytes], radius: int = PDQ_RADIUS) -> list[list[tuple[int, int]]]:
        """`search` for each hash, in one vectorised pass."""
        if not isinstance(radius, int) or not 0 <= radius <= MAX_RADIUS:
            raise ValueError(f"radius must be an integer from 0 to {MAX_RADIUS}")
        queries = _as_codes(hashes)
        state = self._state  # one consistent snapshot for the whole call
        out: list[list[tuple[int, int]]] = []
        for start in range(0, len(queries), _QUERY_CHUNK):
            chunk = queries[start : start + _QUERY_CHUNK]
            qi_main, rows_main, d_main = _search_main(state.main, chunk, radius)
            qi_tail, rows_tail, d_tail = _search_tail(state.tail_codes, chunk, radius)
            if not len(qi_main) and not len(qi_tail):
                out.extend([] for _ in range(len(chunk)))
                continue
            qi = np.concatenate([qi_main, qi_tail])
            found = np.concatenate([state.main.ids[rows_main], state.tail_ids[rows_tail]])
            dist = np.concatenate([d_main, d_tail])
            sort = np.lexsort((found, dist, qi))
            qi, found, dist = qi[sort], found[sort], dist[sort]
            bounds = np.searchsorted(qi, np.arange(len(chunk) + 1))
            found_list, dist_list = found.tolist(), dist.tolist()
            for q in range(len(chunk)):
                a, b = int(bounds[q]), int(bounds[q + 1])
                out.append(list(zip(found_list[a:b], dist_list[a:b], strict=True)))
        return out


def _search_main(main: _Main, queries: U64, radius: int) -> tuple[I64, I64, I64]:
    """(query index, row, distance) of the live rows of the main segment within `radius`, without duplicates."""
    if not len(main.ids) or not len(queries):
        return _EMPTY_IDS, _EMPTY_IDS, _EMPTY_IDS
    flips = _FLIPS[radius // _BLOCKS]
    q_blocks = queries.view(np.uint8).reshape(len(queries), PDQ_BYTES).view("<u2")  # (q, 16)
    keys = (q_blocks[:, :, None] ^ flips[None, None, :]).astype(np.int64)  # (q, 16, f)
    block = np.arange(_BLOCKS)[None, :, None]
    starts = main.offsets[block, keys]
    ends = main.offsets[block, keys + 1]
    n = len(main.ids)
    lengths = (ends - starts).ravel()
    total = int(lengths.sum())
    if total == 0:
        return _EMPTY_IDS, _EMPTY_IDS, _EMPTY_IDS
    # positions in the flattened (16 * n) `order` of every candidate: each range [start, end) expanded
    flat_starts = (starts + (np.arange(_BLOCKS) * n)[None, :, None]).ravel()
    range_begin = np.cumsum(lengths) - lengths
    positions = np.repeat(flat_starts - range_begin, lengths) + np.arange(total)
    rows = main.order.reshape(-1)[positions].astype(np.int64)
    qi = np.repeat(np.repeat(np.arange(len(queries)), keys.shape[1] * keys.shape[2]), lengths)
    dist = _distances(np.take(main.codes, rows, axis=0), np.take(queries, qi, axis=0))
    keep = dist <= radius
    if main.dead:
        keep &= main.alive[rows]
    if not keep.any():  # most queries: nothing near
        return _EMPTY_IDS, _EMPTY_IDS, _EMPTY_IDS
    qi, rows, dist = qi[keep], rows[keep], dist[keep]
    # a row near the query may be found through several blocks
    pair = qi * n + rows
    pair, first = np.unique(pair, return_index=True)
    return qi[first], rows[first], dist[first]


def _search_tail(codes: U64, queries: U64, radius: int) -> tuple[I64, I64, I64]:
    if not len(codes) or not len(queries):
        return _EMPTY_IDS, _EMPTY_IDS, _EMPTY_IDS
    t = len(codes)
    qi = np.repeat(np.arange(len(queries)), t)
    rows = np.tile(np.arange(t), len(queries))
    dist = _distances(np.tile(codes, (len(queries), 1)), np.take(queries, qi, axis=0))
    keep = dist <= radius
    return qi[keep], rows[keep], dist[keep]


def _main_rows(main: _Main, ids: I64) -> I64:
    """Live rows of the main segment holding these ids."""
    if not len(main.ids):
        return _EMPTY_IDS
    pos = np.searchsorted(main.id_sorted, ids)
    pos = pos[pos < len(main.id_sorted)]
    pos = pos[np.isin(main.id_sorted[pos], ids)]
    rows = main.id_rows[pos]
    return rows[main.alive[rows]]


def _without(state: _State, ids: I64) -> _State:
    """The state with these ids removed (main rows marked dead, tail rows dropped)."""
    main = state.main
    rows = _main_rows(main, ids)
    if rows.size:
        alive = main.alive.copy()
        alive[rows] = False
        main = _Main(main.codes, main.ids, main.order, main.offsets, alive, main.id_sorted, main.id_rows,
                     main.dead + int(rows.size))
    keep = ~np.isin(state.tail_ids, ids)
    if keep.all():
        return _State(main, state.tail_codes, state.tail_ids)
    return _State(main, state.tail_codes[keep], state.tail_ids[keep])


def _merged(main: _Main, tail_codes: U64, tail_ids: I64) -> _State:
    """A new main segment holding the live rows and the tail; an empty tail."""
    codes = np.concatenate([main.codes[main.alive], tail_codes])
    ids = np.concatenate([main.ids[main.alive], tail_ids])
    return _State(_build(np.ascontiguousarray(codes), ids), _EMPTY_CODES, _EMPTY_IDS)
