from __future__ import annotations

import pytest

from wildwatch.detect.contacts import PHONE_REGION_ENV, Contact, extract_contacts


@pytest.fixture(autouse=True)
def _no_region_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PHONE_REGION_ENV, raising=False)


def values(text: str, region: str | None = None) -> set[tuple[str, str]]:
    return {(contact.kind, contact.value) for contact in extract_contacts(text, region)}


def test_offsets_point_at_the_value() -> None:
    text = "Bán ngà voi, liên hệ Zalo 0912 345 678 hoặc email: Ban.Nga+shop@GoogleMail.com"
    contacts = extract_contacts(text)
    assert contacts == [
        Contact("handle", "zalo:+84912345678", 26, 38),
        Contact("phone", "+84912345678", 26, 38),
        Contact("email", "bannga@gmail.com", 51, 78),
    ]
    assert text[26:38] == "0912 345 678"
    assert text[51:78] == "Ban.Nga+shop@GoogleMail.com"


def test_vietnam() -> None:
    text = "Sừng tê giác thật 100%. ĐT 0912.345.678, zalo: 0987 654 321, fb: ngoc.trader.vn"
    assert values(text, "VN") == {
        ("phone", "+84912345678"),
        ("phone", "+84987654321"),
        ("handle", "zalo:+84987654321"),
        ("handle", "facebook:ngoctradervn"),
    }


def test_indonesia() -> None:
    text = "Jual sisik trenggiling, WA: +62 812-3456-7890, IG @Sisik_Trenggiling. t.me/JualSisik"
    assert values(text) == {
        ("handle", "whatsapp:+6281234567890"),
        ("phone", "+6281234567890"),
        ("handle", "instagram:sisik_trenggiling"),
        ("handle", "telegram:jualsisik"),
    }


def test_indonesia_national_number_with_region() -> None:
    assert values("minat hub WA 0812 3456 789", "ID") == {
        ("handle", "whatsapp:+628123456789"),
        ("phone", "+628123456789"),
    }
    assert values("minat hub WA 0812 3456 789") == set()  # no region: a national number is not a contact


def test_thailand() -> None:
    text = "ขายงาช้างแท้ ไลน์: @ivoryth โทร 081 234 5678 หรือ line id: amulet.shop"
    assert values(text, "TH") == {
        ("handle", "line:@ivoryth"),
        ("phone", "+66812345678"),
        ("handle", "line:amulet.shop"),
    }


def test_china() -> None:
    text = "出售象牙手镯，微信号：ivory_shop88，加V信Ivory_Two，电话 +86 138 0013 8000"
    assert values(text) == {
        ("handle", "wechat:ivory_shop88"),
        ("handle", "wechat:ivory_two"),
        ("phone", "+8613800138000"),
    }


def test_france() -> None:
    text = "Défense d'éléphant à vendre, appelez le 06 12 34 56 78 ou tg: @ivoire_paris. vendeur@exemple.fr"
    assert values(text, "FR") == {
        ("phone", "+33612345678"),
        ("handle", "telegram:ivoire_paris"),
        ("email", "vendeur@exemple.fr"),
    }


def test_united_states() -> None:
    text = "Real tortoise shell comb. Call (650) 253-0000 or WhatsApp +1 650 253 0001; tiktok.com/@Shell.Seller"
    assert values(text, "US") == {
        ("phone", "+16502530000"),
        ("phone", "+16502530001"),
        ("handle", "whatsapp:+16502530001"),
        ("handle", "tiktok:shell.seller"),
    }


def test_kenya() -> None:
    text = "Contact whatsapp 0712 345678 or wa.me/254712345679 or https://www.facebook.com/john.smith.99?ref=x"
    assert values(text, "KE") == {
        ("handle", "whatsapp:+254712345678"),
        ("phone", "+254712345678"),
        ("handle", "whatsapp:+254712345679"),
        ("handle", "facebook:johnsmith99"),
    }


def test_region_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PHONE_REGION_ENV, "KE")
    assert values("call 0712 345678") == {("phone", "+254712345678")}


def test_digits_in_emails_and_links_are_not_phones() -> None:
    text = "mail 0912345678@gmail.com or wa.me/84912345678"
    assert values(text, "VN") == {("email", "0912345678@gmail.com"), ("handle", "whatsapp:+84912345678")}


def test_bare_mentions_and_emails() -> None:
    text = "DM @Rare_Pets or write to rare@pets.example.com (not @ pets)"
    assert values(text) == {("handle", "@rare_pets"), ("email", "rare@pets.example.com")}


def test_weak_cues_need_a_separator() -> None:
    assert values("the line between them, the wechat group, telegram channel") == set()
    assert values("bottom line 5 pieces") == set()


def test_nothing_found() -> None:
    assert extract_contacts("") == []
    assert extract_contacts("Beautiful carved bovine bone bangle, 12 cm, 45 g") == []


def test_sorted_and_deduplicated() -> None:
    contacts = extract_contacts("WA +84 912 345 678, WA +84 912 345 678")
    assert [c.start for c in contacts] == sorted(c.start for c in contacts)
    assert len(contacts) == len(set(contacts)) == 4
