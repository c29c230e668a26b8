from __future__ import annotations

import pytest

from wildwatch.detect.urls import TRACKING_PARAMS, canonical_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://WWW.Example.COM/Path", "https://example.com/Path"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/", "https://example.com/"),
        ("https://example.com/a/b/", "https://example.com/a/b"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://user:secret@example.com/a", "https://example.com/a"),
        ("https://example.com/a#reviews", "https://example.com/a"),
        ("https://example.com./a", "https://example.com/a"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("https://m.example.com/a", "https://example.com/a"),
        ("https://mobile.example.com/a", "https://example.com/a"),
        ("https://amp.example.com/a", "https://example.com/a"),
        ("https://www.m.example.com/a", "https://example.com/a"),
        ("https://m.me/seller", "https://m.me/seller"),  # stripping would leave no registrable name
        ("https://www.com/a", "https://www.com/a"),
        ("https://example.com/a/./b/../c", "https://example.com/a/c"),
        ("https://[2001:DB8::1]:8080/x", "https://[2001:db8::1]:8080/x"),
    ],
)
def test_host_scheme_path(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/?b=2&a=1", "https://example.com/?a=1&b=2"),
        ("https://example.com/?a=2&a=1", "https://example.com/?a=2&a=1"),  # repeated names keep their order
        ("https://example.com/x?utm_source=fb&utm_medium=social&id=3", "https://example.com/x?id=3"),
        ("https://example.com/x?UTM_Campaign=z&id=3", "https://example.com/x?id=3"),
        ("https://example.com/x?fbclid=abc&gclid=1&msclkid=2&igshid=3&si=4", "https://example.com/x"),
        ("https://example.com/x?ref=home&ref_src=twsrc&spm=a2g0o&scm=1007", "https://example.com/x"),
        ("https://example.com/x?trkCampaign=1&trk=2&mc_cid=3&mc_eid=4&dclid=5", "https://example.com/x"),
        ("https://example.com/x?q=ivory&&empty=", "https://example.com/x?empty=&q=ivory"),
        ("https://example.com/x?flag", "https://example.com/x?flag"),
        ("https://example.com/x?", "https://example.com/x"),
        ("https://example.com/x?q=a%26b&r=1", "https://example.com/x?q=a%26b&r=1"),
        ("https://example.com/x?q=%e1%bb%a5", "https://example.com/x?q=%E1%BB%A5"),
    ],
)
def test_query(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_tracking_list_is_documented() -> None:
    assert {"fbclid", "gclid", "_trksid", "hash", "itmprp", "mkevt", "mkcid", "campid"} <= TRACKING_PARAMS
    assert all(name == name.lower() for name in TRACKING_PARAMS)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/%7Euser/%41%2f", "https://example.com/~user/A%2F"),
        ("https://example.com/a%2db", "https://example.com/a-b"),
        ("https://example.com/a b", "https://example.com/a%20b"),
        ("https://example.com/ngà-voi", "https://example.com/ng%C3%A0-voi"),
        ("https://example.com/100%", "https://example.com/100%25"),
        ("https://example.com/%e8%b1%a1%e7%89%99", "https://example.com/%E8%B1%A1%E7%89%99"),
    ],
)
def test_percent_encoding(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_idna_host() -> None:
    assert canonical_url("https://www.MÜNCHEN.de/x") == "https://xn--mnchen-3ya.de/x"
    assert canonical_url("https://XN--MNCHEN-3YA.de/x") == "https://xn--mnchen-3ya.de/x"
    assert canonical_url("https://Chợ.vn/") == "https://xn--ch-3bt.vn/"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://www.ebay.com/itm/Antique-Carved-Ivory-Figure/123456789012?hash=item1c&_trksid=p2047675",
            "https://ebay.com/itm/123456789012",
        ),
        ("https://www.ebay.co.uk/itm/123456789012?var=0&mkevt=1", "https://ebay.co.uk/itm/123456789012"),
        ("https://m.ebay.de/itm/some-title/123456789012/", "https://ebay.de/itm/123456789012"),
        (
            "https://www.amazon.com/Carved-Bone-Bangle/dp/B00ABCDEF1/ref=sr_1_3?keywords=bangle&qid=1",
            "https://amazon.com/dp/B00ABCDEF1",
        ),
        ("https://www.amazon.co.jp/gp/product/B00ABCDEF1?psc=1", "https://amazon.co.jp/dp/B00ABCDEF1"),
        ("https://www.etsy.com/listing/123456789/vintage-carving?ref=hp", "https://etsy.com/listing/123456789"),
        ("https://www.etsy.com/fr/listing/123456789/sculpture", "https://etsy.com/listing/123456789"),
        ("https://vi.aliexpress.com/item/1005001234567890.html?spm=a2g0o&algo_pvid=x",
         "https://aliexpress.com/item/1005001234567890.html"),
        ("https://shopee.vn/Vong-tay-ho-phach-i.123456.7890123?sp_atk=abc", "https://shopee.vn/product/123456/7890123"),
        ("https://shopee.co.id/product/123456/7890123?smtt=0", "https://shopee.co.id/product/123456/7890123"),
        ("https://www.lazada.co.th/products/thai-amulet-i12345678-s98765432.html?search=1",
         "https://lazada.co.th/products/i12345678.html"),
        ("https://m.facebook.com/marketplace/item/987654321012345/?ref=search&referral_code=x",
         "https://facebook.com/marketplace/item/987654321012345"),
        ("https://item.taobao.com/item.htm?spm=a1z10&id=6123456789&ali_refid=a3_430",
         "https://item.taobao.com/item.htm?id=6123456789"),
    ],
)
def test_marketplaces(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_non_item_marketplace_pages_are_kept() -> None:
    assert canonical_url("https://www.ebay.com/sch/i.html?_nkw=ivory") == "https://ebay.com/sch/i.html?_nkw=ivory"
    assert canonical_url("https://ebay.example.org/itm/x/123456789") == "https://ebay.example.org/itm/x/123456789"


def test_same_listing_deduplicates() -> None:
    variants = [
        "http://www.ebay.com/itm/Old-Carving/123456789012#viewitem",
        "https://ebay.com/itm/123456789012?_trksid=abc",
        "HTTPS://M.EBAY.COM:443/itm/Other-Title/123456789012/?hash=item1&mkcid=1",
    ]
    assert len({canonical_url(url) for url in variants}) == 1


def test_idempotent() -> None:
    for url in ("https://ex.com/a%20b?z=1&a=%C3%A0", "https://ebay.com/itm/123456789012", "https://[::1]/x"):
        assert canonical_url(canonical_url(url)) == canonical_url(url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/file", "scheme 'ftp'"),
        ("javascript:alert(1)", "scheme 'javascript'"),
        ("mailto:someone@example.com", "scheme 'mailto'"),
        ("example.com/path", "no scheme"),
        ("https://", "no host"),
        ("https:///path", "no host"),
        ("https://user@/path", "no host"),
        ("https://example.com:99999/", "invalid port"),
        ("https://example.com:abc/", "invalid port"),
        ("https://a..b.com/", "invalid host"),
        ("https://exa mple.com/", "invalid host"),
        ("https://exa<mple.com/", "invalid host"),
        ("https://[::1/", "not a valid URL"),
    ],
)
def test_rejects(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        canonical_url(url)
