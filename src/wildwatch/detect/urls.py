"""Canonical URLs, so that two reports of the same listing deduplicate.

`canonical_url` is deliberately lossy: it forgets everything that does not identify the page (scheme, ``www.``,
tracking parameters, fragments, title slugs on marketplace item pages). The result is a key for deduplication and a
clean link to show, not a byte-exact copy of what the reporter pasted. Pure standard library.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from typing import Final
from urllib.parse import unquote_plus, urlsplit

__all__ = ["HOST_PREFIXES", "TRACKING_PARAMS", "TRACKING_PREFIXES", "canonical_url"]

#: Query parameters that only track the click or the referrer; compared case-insensitively after decoding.
TRACKING_PARAMS: Final[frozenset[str]] = frozenset(
    {
        # ad-click identifiers (Google, Facebook, Microsoft, Yandex, Twitter, TikTok, Pinterest)
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid", "epik",
        # e-mail campaign tools (Mailchimp, HubSpot, Marketo, Vero)
        "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "vero_id", "vero_conv",
        # share and referrer markers (Instagram, YouTube/Spotify, generic, Twitter)
        "igshid", "igsh", "si", "ref", "ref_src", "ref_url", "s_cid", "sr_share", "share_source", "share_medium",
        # Alibaba group (AliExpress, Taobao, Tmall, Lazada)
        "spm", "scm", "scm_id", "spm_id_from", "algo_pvid", "algo_exp_id", "pdp_npi", "pdp_ext_f", "sk",
        "terminal_id", "afsmartredirect", "gatewayadapt", "clicktrackinfo",
        # eBay
        "_trksid", "_trkparms", "hash", "itmprp", "itmmeta", "mkevt", "mkcid", "mkrid", "campid", "customid",
        "toolid", "amdata",
        # TikTok share links
        "_r", "_t", "is_from_webapp", "sender_device", "share_app_id", "share_link_id", "web_id",
        # Facebook internals
        "__tn__", "__cft__", "mibextid", "rdid", "sfnsn",
        # Olytics, Rakuten
        "oly_anon_id", "oly_enc_id", "rb_clickid", "ranmid", "raneaid", "ransiteid",
    }
)

#: Parameter name prefixes that are tracking as a whole (``utm_source``, ``trkCampaign``, ``pf_rd_p``, ...).
TRACKING_PREFIXES: Final[tuple[str, ...]] = (
    "utm_", "trk", "pf_rd_", "pd_rd_", "aff_", "mtm_", "pk_", "hsa_", "__cft__[",
)

#: Host prefixes that name a variant of the same site; stripped as long as a registrable name remains.
HOST_PREFIXES: Final[tuple[str, ...]] = ("www.", "m.", "mobile.", "amp.")

_UNRESERVED: Final = frozenset(string.ascii_letters + string.digits + "-._~")
_PATH_SAFE: Final = _UNRESERVED | frozenset("!$&'()*+,;=:@/")
_QUERY_SAFE: Final = _UNRESERVED | frozenset("!$'()*+,;=:@/?")  # '&' separates parameters: keep it escaped
_HEX: Final = frozenset(string.hexdigits)
_DEFAULT_PORTS: Final = {80, 443}
_HOST_CHARS: Final = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*")


def canonical_url(url: str) -> str:
    """Return the canonical form of an http(s) URL.

    - scheme lowercased and ``http`` upgraded to ``https``; host lowercased, IDNA hosts in punycode, a trailing dot
      removed, the prefixes in `HOST_PREFIXES` stripped; default ports, user info and the fragment dropped;
    - percent-encoding normalised (unreserved characters decoded, other escapes uppercased, unsafe characters
      encoded as UTF-8); ``.`` and ``..`` path segments resolved; a trailing slash dropped except for the root;
    - tracking parameters (`TRACKING_PARAMS`, `TRACKING_PREFIXES`) and empty parameters removed, the rest sorted
      by name (values of a repeated name keep their order);
    - on known marketplaces an item page is reduced to its canonical item path (eBay ``/itm/<id>``, Amazon
      ``/dp/<ASIN>``, Etsy ``/listing/<id>``, AliExpress ``/item/<id>.html``, Shopee ``/product/<shop>/<item>``,
      Lazada ``/products/i<id>.html``, Facebook Marketplace ``/marketplace/item/<id>``, Taobao/Tmall ``?id=``).

    Raises `ValueError` for anything that is not an absolute http(s) URL with a host.
    """
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise ValueError(f"not a valid URL: {url!r} ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        what = f"scheme {parts.scheme!r}" if scheme else "no scheme"
        raise ValueError(f"only http(s) URLs can be canonicalised, got {what} in {url!r}")
    host = _canonical_host(parts.hostname, url)
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"invalid port in URL {url!r}") from None
    path = _remove_dot_segments(_normalize_escapes(parts.path, _PATH_SAFE)) or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    params = _clean_query(parts.query)
    host, path, params = _marketplace(host, path, params)
    netloc = host if port is None or port in _DEFAULT_PORTS else f"{host}:{port}"
    query = "&".join(f"{key}={value}" if value is not None else key for key, value in params)
    return f"https://{netloc}{path}" + (f"?{query}" if query else "")


def _canonical_host(hostname: str | None, url: str) -> str:
    host = (hostname or "").rstrip(".")
    if not host:
        raise ValueError(f"URL has no host: {url!r}")
    if ":" in host:  # an IPv6 literal; urlsplit removed the brackets
        return f"[{host.lower()}]"
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise ValueError(f"invalid host name in URL {url!r}: {exc}") from None
    if not _HOST_CHARS.fullmatch(host):
        raise ValueError(f"invalid host name in URL {url!r}")
    stripped = True
    while stripped:
        stripped = False
        for prefix in HOST_PREFIXES:
            rest = host[len(prefix):]
            if host.startswith(prefix) and "." in rest:
                host, stripped = rest, True
    return host


def _normalize_escapes(text: str, safe: frozenset[str]) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "%" and len(text) >= i + 3 and text[i + 1] in _HEX and text[i + 2] in _HEX:
            decoded = chr(int(text[i + 1 : i + 3], 16))
            out.append(decoded if decoded in _UNRESERVED else "%" + text[i + 1 : i + 3].upper())
            i += 3
            continue
        if char in safe:
            out.append(char)
        else:  # stray '%', spaces, non-ASCII: encode as UTF-8
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, on a path that starts with '/' (or is empty)."""
    if "." not in path:
        return path
    segments = path.split("/")
    output: list[str] = []
    for segment in segments[1:]:
        if segment == "..":
            if output:
                output.pop()
        elif segment != ".":
            output.append(segment)
    if segments[-1] in (".", ".."):
        output.append("")
    return "/" + "/".join(output)


def _is_tracking(name: str) -> bool:
    key = unquote_plus(name).strip().lower()
    return not key or key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


Params = list[tuple[str, str | None]]


def _clean_query(query: str) -> Params:
    params: Params = []
    for piece in query.split("&"):
        if not piece:
            continue
        key, sep, value = piece.partition("=")
        if _is_tracking(key):
            continue
        params.append((_normalize_escapes(key, _QUERY_SAFE), _normalize_escapes(value, _QUERY_SAFE) if sep else None))
    params.sort(key=lambda item: item[0])
    return params


# --- marketplaces -------------------------------------------------------------------------------------------------

_CC_SUFFIX: Final = re.compile(r"[a-z]{2,3}(?:\.[a-z]{2})?")


def _brand(host: str) -> str | None:
    """'ebay' for ebay.com, ebay.co.uk, ebay.com.au ...; None when the rest does not look like a public suffix."""
    brand, _, rest = host.partition(".")
    return brand if _CC_SUFFIX.fullmatch(rest) else None


_Rule = Callable[[str, str, Params], tuple[str, str, Params] | None]

_EBAY_ITEM: Final = re.compile(r"/itm/(?:[^/]+/)?(\d{6,})")
_AMAZON_ITEM: Final = re.compile(r"(?:/[^/]+)?/(?:dp|gp/product|gp/aw/d|exec/obidos/asin)/([A-Z0-9]{10})(?:/.*)?")
_ETSY_ITEM: Final = re.compile(r"(?:/[a-z]{2}(?:-[a-z]{2})?)?/listing/(\d+)(?:/.*)?")
_ALIEXPRESS_ITEM: Final = re.compile(r"/(?:item|i)/(?:[^/]+/)?(\d+)\.html")
_SHOPEE_ITEM: Final = re.compile(r"/(?:[^/]*-i\.|product/)(\d+)[./](\d+)")
_LAZADA_ITEM: Final = re.compile(r"/products/(?:[^/]*-)?i(\d+)(?:-s\d+)?\.html")
_FB_ITEM: Final = re.compile(r"/marketplace/item/(\d+)(?:/.*)?")


def _ebay(host: str, path: str, params: Params) -> tuple[str, str, Params] | None:
    match = _EBAY_ITEM.fullmatch(path)
    return (host, f"/itm/{match[1]}", []) if _brand(host) == "ebay" and match else None


def _amazon(host: str, path: str, params: Params) -> tuple[str, str, Params] | None:
    match = _AMAZON_ITEM.fullmatch(path)
    return (host, f"/dp/{match[1]}", []) if _brand(host) == "amazon" and match else None


def _etsy(host: str, path: str, params: Params) -> tuple[str, str, Params] | None:
    match = _ETSY_ITEM.fullmatch(path)
    return (host, f"/listing/{match[1]}", []) if host == "etsy.com" and match else None


def _aliexpress(host: str, path: str, params: Params) -> tuple[str, str, Params] | None:
    match = _ALIEXPRESS_ITEM.fullmatch(path)
    if match and (host.endswith(".aliexpress.com") or _brand(host) == "aliexpress"):
        return "aliexpress.com", f"/item/{match[1]}.html", []  # language sub-sites show the same item
    return None


def _shopee(host: str, path: str, params: Params) -> tuple[str, str, Params] | None:
    match = _SHOPEE_ITEM.fullmatch(path)
    return (host, f"/product/{match[1]}/{match[2]}", []) if _brand(host) == "shopee" and match else None


def _lazada(host: str, path: str, params: Params) -> tuple[str, str, Params] | None:
    match = _LAZADA_ITEM.fullmatch(path)
    return (host, f"/products/i{match[1]}.html", []) if _brand(host) == "lazada" and match else None


def _facebook(host: str, path: str, params: Params) -> tuple[str, str, Params] | None:
    match = _FB_ITEM.fullmatch(path)
    return (host, f"/marketplace/item/{match[1]}", []) if host == "facebook.com" and match else None


def _taobao(host: str, path: str, params: Params) -> tuple[str, str, Params] | None:
    if path == "/item.htm" and host.endswith((".taobao.com", ".tmall.com")):
        return host, path, [(key, value) for key, value in params if key == "id"]
    return None


_RULES: Final[tuple[_Rule, ...]] = (_ebay, _amazon, _etsy, _aliexpress, _shopee, _lazada, _facebook, _taobao)


def _marketplace(host: str, path: str, params: Params) -> tuple[str, str, Params]:
    for rule in _RULES:
        reduced = rule(host, path, params)
        if reduced is not None:
            return reduced
    return host, path, params
