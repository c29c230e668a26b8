"""PdqIndex: exact range search (recall 1.0 against brute force), removals, replacements, concurrent reads."""

from __future__ import annotations

import threading

import numpy as np
import numpy.typing as npt
import pytest

from wildwatch.signals import pdq_index
from wildwatch.signals.images import PDQ_RADIUS
from wildwatch.signals.pdq_index import MAX_RADIUS, PdqIndex

Codes = npt.NDArray[np.uint8]


def _random(rng: np.random.Generator, n: int) -> Codes:
    return rng.integers(0, 256, (n, 32), dtype=np.uint8)


def _flip(code: Codes, bits: int, rng: np.random.Generator) -> Codes:
    out = code.copy()
    for bit in rng.choice(256, bits, replace=False):
        out[bit // 8] ^= np.uint8(1 << (bit % 8))
    return out


def _brute(stored: Codes, ids: list[int], query: Codes, radius: int) -> list[tuple[int, int]]:
    distances = np.unpackbits(stored ^ query, axis=1).sum(axis=1)
    found = [(ids[i], int(distances[i])) for i in np.flatnonzero(distances <= radius)]
    return sorted(found, key=lambda pair: (pair[1], pair[0]))


@pytest.fixture(scope="module")
def planted() -> tuple[PdqIndex, Codes, list[int], Codes]:
    """20,000 random hashes, plus for each distance 0..40 ten hashes at exactly that distance from a query."""
    rng = np.random.default_rng(20)
    stored = [_random(rng, 20_000)]
    queries = _random(rng, 41 * 10)
    for q, query in enumerate(queries):
        stored.append(_flip(query, q // 10, rng)[None, :])
    codes = np.concatenate(stored)
    ids = [1000 + 3 * i for i in range(len(codes))]  # ids are not row numbers
    index = PdqIndex(ids, [bytes(c) for c in codes])
    return index, codes, ids, queries


def test_recall_equals_brute_force_with_planted_near_duplicates(
    planted: tuple[PdqIndex, Codes, list[int], Codes],
) -> None:
    index, codes, ids, queries = planted
    assert len(index) == 20_000 + len(queries)
    results = index.search_many([bytes(q) for q in queries])
    found_planted = 0
    for q, (query, hits) in enumerate(zip(queries, results, strict=True)):
        planted_id = ids[20_000 + q]
        distance = q // 10
        assert hits == _brute(codes, ids, query, PDQ_RADIUS)
        if distance <= PDQ_RADIUS:
            assert (planted_id, distance) in hits
            found_planted += 1
        else:
            assert all(found != planted_id for found, _ in hits)
        assert all(d <= PDQ_RADIUS for _, d in hits)
    assert found_planted == 32 * 10


def test_random_queries_find_what_brute_force_finds(planted: tuple[PdqIndex, Codes, list[int], Codes]) -> None:
    index, codes, ids, _ = planted
    rng = np.random.default_rng(21)
    for query in _random(rng, 50):
        assert index.search(bytes(query)) == _brute(codes, ids, query, PDQ_RADIUS)


@pytest.mark.parametrize("radius", [0, 1, 15, 16, 31, 32, 47, 63])
def test_every_radius_is_exact(radius: int, planted: tuple[PdqIndex, Codes, list[int], Codes]) -> None:
    index, codes, ids, queries = planted
    sample = queries[::7]
    for query, hits in zip(sample, index.search_many([bytes(q) for q in sample], radius), strict=True):
        assert hits == _brute(codes, ids, query, radius)


def test_search_and_search_many_agree(planted: tuple[PdqIndex, Codes, list[int], Codes]) -> None:
    index, _, _, queries = planted
    hashes = [bytes(q) for q in queries[::5]]
    assert index.search_many(hashes) == [index.search(h) for h in hashes]
    assert index.search_many([]) == []


def test_results_are_sorted_by_distance_then_id() -> None:
    base = bytes(32)
    index = PdqIndex([5, 3, 9, 1], [bytes(31) + b"\x03", bytes(31) + b"\x01", base, bytes(31) + b"\x02"])
    assert index.search(base) == [(9, 0), (1, 1), (3, 1), (5, 2)]


def test_remove_and_replace() -> None:
    rng = np.random.default_rng(3)
    codes = _random(rng, 5000)
    index = PdqIndex(list(range(5000)), [bytes(c) for c in codes])
    assert index.search(bytes(codes[42])) == [(42, 0)]
    assert index.remove([42, 43, 999_999]) == 2
    assert index.search(bytes(codes[42])) == []
    assert 42 not in index and 44 in index
    assert len(index) == 4998
    assert index.remove([42]) == 0
    # re-adding an id replaces its hash
    index.add([44], [bytes(codes[42])])
    assert index.search(bytes(codes[44])) == []
    assert index.search(bytes(codes[42])) == [(44, 0)]
    assert len(index) == 4998
    index.rebuild()
    assert len(index) == 4998
    assert index.search(bytes(codes[42])) == [(44, 0)]
    assert index.search(bytes(codes[100])) == [(100, 0)]


def test_tail_merges_and_compaction(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many small adds (merged into the main segment past TAIL_MAX) and removals (compacted past a quarter dead)
    keep the index equal to brute force."""
    monkeypatch.setattr(pdq_index, "TAIL_MAX", 50)
    rng = np.random.default_rng(4)
    index = PdqIndex()
    live: dict[int, Codes] = {}
    next_id = 0
    for step in range(60):
        batch = _random(rng, int(rng.integers(1, 30)))
        ids = list(range(next_id, next_id + len(batch)))
        next_id += len(batch)
        index.add(ids, [bytes(c) for c in batch])
        live.update(zip(ids, batch, strict=True))
        if step % 3 == 2:
            gone = [int(i) for i in rng.choice(list(live), size=min(25, len(live)), replace=False)]
            assert index.remove(gone) == len(gone)
            for i in gone:
                del live[i]
        assert len(index) == len(live)
    ids_left = sorted(live)
    stored = np.stack([live[i] for i in ids_left])
    for i in ids_left[::10]:
        query = _flip(live[i], 5, rng)
        assert index.search(bytes(query)) == _brute(stored, ids_left, query, PDQ_RADIUS)


def test_invalid_input() -> None:
    index = PdqIndex([1], [bytes(32)])
    with pytest.raises(ValueError):
        index.add([2], [bytes(31)])
    with pytest.raises(ValueError):
        index.add([2, 3], [bytes(32)])
    with pytest.raises(ValueError):
        index.add([2, 2], [bytes(32), bytes(32)])
    with pytest.raises(ValueError):
        index.search(b"short")
    with pytest.raises(ValueError):
        index.search(bytes(32), radius=MAX_RADIUS + 1)
    with pytest.raises(ValueError):
        index.search(bytes(32), radius=-1)
    assert len(index) == 1


def test_empty_index() -> None:
    index = PdqIndex()
    assert len(index) == 0
    assert index.search(bytes(32)) == []
    assert index.remove([1]) == 0
    index.rebuild()
    assert index.search_many([bytes(32), b"\xff" * 32]) == [[], []]


def test_concurrent_reads_during_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Readers never fail and always find the entries no writer touches while writers add, remove and merge."""
    monkeypatch.setattr(pdq_index, "TAIL_MAX", 64)
    rng = np.random.default_rng(5)
    fixed = _random(rng, 200)
    index = PdqIndex(list(range(200)), [bytes(c) for c in fixed])
    churn = _random(rng, 2000)
    errors: list[BaseException] = []
    stop = threading.Event()

    def writer() -> None:
        try:
            for start in range(0, 2000, 20):
                ids = list(range(10_000 + start, 10_000 + start + 20))
                index.add(ids, [bytes(c) for c in churn[start : start + 20]])
                if start % 100 == 80:
                    index.remove(range(10_000 + start - 80, 10_000 + start))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            stop.set()

    def reader() -> None:
        try:
            while not stop.is_set():
                for i in range(0, 200, 17):
                    hits = index.search(bytes(fixed[i]))
                    assert (i, 0) in hits
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    expected = 200 + 2000 - 20 * 80  # each remove drops the four previous batches of 20
    assert len(index) == expected
