"""``/api/v1/signals`` and the signals in ``check`` and ``decisions``: a removal on one platform is recognised on
the next, by its images, its text or its seller's contacts, without naming who removed it; and the error paths."""

from __future__ import annotations

import base64
import io
import random
from typing import Any

import pytest
from api_helpers import error_of, get, post
from PIL import Image, ImageDraw

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.signals import matching
from wildwatch.hub.signals import services as signals
from wildwatch.hub.signals.models import Kind, Signal

pytestmark = pytest.mark.django_db

LISTING = ("Genuine rhino horn bracelet carved by hand, very old family piece from grandfather, "
           "price negotiable, shipping worldwide from Hanoi, contact me on WhatsApp for photos")


def photo(seed: int, size: tuple[int, int] = (480, 360), quality: int = 90, scale: float = 1.0) -> str:
    """A deterministic photo-like JPEG (gradient, shapes, noise) in base64."""
    rng = random.Random(seed)
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(size[1]):
        draw.line([(0, y), (size[0], y)], fill=(rng.randint(0, 60) + y // 3, 80, 200 - y // 3))
    for _ in range(12):
        x, y = rng.randint(0, size[0] - 60), rng.randint(0, size[1] - 60)
        draw.ellipse([x, y, x + rng.randint(20, 120), y + rng.randint(20, 120)],
                     fill=(rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255)))
    if scale != 1.0:
        image = image.resize((int(size[0] * scale), int(size[1] * scale)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


@pytest.fixture
def two(db: Any) -> dict[str, Any]:
    """Two member companies sharing signals, each with an engineer's key; a third that does not share."""
    out: dict[str, Any] = {}
    for slug, sharing in (("sa-first", True), ("sa-next", True), ("sa-off", False)):
        org = accounts.create_organisation(slug, slug.title(), "member")
        accounts.add_platform(org, f"{slug}-shop", "Shop", "ecommerce", ["VN"], domains=[f"{slug}.example"])
        if sharing:
            signals.set_sharing(org, True)
        out[slug] = accounts.create_api_key(slug, role="engineer")[1]
        out[f"{slug}-org"] = org
    matching.forget()
    return out


def remove(key: str, **content: Any) -> dict[str, Any]:
    response = post("/api/v1/decisions", {"id": "l-1", "verdict_taken": "removed_listing", "policy": "prohibited",
                                          "content": content}, key)
    assert response.status_code == 200, response.content
    return response.json()


def check(key: str, **item: Any) -> dict[str, Any]:
    response = post("/api/v1/check", {"id": "x", "text": "Vintage bracelet", **item}, key)
    assert response.status_code == 200, response.content
    return response.json()


def shared(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [h for h in answer["hits"] if h["kind"] == "shared_signal"]


def test_a_removed_image_is_recognised_on_the_next_platform_even_re_encoded(two: dict[str, Any]) -> None:
    answer = remove(two["sa-first"], images=[photo(1)])
    assert answer["signals"] == 2  # the perceptual hash and the exact one
    assert check(two["sa-next"])["verdict"] == "allow"
    matched = check(two["sa-next"], images=[photo(1, quality=60, scale=0.6)])
    [hit] = shared(matched)
    assert (hit["signal_kind"], hit["category"], hit["members"]) == ("image", "prohibited", 1)
    assert matched["verdict"] in ("review", "block") and "sa-first" not in str(matched).lower()
    same = check(two["sa-next"], images=[photo(1)])
    assert same["verdict"] == "block" and all(h["exact"] for h in shared(same))
    assert shared(check(two["sa-next"], images=[photo(2)])) == []  # another picture


def test_seller_contacts_match_on_the_hub_whatever_their_spelling(two: dict[str, Any]) -> None:
    remove(two["sa-first"], contacts=["+84 912 345 678"])
    for spelling in ("0912.345.678", "84912345678", "wa.me/84912345678", "zalo: 0912 345 678"):
        answer = check(two["sa-next"], seller={"id": "s", "contacts": [spelling]})
        assert [h["signal_kind"] for h in shared(answer)] == ["contact"], spelling
        assert answer["verdict"] == "block"
    in_text = check(two["sa-next"], text="Bracelet, zalo 0912 345 678")
    assert [h["signal_kind"] for h in shared(in_text)] == ["contact"]


def test_a_near_duplicate_text_goes_to_review(two: dict[str, Any]) -> None:
    remove(two["sa-first"], text=LISTING)
    edited = LISTING.replace("negotiable", "negotiable!!") + " 🦏"
    answer = check(two["sa-next"], text=edited)
    assert [h["signal_kind"] for h in shared(answer)] == ["text"] and answer["verdict"] != "allow"


def test_pulls_carry_images_and_texts_never_contacts_and_are_audited(two: dict[str, Any]) -> None:
    remove(two["sa-first"], images=[photo(3)], text=LISTING, contacts=["+84 912 345 678"])
    page = get("/api/v1/signals?since=0", two["sa-next"]).json()
    assert sorted(s["kind"] for s in page["signals"]) == sorted([Kind.IMAGE_PDQ, Kind.IMAGE_SHA256, Kind.TEXT])
    assert all(s["members"] == 1 and "contributor" not in s for s in page["signals"])
    assert get(f"/api/v1/signals?since={page['next']}", two["sa-next"]).json()["signals"] == []
    assert AuditEntry.objects.filter(action="signals.pull").count() == 2
    error_of(get("/api/v1/signals?since=0", two["sa-off"]), 403, "sharing_disabled")
    error_of(get("/api/v1/signals?since=-4", two["sa-next"]), 422)
    error_of(get("/api/v1/signals?since=abc", two["sa-next"]), 422)


def test_contribute_retract_and_give_opinions(two: dict[str, Any]) -> None:
    made = post("/api/v1/signals", {"category": "prohibited", "text": LISTING, "item_id": "l-9"}, two["sa-first"])
    assert made.status_code == 200
    [signal] = made.json()["signals"]
    matched = check(two["sa-next"], text=LISTING)
    assert shared(matched)[0]["signal_id"] == signal["id"]
    opinion = post(f"/api/v1/signals/{signal['id']}/opinion", {"opinion": "confirm"}, two["sa-next"])
    assert opinion.status_code == 200 and opinion.json()["status"] == "active"
    error_of(post(f"/api/v1/signals/{signal['id']}/opinion", {"opinion": "meh"}, two["sa-next"]), 422)
    error_of(post("/api/v1/signals/999999/opinion", {"opinion": "dispute"}, two["sa-next"]), 404, "not_found")
    error_of(post(f"/api/v1/signals/{signal['id']}/retract", {}, two["sa-next"]), 404, "not_found")  # not theirs
    retracted = post(f"/api/v1/signals/{signal['id']}/retract", {}, two["sa-first"])
    assert retracted.status_code == 200 and retracted.json()["matching"] is False
    assert shared(check(two["sa-next"], text=LISTING)) == []  # a retracted signal no longer matches


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"category": "prohibited"}, 422, None),
    ({"category": "illegal", "text": LISTING}, 422, None),
    ({"category": "prohibited", "images": ["not base64!"]}, 422, None),
    ({"category": "prohibited", "images": [base64.b64encode(b"not an image").decode()]}, 422, "nothing_to_share"),
    ({"category": "prohibited", "image_urls": ["http://127.0.0.1/x.jpg"]}, 422, "nothing_to_share"),
    ({"category": "prohibited", "text": "ivory"}, 422, "nothing_to_share"),  # too short to fingerprint
    ({"category": "prohibited", "text": LISTING, "expires_at": "2001-01-01T00:00:00Z"}, 422, "invalid_expiry"),
])
def test_bad_contributions_are_refused_and_store_nothing(two: dict[str, Any], body: dict[str, Any], status: int,
                                                         code: str | None) -> None:
    error = error_of(post("/api/v1/signals", body, two["sa-first"]), status, code)
    assert error["message"]
    assert Signal.objects.count() == 0


def test_members_without_sharing_neither_contribute_nor_match(two: dict[str, Any]) -> None:
    error_of(post("/api/v1/signals", {"category": "prohibited", "text": LISTING}, two["sa-off"]), 403,
             "sharing_disabled")
    skipped = remove(two["sa-off"], text=LISTING)
    assert skipped["signals"] == 0 and "not enabled" in skipped["signals_skipped"][0]
    remove(two["sa-first"], text=LISTING)
    assert shared(check(two["sa-off"], text=LISTING)) == []


def test_image_urls_are_fetched_only_from_allow_listed_hosts(two: dict[str, Any], settings: Any) -> None:
    settings.WILDWATCH_SIGNAL_IMAGE_HOSTS = ["cdn.sa-first.example"]
    answer = remove(two["sa-first"], image_urls=["https://169.254.169.254/latest/meta-data",
                                                 "http://cdn.sa-first.example/a.jpg"], text=LISTING)
    problems = " ".join(answer["signals_skipped"])
    assert "not an allow-listed image host" in problems and "only https" in problems
    assert answer["signals"] == 1  # the text


def test_deconflict_answers_the_seller_contacts_matches(two: dict[str, Any]) -> None:
    remove(two["sa-first"], contacts=["wechat: tusk88"])
    answer = post("/api/v1/deconflict", {"url": "https://sa-next.example/item/4",
                                         "seller": {"contacts": ["WeChat:Tusk88"]}}, two["sa-next"])
    assert answer.status_code == 200, answer.content
    [match] = answer.json()["shared_signals"]
    assert (match["signal_kind"], match["members"], match["exact"]) == ("contact", 1, True)
    assert answer.json()["hold"] is False
    quiet = post("/api/v1/deconflict", {"url": "https://sa-off.example/item/4",
                                        "seller": {"contacts": ["WeChat:Tusk88"]}}, two["sa-off"])
    assert quiet.json()["shared_signals"] == []  # a member that does not share learns nothing
