"""Text fingerprints: re-posts with small edits match, other listings do not; the index and the byte form."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wildwatch.signals.texts import (
    MIN_SHINGLES,
    NUM_PERM,
    TEXT_THRESHOLD,
    TextFingerprint,
    TextIndex,
    shingles,
    text_fingerprint,
    text_fingerprints,
)

LISTING = (
    "Genuine antique carved ivory bangle from the 1920s, hand carved elephant tusk with floral pattern, "
    "inner diameter 6 cm, weight 85 g. Excellent condition, no cracks. Price $450, shipping worldwide by "
    "registered post. Message me on WhatsApp for more photos and a video."
)
REPOSTS = {
    "edited price": LISTING.replace("$450", "$390"),
    "price in another currency": LISTING.replace("Price $450", "Price 11000000 VND"),
    "added emoji": "🔥🐘 " + LISTING.replace("no cracks.", "no cracks ✅✅."),
    "1v0ry spelling": LISTING.replace("ivory", "1v0ry").replace("elephant", "el3phant"),
    "homoglyphs": LISTING.replace("ivory", "іvоry").replace("tusk", "tusк"),  # Cyrillic і, о, к
    "spaced letters": LISTING.replace("ivory", "i.v.o.r.y").replace("tusk", "t u s k"),
    "upper case": LISTING.upper(),
    "two phrases reworded": LISTING.replace("Excellent condition", "Very good condition").replace(
        "registered post", "EMS"),
    "sentence added": LISTING + " Serious buyers only, no time wasters please.",
}
# the same product type, written by someone else
SAME_TYPE = [
    "Beautiful old ivory bracelet, hand carved with flowers, from my grandmother's estate. About 7 cm across and "
    "very heavy. Some small cracks, sold as is. Asking 500 dollars, buyer pays shipping, contact me by message.",
    "Antique carved ivory bangle, elephant tusk, floral pattern, 1930s. Good condition with small cracks. "
    "Price $600 plus shipping. WhatsApp me for photos.",
    "Carved bangle made of real elephant ivory, old piece with flower carving, 6.5 cm inside. Selling for $450, "
    "free shipping worldwide. Message for more pictures and video.",
]
UNRELATED = [
    "Vintage wooden chair in great condition, solid oak, pick up only in Hanoi, price negotiable, message me.",
    "Rhino horn powder 100g, best quality for traditional medicine, WhatsApp for price, fast delivery to Vietnam.",
    "Baby slow loris for sale, very cute and tame, comes with cage and food, hand raised, can ship by van.",
]


def _fp(text: str) -> TextFingerprint:
    fp = text_fingerprint(text)
    assert fp is not None, text
    return fp


@pytest.mark.parametrize("name", list(REPOSTS))
def test_reposts_with_small_edits_match(name: str) -> None:
    similarity = _fp(LISTING).jaccard(_fp(REPOSTS[name]))
    assert similarity >= TEXT_THRESHOLD, (name, similarity)


def test_normalisation_makes_evasions_identical() -> None:
    for name in ("edited price", "added emoji", "1v0ry spelling", "homoglyphs",
                 "spaced letters", "upper case"):
        assert shingles(REPOSTS[name]) == shingles(LISTING), name
        assert _fp(REPOSTS[name]) == _fp(LISTING), name


@pytest.mark.parametrize("other", SAME_TYPE + UNRELATED)
def test_other_listings_do_not_match(other: str) -> None:
    similarity = _fp(LISTING).jaccard(_fp(other))
    assert similarity < TEXT_THRESHOLD / 2, similarity


def test_short_texts_have_no_fingerprint() -> None:
    assert text_fingerprint("Carved ivory bangle for sale, DM for price") is None
    assert text_fingerprint("") is None
    assert text_fingerprint("🐘🐘🐘 💰💰💰 !!! ??? 🐘🐘🐘 💰💰💰 !!! ???") is None
    words = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
    need = MIN_SHINGLES + 2  # k-word shingles: n words give n - 2 of them
    assert text_fingerprint(" ".join(words[: need - 1])) is None
    assert text_fingerprint(" ".join(words[:need])) is not None


def test_scripts_without_spaces_get_fingerprints() -> None:
    chinese = "出售象牙手镯，正品老象牙，包邮，加微信详谈，价格可议，欢迎咨询"
    fp = text_fingerprint(chinese)
    assert fp is not None
    assert _fp(chinese + "🔥").jaccard(fp) == 1.0
    assert _fp("出售犀牛角粉，纯天然，包邮，加微信详谈，价格可议，欢迎咨询").jaccard(fp) < TEXT_THRESHOLD


def test_batch_equals_single() -> None:
    texts = [LISTING, "too short", *SAME_TYPE]
    assert text_fingerprints(texts) == [text_fingerprint(t) for t in texts]


def test_byte_and_base64_forms_round_trip() -> None:
    fp = _fp(LISTING)
    data = fp.to_bytes()
    assert len(data) == 1 + 4 * NUM_PERM and data[0] == 1
    assert TextFingerprint.from_bytes(data) == fp
    assert TextFingerprint.from_base64(fp.to_base64()) == fp
    assert fp.jaccard(TextFingerprint.from_base64(fp.to_base64())) == 1.0


@pytest.mark.parametrize(
    "data",
    [b"", b"\x01" * 10, b"\x02" + bytes(4 * NUM_PERM), b"\x01" + b"\xff" * (4 * NUM_PERM), b"\x01" + bytes(4 * NUM_PERM + 1)],
)
def test_invalid_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(ValueError):
        TextFingerprint.from_bytes(data)


def test_invalid_base64_is_refused() -> None:
    with pytest.raises(ValueError):
        TextFingerprint.from_base64("not base64 !")
    with pytest.raises(ValueError):
        TextFingerprint.from_base64(base64.b64encode(b"\x01" * 20).decode())
    with pytest.raises(ValueError):
        TextFingerprint(b"\x00" * 7)


def test_index_query_add_remove_replace() -> None:
    index = TextIndex()
    ids = [10, 11, 12, 13, 14, 15]
    texts = [LISTING, *SAME_TYPE, *UNRELATED[:2]]
    index.add(ids, [_fp(t) for t in texts])
    assert len(index) == 6 and 10 in index
    for name, repost in REPOSTS.items():
        hits = index.query(_fp(repost))
        assert [signal_id for signal_id, _ in hits] == [10], name
        assert hits[0][1] >= TEXT_THRESHOLD
    exact = index.query(_fp(LISTING))
    assert exact == [(10, 1.0)]
    assert index.query(_fp(UNRELATED[2])) == []
    # an id added again is replaced
    index.add([10], [_fp(UNRELATED[2])])
    assert index.query(_fp(LISTING)) == []
    assert index.query(_fp(UNRELATED[2])) == [(10, 1.0)]
    assert len(index) == 6
    assert index.remove([10, 99]) == 1
    assert index.query(_fp(UNRELATED[2])) == []
    assert len(index) == 5 and 10 not in index


def test_index_orders_by_similarity() -> None:
    index = TextIndex()
    index.add([1, 2, 3], [_fp(REPOSTS["sentence added"]), _fp(LISTING), _fp(REPOSTS["two phrases reworded"])])
    hits = index.query(_fp(LISTING))
    assert hits[0] == (2, 1.0)
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert {i for i, _ in hits} == {1, 2, 3}


def test_index_rejects_bad_input() -> None:
    index = TextIndex()
    with pytest.raises(ValueError):
        index.add([1, 2], [_fp(LISTING)])
    with pytest.raises(TypeError):
        index.add([1], [b"bytes"])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        TextIndex(threshold=0)


def test_fingerprints_are_stable() -> None:
    """Shared fingerprints outlive processes and releases: the seed, the permutation scheme, the hash function,
    the shingling and the engine's normalisation must not change them (if one must, bump FORMAT_VERSION and
    re-fingerprint the shared texts)."""
    assert _fp(LISTING).to_bytes()[:17].hex() == "01d9dbe40466644001b04b4c14cd064601"


def _reference_tokens(normalized: str) -> list[str]:
    """The tokeniser as first written (every token through the general path): the fast paths must agree."""
    from wildwatch.signals.texts import _DIGITS, _NO_SPACE_RUN, _NO_SPACE_SPLIT

    def word(token: str) -> list[str]:
        if not any(ch.isalnum() for ch in token):
            return []
        if not any(ch.isalpha() for ch in token):
            return ["#"]
        return [_DIGITS.sub("#", token)]

    out: list[str] = []
    for token in normalized.split():
        if _NO_SPACE_RUN.search(token):
            for part in _NO_SPACE_SPLIT.split(token):
                if _NO_SPACE_RUN.fullmatch(part):
                    out.extend(part)
                elif part:
                    out.extend(word(part))
        else:
            out.extend(word(token))
    return out


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(list("ab z7 9$½²ßİé象牙ขาย🐘-_.\n\t")), max_size=60)
       | st.text(max_size=60))
def test_the_tokeniser_fast_paths_agree_with_the_general_one(text: str) -> None:
    from wildwatch.signals.texts import _tokens

    assert _tokens(text) == _reference_tokens(text)


@settings(max_examples=200)
@given(st.sets(st.text(min_size=1, max_size=30), min_size=1, max_size=200))
def test_the_bulk_minhash_equals_datasketchs(shingles: set[str]) -> None:
    import numpy as np
    from datasketch import MinHash

    from wildwatch.signals.texts import _TEMPLATE, NUM_PERM, SCHEME, _hashvalues

    reference = MinHash(num_perm=NUM_PERM, permutations=_TEMPLATE.permutations, scheme=SCHEME)
    reference.update_batch([s.encode("utf-8") for s in shingles])
    assert np.array_equal(_hashvalues(shingles), np.asarray(reference.hashvalues, dtype=np.uint32))
