"""Contact values for signals: one value per real contact, however it is written."""

from __future__ import annotations

import pytest

from wildwatch.signals.contacts import contact_value, contact_values, payment_values

PHONE = ("phone", "+84912345678")
SPELLINGS = ["+84 912 345 678", "0912.345.678", "84912345678", "wa.me/84912345678", "zalo: 0912 345 678"]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_each_spelling_of_a_number_gives_the_phone(spelling: str) -> None:
    assert contact_values(texts=[spelling], region="VN") == {PHONE}
    assert contact_values(contacts=[spelling], region="VN") == {PHONE}


def test_five_spellings_give_one_value() -> None:
    assert contact_values(texts=SPELLINGS, region="VN") == {PHONE}
    assert contact_values(contacts=SPELLINGS, region="VN") == {PHONE}
    listing = "Ngà voi thật. Call +84 912 345 678, WhatsApp wa.me/84912345678, Zalo: 0912 345 678, or 0912.345.678"
    assert contact_values(texts=[listing], region="VN") == {PHONE}


def test_numbers_without_a_country_code_need_a_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WILDWATCH_PHONE_REGION", raising=False)
    assert contact_values(texts=["0912.345.678"]) == set()
    assert contact_values(texts=["+84 912 345 678"]) == {PHONE}
    assert contact_values(texts=["zalo: 0912 345 678"]) == {PHONE}  # Zalo numbers default to Vietnam
    monkeypatch.setenv("WILDWATCH_PHONE_REGION", "VN")
    assert contact_values(texts=["0912.345.678"]) == {PHONE}


def test_email_case_dots_and_tags() -> None:
    expected = {("email", "bobseller@gmail.com")}
    for written in ["Bob.Seller@GMAIL.com", "bobseller+ivory@gmail.com", "BOBSELLER@googlemail.com",
                    "mailto:Bob.Seller@gmail.com"]:
        assert contact_values(contacts=[written]) == expected, written
    assert contact_values(texts=["write to Bob.Seller+shop@GoogleMail.com today"]) == expected
    assert contact_values(contacts=["Ivory.Trader@Example.ORG"]) == {("email", "ivory.trader@example.org")}


def test_messaging_handles() -> None:
    telegram = {("handle", "telegram:ivory_shop")}
    for written in ["t.me/Ivory_Shop", "https://telegram.me/ivory_shop", "telegram:@Ivory_Shop", "tg: ivory_shop"]:
        assert contact_values(contacts=[written]) == telegram, written
    assert contact_values(texts=["DM on tg: @Ivory_Shop", "or t.me/ivory_shop"]) == telegram
    assert contact_values(texts=["加微信: ivory888"]) == {("handle", "wechat:ivory888")}
    assert contact_values(texts=["WeChat ID: Ivory888"]) == {("handle", "wechat:ivory888")}
    assert contact_values(texts=["LINE id: ivoryshop"]) == {("handle", "line:ivoryshop")}
    assert contact_values(contacts=["@IvoryShop"]) == {("handle", "@ivoryshop")}


def test_whatsapp_and_zalo_accounts_are_phone_numbers() -> None:
    assert contact_values(texts=["WhatsApp +84 912 345 678"]) == {PHONE}
    assert contact_values(contacts=["https://api.whatsapp.com/send?phone=84912345678"]) == {PHONE}
    assert contact_values(contacts=["zalo.me/0912345678"]) == {PHONE}
    assert contact_value("whatsapp:+84912345678") == PHONE


def test_payment_handles() -> None:
    paypal = {("payment", "paypal:ivoryshop")}
    for written in ["paypal.me/IvoryShop", "https://www.paypal.com/paypalme/ivoryshop", "paypal:IvoryShop"]:
        assert contact_values(contacts=[written]) == paypal, written
    assert contact_values(texts=["pay at https://paypal.me/IvoryShop thanks"]) == paypal

    venmo = {("payment", "venmo:ivory-shop")}
    for text in ["Venmo @Ivory-Shop", "venmo: ivory-shop", "venmo.com/u/Ivory-Shop"]:
        assert contact_values(texts=[text]) == venmo, text  # not also a bare "@ivory" mention
    assert contact_values(contacts=["venmo:@Ivory-Shop"]) == venmo

    cashapp = {("payment", "cashapp:ivoryshop")}
    for text in ["Cash App $IvoryShop", "cashapp: IvoryShop", "https://cash.app/$ivoryshop"]:
        assert contact_values(texts=[text]) == cashapp, text
    assert contact_values(contacts=["$IvoryShop"]) == cashapp


def test_payment_accounts_that_are_emails_or_numbers_are_those() -> None:
    assert contact_values(texts=["PayPal: Bob.Seller@gmail.com"]) == {("email", "bobseller@gmail.com")}
    assert contact_values(contacts=["paypal: bob.seller@gmail.com"]) == {("email", "bobseller@gmail.com")}
    china = ("phone", "+8613800138000")
    assert contact_values(texts=["Alipay: 138 0013 8000"]) == {china}  # Alipay numbers default to China
    assert contact_values(texts=["支付宝 13800138000"]) == {china}
    assert contact_values(contacts=["alipay:+86 138 0013 8000"]) == {china}
    assert contact_values(texts=["WeChat Pay: Ivory888"]) == {("handle", "wechat:ivory888")}
    assert contact_values(contacts=["微信支付: ivory888"]) == {("handle", "wechat:ivory888")}


def test_prices_and_plain_words_are_not_contacts() -> None:
    text = "Price $450 or best offer. PayPal accepted, Venmo too, cash app ok. Size 6.5 cm, 1920s."
    assert payment_values(text) == set()
    assert contact_values(texts=[text]) == set()
    assert contact_value("") is None
    assert contact_value("not a contact") is None
    assert contact_value("skype:someone") is None


def test_texts_and_fields_combine() -> None:
    found = contact_values(
        texts=["Real ivory, WhatsApp +84 912 345 678 or paypal.me/IvoryShop"],
        contacts=["Bob.Seller@gmail.com", "t.me/ivory_shop", "0912 345 678"],
        region="VN",
    )
    assert found == {PHONE, ("payment", "paypal:ivoryshop"), ("email", "bobseller@gmail.com"),
                     ("handle", "telegram:ivory_shop")}
