from __future__ import annotations

import pytest

from wildwatch.detect.contacts import PHONE_REGION_ENV, normalize_email, normalize_handle, normalize_phone


@pytest.fixture(autouse=True)
def _no_region_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PHONE_REGION_ENV, raising=False)


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+84 912 345 678", None, "+84912345678"),  # VN
        ("0912 345 678", "VN", "+84912345678"),
        ("0912.345.678", "vn", "+84912345678"),
        ("+62 812-3456-7890", None, "+6281234567890"),  # ID
        ("0812 3456 789", "ID", "+628123456789"),
        ("+66 81 234 5678", None, "+66812345678"),  # TH
        ("081-234-5678", "TH", "+66812345678"),
        ("+86 138 0013 8000", None, "+8613800138000"),  # CN
        ("138-0013-8000", "CN", "+8613800138000"),
        ("06 12 34 56 78", "FR", "+33612345678"),  # FR
        ("+33 (0)6 12 34 56 78", None, "+33612345678"),
        ("(650) 253-0000", "US", "+16502530000"),  # US
        ("+1 650 253 0000", None, "+16502530000"),
        ("0712 345678", "KE", "+254712345678"),  # KE
        ("00254 712 345 678", None, "+254712345678"),
        ("tel:+84912345678", None, "+84912345678"),
    ],
)
def test_phone_valid(raw: str, region: str | None, expected: str) -> None:
    assert normalize_phone(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("0912 345 678", None),  # national number, region unknown
        ("12345", "VN"),
        ("+84 12", None),
        ("not a phone", "FR"),
        ("", "US"),
        ("+1 555 000 0000", None),
    ],
)
def test_phone_invalid(raw: str, region: str | None) -> None:
    assert normalize_phone(raw, region) is None


def test_phone_region_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert normalize_phone("0912 345 678") is None
    monkeypatch.setenv(PHONE_REGION_ENV, "VN")  # read at call time
    assert normalize_phone("0912 345 678") == "+84912345678"
    assert normalize_phone("06 12 34 56 78", "FR") == "+33612345678"  # an explicit region wins


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Seller@Example.COM ", "seller@example.com"),
        ("mailto:seller@example.com?subject=ivory", "seller@example.com"),
        ("<seller@example.com>", "seller@example.com"),
        ("Ban.Nga+shop@GoogleMail.com", "bannga@gmail.com"),
        ("b.a.n.n.g.a@gmail.com", "bannga@gmail.com"),
        ("seller+ivory@example.org", "seller@example.org"),
        ("first.last@example.org", "first.last@example.org"),  # dots only matter to Gmail
        ("shop@Bücher.de", "shop@xn--bcher-kva.de"),
    ],
)
def test_email(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


def test_email_keeps_tags_when_asked() -> None:
    assert normalize_email("seller+ivory@example.org", strip_tags=False) == "seller+ivory@example.org"
    assert normalize_email("seller+ivory@gmail.com", strip_tags=False) == "seller@gmail.com"


@pytest.mark.parametrize(
    "raw", ["", "seller", "seller@", "@example.com", "a@b", "a b@example.com", "a..b@example.com", "+tag@example.com"]
)
def test_email_invalid(raw: str) -> None:
    assert normalize_email(raw) is None


@pytest.mark.parametrize(
    ("raw", "platform", "region", "expected"),
    [
        ("https://wa.me/84912345678", None, None, "whatsapp:+84912345678"),
        ("wa.me/+6281234567890?text=halo", None, None, "whatsapp:+6281234567890"),
        ("https://api.whatsapp.com/send?phone=254712345678", None, None, "whatsapp:+254712345678"),
        ("whatsapp:+66 81 234 5678", None, None, "whatsapp:+66812345678"),
        ("0812 3456 789", "whatsapp", "ID", "whatsapp:+628123456789"),
        ("0812 3456 789", "WA", "ID", "whatsapp:+628123456789"),
        ("https://t.me/Ivory_Shop", None, None, "telegram:ivory_shop"),
        ("t.me/s/IvoryShop/123", None, None, "telegram:ivoryshop"),
        ("tg://resolve?domain=IvoryShop", None, None, "telegram:ivoryshop"),
        ("@IvoryShop", "telegram", None, "telegram:ivoryshop"),
        ("tg: @IvoryShop", None, None, "telegram:ivoryshop"),
        ("wechat:Ivory_88", None, None, "wechat:ivory_88"),
        ("微信号：Ivory_88", None, None, "wechat:ivory_88"),
        ("Ivory_88", "weixin", None, "wechat:ivory_88"),
        ("line:ThaiAmulet", None, None, "line:thaiamulet"),
        ("LINE ID: thai.amulet", None, None, "line:thai.amulet"),
        ("@shop123", "line", None, "line:@shop123"),
        ("https://line.me/ti/p/~thai.amulet", None, None, "line:thai.amulet"),
        ("https://line.me/R/ti/p/@shop123", None, None, "line:@shop123"),
        ("zalo: 0912 345 678", None, None, "zalo:+84912345678"),
        ("https://zalo.me/0912345678", None, None, "zalo:+84912345678"),
        ("https://www.instagram.com/Exotic.Pets_VN/", None, None, "instagram:exotic.pets_vn"),
        ("instagram.com/stories/exotic.pets/123", None, None, "instagram:exotic.pets"),
        ("@Exotic.Pets", "ig", None, "instagram:exotic.pets"),
        ("https://m.facebook.com/John.Smith.99?ref=bookmarks", None, None, "facebook:johnsmith99"),
        ("https://www.facebook.com/profile.php?id=100012345678901", None, None, "facebook:100012345678901"),
        ("https://m.me/ivory.trader", None, None, "facebook:ivorytrader"),
        ("https://www.tiktok.com/@Seller.One/video/7234567890123456789", None, None, "tiktok:seller.one"),
        ("@Seller.One", "tiktok", None, "tiktok:seller.one"),
        ("@Some_Seller", None, None, "@some_seller"),
    ],
)
def test_handle(raw: str, platform: str | None, region: str | None, expected: str) -> None:
    assert normalize_handle(raw, platform, region) == expected


@pytest.mark.parametrize(
    ("raw", "platform"),
    [
        ("https://t.me/joinchat/AbCdEf", None),  # invite links are not accounts
        ("https://t.me/+AbCdEf", None),
        ("https://www.instagram.com/p/Cxyz123/", None),
        ("https://www.facebook.com/marketplace/item/1234", None),
        ("https://example.com/someone", None),
        ("0912 345 678", "whatsapp"),  # no region for a national number
        ("ab", "telegram"),
        ("some one", "instagram"),
        ("no handle here", None),
        ("Ivory_88", None),
    ],
)
def test_handle_invalid(raw: str, platform: str | None) -> None:
    assert normalize_handle(raw, platform) is None


def test_handle_region_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PHONE_REGION_ENV, "KE")
    assert normalize_handle("0712 345678", "whatsapp") == "whatsapp:+254712345678"


def test_unknown_platform() -> None:
    with pytest.raises(ValueError, match="unknown messaging platform 'myspace'"):
        normalize_handle("someone", "myspace")
