"""Golden decisions of the starter library, in 17 languages: whole listings in, verdicts out."""

from __future__ import annotations

import pytest

from wildwatch.detect.engine import Detector

CASES = [
    ("en", "Carved elephant ivory bangle, DM for price", "block"),
    ("en", "Ivory lace wedding dress, size 10", "allow"),
    ("en", "Rhino horn cup, antique, serious buyers only", "block"),
    ("en", "Tiger Balm ointment 30g", "allow"),
    ("en", "Live baby slow loris for sale", "block"),
    ("en", "African grey parrot chicks available, hand fed", "block"),
    ("en", "Mammoth ivory netsuke for sale", "review"),
    ("fr", "Vends défense d'éléphant en ivoire, prix à débattre", "block"),
    ("fr", "Robe de mariée couleur ivoire, taille 38", "allow"),
    ("es", "Se vende colmillo de marfil tallado, envío gratis", "block"),
    ("es", "Vestido color marfil para boda", "allow"),
    ("pt", "Vendo escama de pangolim, entrega rápida", "block"),
    ("pt", "Vestido de noiva cor marfim", "allow"),
    ("de", "Elfenbein Schnitzerei zu verkaufen, Preis VB", "block"),
    ("de", "Kleid in Elfenbein Farbe, neu", "allow"),
    ("it", "Vendo zanna di elefante in avorio, spedizione", "block"),
    ("ru", "Продам бивень слона, цена договорная", "block"),
    ("ru", "Платье цвета слоновой кости, новое", "allow"),
    ("ar", "للبيع عاج فيل أصلي، السعر قابل للتفاوض", "block"),
    ("zh", "出售象牙手镯，加微信详谈", "block"),
    ("zh", "犀牛角杯 出售 价格私聊", "block"),
    ("zh", "象牙白连衣裙 全新", "allow"),
    ("ja", "象牙の印鑑 販売 送料無料", "block"),
    ("ko", "상아 도장 판매합니다", "block"),
    ("vi", "Bán ngà voi nguyên khúc, liên hệ zalo", "block"),
    ("vi", "Sừng tê giác thật, bán giá sỉ", "block"),
    ("vi", "Váy cưới màu ngà, size M", "allow"),
    ("vi", "bán ngà voi", "block"),  # no Vietnamese-only letter: folded, and "bán" is still not the English "ban"
    ("th", "ขายงาช้างแท้ ราคาถูก", "block"),
    ("id", "Jual gading gajah asli, harga nego", "block"),
    ("id", "Dijual sisik trenggiling, hubungi WA", "block"),
    ("ms", "Jual tanduk badak asli, harga runding", "block"),
    ("sw", "Pembe za ndovu zinauzwa, bei nafuu", "block"),
    ("en", "Shark fin antenna for Toyota, black", "allow"),
    ("en", "Plush tiger toy for kids", "allow"),
    ("en", "Documentary: rangers fight rhino horn poaching", "allow"),
    ("en", "Faux tortoiseshell sunglasses", "allow"),
    ("en", "i.v.o.r.y ch0pst1cks, real, dm me", "block"),
    ("en", "🐘🦷 for sale, DM", "block"),
    ("en", "Bear bile capsules wholesale", "block"),
    ("en", "Crocodile leather belt with CITES permit", "review"),
]


@pytest.mark.parametrize(("lang", "text", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_golden_decision(detector: Detector, lang: str, text: str, expected: str) -> None:
    decision = detector.check(text)
    assert decision.verdict == expected, (text, decision.score, decision.reasons)
    if expected != "allow":
        assert decision.reasons and decision.hits
        for hit in decision.hits:
            assert text[hit.start : hit.end], hit


def test_golden_covers_many_languages() -> None:
    assert len({c[0] for c in CASES}) >= 10


@pytest.mark.parametrize(
    ("query", "lang", "intercept"),
    [
        ("ivory bangle", "en", True),
        ("ngà voi", "vi", True),
        ("象牙", "zh", True),
        ("gading gajah", "id", True),
        ("cuerno de rinoceronte", "es", True),
        ("buy tiger skin", "en", True),
        ("tiger balm", "en", False),
        ("ivory dress", "en", False),
        ("elephant", "en", False),
        ("garden chair", "fr", False),
    ],
)
def test_search_interception_golden(detector: Detector, query: str, lang: str, intercept: bool) -> None:
    result = detector.check_search(query, lang)
    assert result.intercept is intercept, (query, result)
    if intercept:
        assert result.message and result.title and result.learn_more_url
        assert result.lang == lang


def test_interception_messages_in_required_languages(detector: Detector) -> None:
    for lang in ("en", "fr", "es", "pt", "zh", "vi", "th", "id"):
        msg = detector.library.messages[lang]
        assert msg["title"] and msg["body"] and msg["learn_more_url"]
