"""The one-pass guards of contact extraction (detect.contacts) and of payment contacts (signals.contacts) skip
patterns that cannot match: with them or without them, every text gives the same contacts. Checked on generated
texts full of cues, contacts and near misses, and on real listings (the shared evaluation sets)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wildwatch.detect import contacts as detect_contacts
from wildwatch.detect.contacts import extract_contacts
from wildwatch.signals import contacts as signal_contacts
from wildwatch.signals.contacts import contact_values

FRAGMENTS = [
    "WhatsApp +84 912 345 678", "wa 0912345678", "WA: 912 345 678", "zalo 0912 345 678", "Zl 0987654321",
    "tg @ivory_dealer", "Telegram: tusk_seller", "tele id rhino88", "WeChat: wx_horn", "vx horn_shop", "微信：hornshop",
    "微信支付 hornpay88", "line id scales99", "ไลน์ pangolin77", "IG @carved.tusk", "fb: antiques.shop",
    "tiktok @tusks", "tik tok: tusks2", "PayPal: seller@example.org", "paypal.me/tuskshop", "venmo @tusk-seller",
    "venmo.com/u/tusk_seller", "cash app $tusky", "cash.app/$hornshop", "alipay: 13812345678", "支付宝 13812345678",
    "wechat pay: wxpay_88", "weixin pay 13812345678", "mail me: dealer@tusks.example", "https://wa.me/84912345678",
    "t.me/ivory_dealer", "instagram.com/carved.tusk", "tg://resolve?domain=ivorydealer", "@bare_mention",
    "email@", "a/b", "price $450", "call 555-0100", "+44 20 7946 0958", "water", "big", "line of ivory", "Wa",
    "PAYPAL", "caſh app $x", "ＷＡ 0912345678", "carved ivory bangle", "old stock", "DM for price", "2 kg", "象牙",
    "ขายงาช้าง", "Ölfarbe", "İstanbul", "\n", " ", ":", "@", "/", "—",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=12), min_size=1, max_size=12).map(" ".join),
       st.sampled_from([None, "VN", "US", "CN"]))
def test_the_guards_change_nothing_on_generated_texts(text: str, region: str | None) -> None:
    assert _both_ways(text, region)


def test_the_guards_change_nothing_on_real_listings(shared: Path) -> None:
    texts: list[str] = []
    for path, columns in (("eval/wlt-osn/share_data.csv", ["tweet_text_cleaned", "user_description_cleaned"]),
                          ("eval/lts/validation_sharks.csv", ["title", "description"])):
        with (shared / path).open(encoding="utf-8", newline="") as f:
            for n, row in enumerate(csv.DictReader(f)):
                if n >= 600:
                    break
                texts.append(" ".join(row.get(c) or "" for c in columns))
    found = 0
    for text in texts:
        assert _both_ways(text, None), text[:200]
        found += bool(contact_values(texts=[text]))
    assert found > 0  # the sets do hold contacts: the comparison is not only of empty results


def _both_ways(text: str, region: str | None) -> bool:
    guarded = (extract_contacts(text, region), contact_values(texts=[text], region=region))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(detect_contacts, "_GUARDS", False)
        patch.setattr(signal_contacts, "_GUARDS", False)
        unguarded = (extract_contacts(text, region), contact_values(texts=[text], region=region))
    return guarded == unguarded
