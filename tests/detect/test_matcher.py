"""The compiled automaton: whole-word matching, substrings for scripts without spaces, shared patterns."""

from __future__ import annotations

from wildwatch.detect.matcher import Matcher
from wildwatch.detect.normalize import normalize, normalize_batch_bytes


def found(m: Matcher, text: str) -> set[int]:
    data = normalize(text).text.encode()
    return {owner for hit in m.scan(data) for owner in m.owners[hit.pattern]}


def test_whole_words_for_spaced_scripts() -> None:
    m = Matcher([("ivory", "en"), ("horn", "en")])
    assert found(m, "ivory tusk") == {0}
    assert found(m, "hornbill casque") == set()  # "horn" is not a word here
    assert found(m, "Ivories and horns") == {0, 1}  # plurals


def test_substrings_for_scripts_without_spaces() -> None:
    m = Matcher([("象牙", "zh"), ("งาช้าง", "th")])
    assert found(m, "出售象牙手镯") == {0}
    assert found(m, "ขายงาช้างแท้") == {1}


def test_english_glued_into_chinese() -> None:
    m = Matcher([("ivory", "en")])
    assert found(m, "出售ivory手镯") == {0}


def test_shared_patterns_map_to_every_term() -> None:
    m = Matcher([("ivory", "en"), ("IVORY", "en"), ("ivoire", "fr")])
    hit = m.scan(normalize("ivory").text.encode())
    assert {o for h in hit for o in m.owners[h.pattern]} == {0, 1}


def test_spans_are_byte_offsets_of_the_pattern() -> None:
    m = Matcher([("rhino horn", "en")])
    data = normalize("buy rhino horn now").text.encode()
    (hit,) = m.scan(data)
    assert data[hit.start : hit.end] == b" rhino horn "


def test_listings_hit_maps_offsets_to_listings() -> None:
    m = Matcher([("pangolin", "en")])
    texts = ["nothing here", "pangolin scales", "still nothing", "PANGOLIN", "出售穿山甲"]
    batch = normalize_batch_bytes(texts)
    order = sorted(range(len(texts)), key=batch.starts.__getitem__)
    hits = m.listings_hit(batch.data, [batch.starts[i] for i in order])
    assert {order[k] for k in hits} == {1, 3}


def test_empty_matcher() -> None:
    m = Matcher([])
    assert len(m) == 0 and m.scan(b" x ") == [] and m.listings_hit(b" x ", [0]) == set()


def test_one_matcher_serves_many_threads_at_once() -> None:
    from concurrent.futures import ThreadPoolExecutor

    m = Matcher([(f"word{i}x", "en") for i in range(2000)] + [("ivory", "en")])
    data = normalize(" ".join(["carved ivory"] * 20000)).text.encode()

    def work(_: int) -> int:
        return len(m.scan(data))

    with ThreadPoolExecutor(8) as pool:
        counts = list(pool.map(work, range(32)))
    assert counts == [20000] * 32
