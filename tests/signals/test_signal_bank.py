"""SignalBank: matching a listing's images, text and contacts; removal; no contributor; concurrent reads."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Callable

import pytest
from PIL import Image

from wildwatch.signals.bank import SIGNAL_KINDS, SignalBank, SignalEntry, SignalMatch
from wildwatch.signals.images import ImageHash, hash_image, pdq_to_hex
from wildwatch.signals.texts import text_fingerprint

LISTING = (
    "Genuine antique carved ivory bangle from the 1920s, hand carved elephant tusk with floral pattern, "
    "inner diameter 6 cm, weight 85 g. Excellent condition, no cracks. Price $450, shipping worldwide by "
    "registered post. Message me on WhatsApp for more photos and a video."
)
OTHER = "Vintage wooden chair in great condition, solid oak, pick up only in Hanoi, price negotiable, message me."


def _digest(value: str) -> str:
    return hashlib.sha256(b"test-key:" + value.encode()).hexdigest()  # the hub uses its keyed HMAC


@pytest.fixture(scope="module")
def pictures(photo: Callable[..., Image.Image], encoded: Callable[..., bytes]) -> dict[str, ImageHash]:
    base = photo(11)
    return {
        "removed": hash_image(encoded(base, quality=95)),
        "reposted": hash_image(encoded(base.resize((400, 300), Image.Resampling.LANCZOS), quality=70)),
        "unrelated": hash_image(encoded(photo(12), quality=90)),
        "flat": hash_image(encoded(Image.new("RGB", (300, 300), (240, 240, 240)), "PNG")),
    }


@pytest.fixture()
def bank(pictures: dict[str, ImageHash]) -> SignalBank:
    fingerprint = text_fingerprint(LISTING)
    assert fingerprint is not None
    return SignalBank([
        SignalEntry(1, "image_pdq", pdq_to_hex(pictures["removed"].pdq), "prohibited", members=3),
        SignalEntry(2, "image_sha256", pictures["removed"].sha256, "prohibited"),
        SignalEntry(3, "text_minhash", fingerprint.to_base64(), "prohibited", members=2),
        SignalEntry(4, "contact", _digest("phone:+84912345678"), "restricted"),
        SignalEntry(5, "image_sha256", pictures["flat"].sha256, "cover"),
    ])


def test_the_same_file_matches_by_pdq_and_sha256(bank: SignalBank, pictures: dict[str, ImageHash]) -> None:
    matches = bank.match(images=[pictures["removed"]])
    # equal scores (1.0): the signal more members removed comes first
    assert [(m.signal_id, m.kind) for m in matches] == [(1, "image_pdq"), (2, "image_sha256")]
    assert matches[0].distance == 0 and matches[0].score == 1.0
    assert matches[0].members == 3 and matches[0].category == "prohibited"
    assert matches[1].distance is None and matches[1].similarity is None and matches[1].score == 1.0


def test_a_reencoded_copy_matches_by_pdq_only(bank: SignalBank, pictures: dict[str, ImageHash]) -> None:
    matches = bank.match(images=[pictures["reposted"]])
    assert [m.signal_id for m in matches] == [1]
    assert matches[0].distance is not None and 0 < matches[0].distance <= bank.pdq_radius


def test_unrelated_listing_matches_nothing(bank: SignalBank, pictures: dict[str, ImageHash]) -> None:
    assert bank.match(images=[pictures["unrelated"]], text=OTHER, contact_digests=[_digest("phone:+1")]) == []
    assert bank.match() == []


def test_low_quality_images_match_by_sha256_only(bank: SignalBank, pictures: dict[str, ImageHash]) -> None:
    flat = pictures["flat"]
    assert not flat.usable
    bank.add([SignalEntry(6, "image_pdq", pdq_to_hex(flat.pdq), "cover")])
    assert [m.signal_id for m in bank.match(images=[flat])] == [5]


def test_text_and_contact_matches(bank: SignalBank) -> None:
    repost = LISTING.replace("ivory", "1v0ry").replace("$450", "$380") + " 🔥🔥"
    matches = bank.match(text=repost, contact_digests=[_digest("phone:+84912345678")])
    assert [(m.signal_id, m.kind) for m in matches] == [(3, "text_minhash"), (4, "contact")]
    assert matches[0].similarity == 1.0 and matches[0].members == 2
    fingerprint = text_fingerprint(repost)
    assert fingerprint is not None
    assert [m.signal_id for m in bank.match(text=fingerprint)] == [3]
    assert bank.match(text="ivory bangle") == []  # too short to fingerprint


def test_one_match_per_signal_strongest_first(bank: SignalBank, pictures: dict[str, ImageHash]) -> None:
    matches = bank.match(images=[pictures["reposted"], pictures["removed"], pictures["reposted"]], text=LISTING)
    ids = [m.signal_id for m in matches]
    assert sorted(ids) == [1, 2, 3] and len(ids) == len(set(ids))
    pdq = next(m for m in matches if m.signal_id == 1)
    assert pdq.distance == 0  # the closest of the three images
    scores = [m.score for m in matches]
    assert scores == sorted(scores, reverse=True)


def test_ties_rank_by_members(bank: SignalBank) -> None:
    digest = _digest("email:bob@example.org")
    bank.add([SignalEntry(20, "contact", digest, "restricted", members=1),
              SignalEntry(21, "contact", digest, "prohibited", members=4)])
    assert [m.signal_id for m in bank.match(contact_digests=[digest])] == [21, 20]


def test_removed_signals_no_longer_match(bank: SignalBank, pictures: dict[str, ImageHash]) -> None:
    assert bank.remove([1, 3, 4, 999]) == 3
    assert len(bank) == 2 and 1 not in bank and 2 in bank
    assert [m.signal_id for m in bank.match(images=[pictures["removed"]], text=LISTING,
                                            contact_digests=[_digest("phone:+84912345678")])] == [2]
    assert bank.match(images=[pictures["reposted"]]) == []
    assert bank.remove([2]) == 1
    assert bank.match(images=[pictures["removed"]]) == []


def test_adding_an_id_again_replaces_it(bank: SignalBank, pictures: dict[str, ImageHash]) -> None:
    bank.add([SignalEntry(1, "image_pdq", pdq_to_hex(pictures["unrelated"].pdq), "restricted")])
    assert [m.signal_id for m in bank.match(images=[pictures["reposted"]])] == []
    found = bank.match(images=[pictures["unrelated"]])
    assert [(m.signal_id, m.category, m.members) for m in found] == [(1, "restricted", 1)]
    assert bank.counts() == {"image_pdq": 1, "image_sha256": 2, "text_minhash": 1, "contact": 1}


def test_a_match_never_carries_a_contributor(bank: SignalBank, pictures: dict[str, ImageHash]) -> None:
    names = {f.name for f in dataclasses.fields(SignalMatch)}
    assert names == {"signal_id", "kind", "category", "members", "distance", "similarity"}
    assert {f.name for f in dataclasses.fields(SignalEntry)} == {"signal_id", "kind", "value", "category", "members"}
    with pytest.raises(TypeError):
        SignalEntry(7, "contact", "x", "prohibited", 1, contributor="org-1")  # type: ignore[call-arg]
    match = bank.match(images=[pictures["removed"]])[0]
    assert not hasattr(match, "__dict__")  # slots: nothing can be attached to a match


@pytest.mark.parametrize(
    "entry",
    [
        SignalEntry(1, "image_pdq", "ab" * 31, "prohibited"),
        SignalEntry(1, "image_pdq", "zz" * 32, "prohibited"),
        SignalEntry(1, "image_sha256", "ab" * 31, "prohibited"),
        SignalEntry(1, "text_minhash", "AAAA", "prohibited"),
        SignalEntry(1, "contact", "", "prohibited"),
        SignalEntry(1, "contact", " padded ", "prohibited"),
        SignalEntry(1, "audio", "x", "prohibited"),  # type: ignore[arg-type]
        SignalEntry(1, "contact", "x", "banned"),  # type: ignore[arg-type]
        SignalEntry(1, "contact", "x", "prohibited", members=0),
    ],
)
def test_invalid_entries_are_refused_and_change_nothing(entry: SignalEntry, bank: SignalBank) -> None:
    before = bank.counts()
    with pytest.raises(ValueError, match="signal 1"):
        bank.add([SignalEntry(30, "contact", "fine", "prohibited"), entry])
    assert bank.counts() == before and 30 not in bank


def test_duplicate_ids_in_one_add_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        SignalBank([SignalEntry(1, "contact", "a", "prohibited"), SignalEntry(1, "contact", "b", "prohibited")])


def test_kinds() -> None:
    assert SIGNAL_KINDS == ("image_pdq", "image_sha256", "text_minhash", "contact")
    assert SignalBank().counts() == dict.fromkeys(SIGNAL_KINDS, 0)


def test_concurrent_matches_during_writes(pictures: dict[str, ImageHash]) -> None:
    """Readers keep finding the signals no writer touches, and never fail, while a writer adds and removes."""
    fingerprint = text_fingerprint(LISTING)
    assert fingerprint is not None
    bank = SignalBank([
        SignalEntry(1, "image_pdq", pdq_to_hex(pictures["removed"].pdq), "prohibited"),
        SignalEntry(2, "text_minhash", fingerprint.to_base64(), "prohibited"),
        SignalEntry(3, "contact", "digest-3", "prohibited"),
    ])
    errors: list[BaseException] = []
    done = threading.Event()

    def writer() -> None:
        try:
            for round_ in range(150):
                base = 1000 + 10 * round_
                bank.add([SignalEntry(base, "contact", "digest-3", "restricted"),
                          SignalEntry(base + 1, "image_pdq", f"{round_:064x}", "restricted"),
                          SignalEntry(base + 2, "text_minhash", fingerprint.to_base64(), "restricted")])
                if round_ % 2:
                    bank.remove([base - 10, base - 9, base - 8])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            done.set()

    def reader() -> None:
        try:
            while not done.is_set():
                found = {m.signal_id for m in bank.match(images=[pictures["reposted"]], text=LISTING,
                                                         contact_digests=["digest-3"])}
                assert {1, 2, 3} <= found
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(bank) == 3 + 3 * 75
