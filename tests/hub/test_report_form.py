"""The public report form and the status page, on the real database: intake and deduplication, every bad input
(entries kept), the honeypot, the per-address rate limit behind trusted proxies, double submissions, CSRF, and the
status page of every stage (nothing private shown), in English and French."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory
from django.utils import timezone
from django.utils.html import escape
from PIL import Image

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import Platform
from wildwatch.hub.library.models import CommonName, Taxon, Term
from wildwatch.hub.public.services import NAME_INDEX
from wildwatch.hub.reports import abuse, screenshots
from wildwatch.hub.reports.models import Action, Case, CaseStatus, Decision, Report

pytestmark = pytest.mark.django_db

NEW = "/reports/new/"
SECRET_TERM = "moon tusk xq"  # a confidential code word: never on a public page


@pytest.fixture(autouse=True)
def _isolated(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.WILDWATCH_REPORT_RATE = 100
    settings.WILDWATCH_TRUSTED_PROXIES = []
    monkeypatch.delenv("WILDWATCH_REPORT_RATE", raising=False)
    monkeypatch.delenv("WILDWATCH_TRUSTED_PROXIES", raising=False)
    monkeypatch.setattr(abuse, "WAIT_SECONDS", 0.3)
    NAME_INDEX.invalidate()  # SQLite may hand out the same ids again after a test's rollback
    caches["default"].clear()  # no counter left by a transactional test (rolled back with the test)
    yield
    NAME_INDEX.invalidate()


@pytest.fixture
def shop(db: Any) -> Platform:
    org = accounts.create_organisation("r-market", "Market Co", "member")
    return accounts.add_platform(org, "r-shop", "Example Shop", "ecommerce", ["FR"], domains=["shop.example"])


@pytest.fixture
def elephant(db: Any) -> Taxon:
    taxon = Taxon.objects.create(taxon_id="loxodonta-africana", scientific_name="Loxodonta africana",
                                 group="elephants", cites_appendix="I", category="prohibited", products=["ivory"])
    CommonName.objects.create(name_id="n-el-en", taxon=taxon, lang="en", name="African elephant")
    CommonName.objects.create(name_id="n-el-fr", taxon=taxon, lang="fr", name="Éléphant d'Afrique")
    Term.objects.create(term_id="t-secret", term=SECRET_TERM, lang="en", kind="cover", taxon=taxon)
    return taxon


def image(fmt: str = "PNG", size: tuple[int, int] = (40, 30), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30) if mode == "RGB" else 0).save(out, format=fmt)
    return out.getvalue()


def upload(data: bytes, name: str = "shot.png", content_type: str = "image/png") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type)


def token(client: Client) -> str:
    html = client.get(NEW).content.decode()
    found = re.search(r'name="token" value="([^"]+)"', html)
    assert found, "the form has no token"
    return found.group(1)


def entries(client: Client, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"url": "https://www.shop.example/item/42?utm_source=mail", "platform": "",
                            "species": "African elephant", "product": "ivory",
                            "details": "carved tusk, 2 kg, seller says 'old stock'", "email": "me@example.org",
                            "token": token(client), "fax_number": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def send(client: Client, data: dict[str, Any], **extra: Any) -> Any:
    return client.post(NEW, data, **extra)


def assert_kept(html: str, data: dict[str, Any]) -> None:
    for field in ("species", "details", "email", "platform"):
        if data.get(field):
            assert escape(data[field]) in html, f"the {field} entry was lost"
    if data.get("url"):
        assert f'value="{escape(data["url"])}"' in html
    if data.get("product"):
        assert f'<option value="{data["product"]}" selected>' in html


# --- the page and the happy path ---------------------------------------------------------------------------------


def test_the_form_page_is_public(client: Client, elephant: Taxon) -> None:
    response = client.get(NEW)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    html = response.content.decode()
    for field in ("url", "platform", "species", "product", "details", "screenshot", "email"):
        assert f'<label for="id_{field}">' in html, field
    assert 'enctype="multipart/form-data"' in html and "csrfmiddlewaretoken" in html
    assert 'list="species-names"' in html and 'data-source="/reports/species-names/"' in html
    assert 'accept="image/png,image/jpeg,image/webp,image/gif"' in html
    assert 'tabindex="-1"' in html and 'aria-hidden="true"' in html  # the honeypot, hidden from people
    assert '<option value="skin_fur">Skins, leather and fur</option>' in html  # every product, with its label
    # a link may prefill the form; the datalist then suggests names for the species given
    html = client.get(NEW + "?url=https://shop.example/item/7&species=elephant").content.decode()
    assert 'value="https://shop.example/item/7"' in html
    assert '<option value="African elephant" label="Loxodonta africana">' in html


def test_species_suggestions_come_from_the_public_names_only(client: Client, elephant: Taxon) -> None:
    def names(query: str, **extra: Any) -> list[list[str]]:
        response = client.get("/reports/species-names/", {"q": query}, **extra)
        assert response.status_code == 200
        return list(response.json()["names"])

    assert names("afric") == [["African elephant", "Loxodonta africana"], ["Loxodonta africana", ""]]
    assert names("african eleph") == [["African elephant", "Loxodonta africana"]]
    assert names("loxodonta") == [["Loxodonta africana", ""]]
    assert names("éléphant d'afr") == [["Éléphant d'Afrique", "Loxodonta africana"]]  # any language
    assert names("") == [] and names(SECRET_TERM) == [] and names("moon tusk") == []  # never a term
    assert SECRET_TERM not in client.get(NEW + "?species=moon+tusk").content.decode().replace(
        'value="moon tusk"', "")


def test_a_report_makes_a_case_on_the_member_platform(client: Client, shop: Platform, elephant: Taxon) -> None:
    data = entries(client, platform="Example Shop app")
    response = send(client, data)
    assert response.status_code == 303
    report = Report.objects.get()
    assert response["Location"] == f"/reports/{report.tracking_code}/"
    assert report.kind == "public" and re.fullmatch(r"WW-[2-9A-HJKMNP-Z]{10}", report.tracking_code or "")
    assert report.reporter_email == "me@example.org" and report.reporter is None
    assert report.species_text == "African elephant" and report.product == "ivory"
    assert "carved tusk" in report.notes and "Example Shop app" in report.notes
    case = report.case
    assert case.platform == shop and case.host == "shop.example" and case.canonical_url == "https://shop.example/item/42"
    assert case.taxon == elephant and case.status == CaseStatus.TRIAGE
    page = client.get(response["Location"])
    html = page.content.decode()
    assert report.tracking_code in html and "your report is received" in html
    assert "Example Shop, a member of the coalition" in html


def test_an_address_without_scheme_is_accepted_and_a_stranger_platform_has_none(client: Client) -> None:
    response = send(client, entries(client, url="marketplace.example/p/9", species="", product="horn"))
    assert response.status_code == 303
    case = Report.objects.get().case
    assert case.platform is None and case.host == "marketplace.example"


def test_two_spellings_of_one_listing_make_one_case_with_two_reports(client: Client, shop: Platform) -> None:
    first = send(client, entries(client, url="http://shop.example/item/42#photos"))
    second = send(client, entries(client, url="https://www.shop.example/item/42/?utm_campaign=x&fbclid=1",
                                  email="other@example.org"))
    assert first.status_code == second.status_code == 303
    assert first["Location"] != second["Location"]
    assert Case.objects.count() == 1 and Report.objects.count() == 2
    assert {r.reporter_email for r in Case.objects.get().reports.all()} == {"me@example.org", "other@example.org"}


def test_the_screenshot_is_checked_by_content_and_hashed(client: Client) -> None:
    png = image("PNG")
    response = send(client, {**entries(client), "screenshot": upload(png, "listing.jpg", "image/jpeg")})
    assert response.status_code == 303
    report = Report.objects.get()
    assert report.screenshot_sha256 == hashlib.sha256(png).hexdigest()
    assert report.screenshot.name.endswith(".png")  # named after the content, not the sender's name
    report.screenshot.open("rb")
    assert report.screenshot.read() == png


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP", "GIF"])
def test_other_accepted_image_formats(client: Client, fmt: str) -> None:
    data = image(fmt)
    response = send(client, {**entries(client), "screenshot": upload(data, "x.bin", "application/octet-stream")})
    assert response.status_code == 303, response.content.decode()[:2000]
    assert Report.objects.get().screenshot_sha256 == hashlib.sha256(data).hexdigest()


# --- bad input: a clear error, and the entries kept ------------------------------------------------------------


BAD_FILES = {
    "html-named-png": (b"<html><script>alert(1)</script></html>", "shot.png", "not an image in a format we accept"),
    "bmp": (image("BMP"), "shot.bmp", "not an image in a format we accept"),
    "tiff": (image("TIFF"), "shot.png", "not an image in a format we accept"),
    "truncated-png": (image("PNG", (300, 300))[:200], "shot.png", "not an image in a format we accept"),
    "empty": (b"", "shot.png", "empty"),  # Django's own check of an empty file
    "oversized": (b"\x89PNG\r\n\x1a\n" + b"\0" * screenshots.MAX_BYTES, "big.png", "the limit is 5"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_screenshot_is_refused_and_the_entries_kept(client: Client, case: str) -> None:
    content, name, message = BAD_FILES[case]
    data = entries(client)
    response = send(client, {**data, "screenshot": upload(content, name)})
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html and 'id="id_screenshot_error"' in html
    assert 'aria-describedby="id_screenshot_helptext id_screenshot_error"' in html
    assert_kept(html, data)
    assert not Report.objects.exists()


def test_a_picture_with_too_many_pixels_is_refused(client: Client) -> None:
    bomb = image("PNG", (8000, 6000), mode="1")  # 48 megapixels in a few kilobytes
    assert len(bomb) < screenshots.MAX_BYTES
    response = send(client, {**entries(client), "screenshot": upload(bomb)})
    assert response.status_code == 422 and "too large in pixels" in response.content.decode()


def test_the_upload_cap_drops_the_bytes_past_the_limit() -> None:
    handler = screenshots.CappedUploadHandler(limit=10)
    handler.new_file("file", "a.png", "image/png", 0)
    assert handler.receive_data_chunk(b"12345", 0) == b"12345"
    assert handler.receive_data_chunk(b"67890", 5) == b"67890"
    assert handler.receive_data_chunk(b"x", 10) is None
    marker = handler.file_complete(11)
    assert isinstance(marker, screenshots.OversizedUpload) and marker.size == 11
    with pytest.raises(screenshots.BadScreenshot):
        screenshots.check(marker)


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"url": "not a web address"}, "url", "This is not the address of a web page."),
    ({"url": "javascript:alert(1)"}, "url", "This is not the address of a web page."),
    ({"url": "ftp://shop.example/x"}, "url", "This is not the address of a web page."),
    ({"url": "https://shop.example:99999/x"}, "url", "This is not the address of a web page."),
    ({"url": "https://shop.example/" + "a" * 2100}, "url", "at most 2048 characters"),
    ({"url": ""}, "url", "This field is required."),
    ({"species": "", "product": ""}, "species", "Tell us what is sold"),
    ({"email": "not-an-address"}, "email", "Enter a valid email address."),
    ({"product": "unicorn_dust"}, "product", "Select a valid choice."),
])
def test_bad_entries_are_refused_with_a_clear_error_and_kept(client: Client, overrides: dict[str, str],
                                                             field: str, message: str) -> None:
    data = entries(client, **overrides)
    response = send(client, data)
    assert response.status_code == 422
    html = response.content.decode()
    assert escape(message) in html
    assert f'id="id_{field}_error"' in html and 'aria-invalid="true"' in html
    assert f'<a href="#id_{field}">' in html  # the summary leads to the field
    assert_kept(html, {k: v for k, v in data.items() if k != "product" or v != "unicorn_dust"})
    assert not Report.objects.exists()


def test_a_good_screenshot_is_kept_while_another_field_is_corrected(client: Client) -> None:
    png = image("PNG", (64, 64))
    data = entries(client, url="nope nope")
    first = send(client, {**data, "screenshot": upload(png, "my-listing.png")})
    assert first.status_code == 422
    html = first.content.decode()
    assert 'id="kept-screenshot"' in html and "my-listing.png" in html
    # corrected, sent without choosing the file again
    second = send(client, {**data, "url": "https://shop.example/item/5"})
    assert second.status_code == 303
    assert Report.objects.get().screenshot_sha256 == hashlib.sha256(png).hexdigest()


def test_a_kept_screenshot_can_be_removed(client: Client) -> None:
    data = entries(client, url="nope nope")
    assert send(client, {**data, "screenshot": upload(image())}).status_code == 422
    response = send(client, {**data, "url": "https://shop.example/item/6", "discard_screenshot": "on"})
    assert response.status_code == 303
    report = Report.objects.get()
    assert not report.screenshot and report.screenshot_sha256 == ""


# --- abuse: honeypot, rate limit, trusted proxies, double submission, CSRF -------------------------------------


def test_the_honeypot_makes_no_report(client: Client, settings: Any) -> None:
    data = entries(client, fax_number="+1 555 0100")
    response = send(client, {**data, "screenshot": upload(image())})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Your report could not be sent" in html and "+1 555 0100" not in html
    assert 'id="kept-screenshot"' not in html  # a robot's file is neither opened nor kept
    assert_kept(html, data)
    assert not Report.objects.exists()
    # a person sending the form again (the hidden field now empty) gets through
    assert send(client, {**data, "fax_number": ""}).status_code == 303


def test_the_honeypot_counts_against_the_rate_limit(client: Client, settings: Any) -> None:
    settings.WILDWATCH_REPORT_RATE = 2
    for _ in range(2):
        assert send(client, entries(client, fax_number="spam")).status_code == 422
    assert send(client, entries(client)).status_code == 429


def test_the_rate_limit_answers_429_and_keeps_the_entries(client: Client, settings: Any) -> None:
    settings.WILDWATCH_REPORT_RATE = 2
    for n in range(2):
        assert send(client, entries(client, url=f"https://shop.example/item/{n}")).status_code == 303
    data = entries(client, url="https://shop.example/item/99")
    response = send(client, data)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    html = response.content.decode()
    assert "Too many reports were sent from your connection in the last hour" in html
    assert_kept(html, data)
    assert Report.objects.count() == 2
    # another address is not limited
    assert send(client, entries(client), REMOTE_ADDR="198.51.100.20").status_code == 303


def test_the_rate_comes_from_the_environment_without_a_setting(client: Client, settings: Any,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    del settings.WILDWATCH_REPORT_RATE
    monkeypatch.setenv("WILDWATCH_REPORT_RATE", "1")
    assert abuse.report_rate() == 1
    assert send(client, entries(client)).status_code == 303
    assert send(client, entries(client, url="https://shop.example/item/2")).status_code == 429
    monkeypatch.delenv("WILDWATCH_REPORT_RATE")
    assert abuse.report_rate() == abuse.DEFAULT_RATE


def test_submissions_with_errors_are_limited_too(client: Client, settings: Any) -> None:
    settings.WILDWATCH_REPORT_RATE = 1
    for _ in range(abuse.ATTEMPTS_FACTOR):
        assert send(client, entries(client, url="bad address")).status_code == 422
    assert send(client, entries(client)).status_code == 429


def _ip(settings: Any, remote: str, forwarded: str | None = None, proxies: Any = None) -> str:
    settings.WILDWATCH_TRUSTED_PROXIES = proxies
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return abuse.client_ip(RequestFactory().get("/", **extra))


def test_the_client_address_behind_trusted_proxies(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # no trusted proxy: X-Forwarded-For is never believed
    assert _ip(settings, "203.0.113.5", "1.2.3.4", proxies=[]) == "203.0.113.5"
    proxies = ["10.0.0.0/8", "192.0.2.7"]
    # from a trusted proxy: the nearest address that is not a proxy
    assert _ip(settings, "10.1.2.3", "198.51.100.9", proxies) == "198.51.100.9"
    assert _ip(settings, "10.1.2.3", "6.6.6.6, 198.51.100.9, 192.0.2.7", proxies) == "198.51.100.9"  # spoofed left
    assert _ip(settings, "10.1.2.3", "198.51.100.9:5123", proxies) == "198.51.100.9"
    assert _ip(settings, "10.1.2.3", "garbage, 198.51.100.9", proxies) == "198.51.100.9"
    assert _ip(settings, "10.1.2.3", "198.51.100.9, garbage", proxies) == "10.1.2.3"  # stops at a bad hop
    assert _ip(settings, "10.1.2.3", None, proxies) == "10.1.2.3"
    # from a stranger: its own address, whatever it claims
    assert _ip(settings, "203.0.113.5", "198.51.100.9", proxies) == "203.0.113.5"
    # IPv6, and IPv4 written as IPv6
    assert _ip(settings, "2001:db8::1", "198.51.100.9", ["2001:db8::/32"]) == "198.51.100.9"
    assert _ip(settings, "::ffff:10.0.0.1", "[2001:db8:1::5]:443", "10.0.0.0/8") == "2001:db8:1::5"
    # a comma-separated setting, and the environment when there is no setting
    assert _ip(settings, "10.0.0.1", "198.51.100.1", "10.0.0.0/8, 192.0.2.7") == "198.51.100.1"
    del settings.WILDWATCH_TRUSTED_PROXIES
    monkeypatch.setenv("WILDWATCH_TRUSTED_PROXIES", "10.0.0.0/8")
    assert abuse.client_ip(RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1")
                           ) == "198.51.100.1"
    monkeypatch.setenv("WILDWATCH_TRUSTED_PROXIES", "10.0.0.0/8, not-a-network")
    with pytest.raises(ImproperlyConfigured, match="not-a-network"):
        abuse.client_ip(RequestFactory().get("/", REMOTE_ADDR="10.0.0.1"))


def test_ipv6_clients_are_counted_by_their_64_block() -> None:
    assert abuse.rate_key("2001:db8:1:2:aaaa::1") == abuse.rate_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert abuse.rate_key("198.51.100.1") == "198.51.100.1"


def test_the_rate_limit_uses_the_forwarded_address_only_from_a_trusted_proxy(client: Client,
                                                                           settings: Any) -> None:
    settings.WILDWATCH_REPORT_RATE = 1
    settings.WILDWATCH_TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    assert send(client, entries(client, url="https://a.example/1"), HTTP_X_FORWARDED_FOR="198.51.100.1",
                **proxy).status_code == 303
    assert send(client, entries(client, url="https://a.example/2"), HTTP_X_FORWARDED_FOR="198.51.100.2",
                **proxy).status_code == 303  # another client behind the same proxy
    assert send(client, entries(client, url="https://a.example/3"), HTTP_X_FORWARDED_FOR="198.51.100.1",
                **proxy).status_code == 429
    # a client talking directly cannot dodge the limit with a forged header
    direct = {"REMOTE_ADDR": "203.0.113.50"}
    assert send(client, entries(client, url="https://a.example/4"), HTTP_X_FORWARDED_FOR="1.1.1.1",
                **direct).status_code == 303
    assert send(client, entries(client, url="https://a.example/5"), HTTP_X_FORWARDED_FOR="2.2.2.2",
                **direct).status_code == 429


def test_a_double_submission_makes_one_report(client: Client) -> None:
    data = entries(client)
    first = send(client, data)
    second = send(client, data)
    assert first.status_code == second.status_code == 303
    assert first["Location"] == second["Location"]
    assert Report.objects.count() == 1
    html = client.get(second["Location"]).content.decode()
    assert "This form was already sent: here is the report it made." in html


def test_a_sent_form_reused_for_another_listing_asks_to_check(client: Client) -> None:
    data = entries(client)
    code = send(client, data)["Location"].split("/")[2]
    other = {**data, "url": "https://shop.example/item/77"}
    response = send(client, other)
    assert response.status_code == 409
    html = response.content.decode()
    assert f"This form was already used for report {code}" in html
    assert_kept(html, other)
    fresh = re.search(r'name="token" value="([^"]+)"', html)
    assert fresh and fresh.group(1) != data["token"]
    assert Report.objects.count() == 1
    assert send(client, {**other, "token": fresh.group(1)}).status_code == 303  # sent again on purpose
    assert Report.objects.count() == 2


def test_a_form_being_sent_is_not_sent_twice(client: Client) -> None:
    data = entries(client)
    nonce = abuse.read_token(data["token"])
    assert nonce and abuse.claim(nonce).state == "mine"  # another request holds the form
    response = send(client, data)
    assert response.status_code == 409 and "This form is being sent already" in response.content.decode()
    abuse.finish(nonce, "WW-TESTCODE22", abuse.fingerprint(*(data[k] for k in (
        "url", "platform", "species", "product", "details", "email"))))
    assert send(client, data)["Location"] == "/reports/WW-TESTCODE22/"
    assert not Report.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submissions_of_one_form_make_one_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """A double click: the two requests arrive together; the second waits for the first and shows its report."""
    import threading

    from django.db import connections

    monkeypatch.setattr(abuse, "WAIT_SECONDS", 10.0)
    filing = threading.Event()
    original = Report.objects.create

    def slow_create(**kwargs: Any) -> Report:
        filing.set()  # the first request holds the form: let the second one in now
        time_to_overlap.wait(5)
        return original(**kwargs)

    time_to_overlap = threading.Event()
    monkeypatch.setattr(Report.objects, "create", slow_create)
    data = entries(Client())
    results: dict[str, Any] = {}

    def post(name: str) -> None:
        try:
            results[name] = send(Client(), data, REMOTE_ADDR="198.51.100.200")
        finally:
            connections.close_all()

    first = threading.Thread(target=post, args=("first",))
    first.start()
    assert filing.wait(10)
    second = threading.Thread(target=post, args=("second",))
    second.start()
    second.join(0.5)  # the second is waiting for the first
    time_to_overlap.set()
    first.join(20)
    second.join(20)
    try:
        assert results["first"].status_code == results["second"].status_code == 303
        assert results["first"]["Location"] == results["second"]["Location"]
        assert Report.objects.count() == 1
    finally:
        caches["default"].clear()


@pytest.mark.parametrize("bad", ["", "forged", "x" * 300])
def test_a_missing_or_forged_token_is_refused_and_the_entries_kept(client: Client, bad: str) -> None:
    data = entries(client, token=bad)
    response = send(client, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "This form is too old or was altered" in html
    assert_kept(html, data)
    assert not Report.objects.exists()


def test_an_expired_token_is_refused(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    data = entries(client)
    monkeypatch.setattr(abuse, "TOKEN_MAX_AGE", -1)
    assert send(client, data).status_code == 400


def test_the_form_needs_the_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    data = entries(client)
    assert client.post(NEW, data).status_code == 403
    assert not Report.objects.exists()
    data["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
    assert client.post(NEW, data).status_code == 303


# --- the status page -------------------------------------------------------------------------------------------


@pytest.fixture
def busy_case(shop: Platform, role_users: dict[str, Any]) -> tuple[Report, Report]:
    """A case with two public reports: ours, and another person's (another spelling, another e-mail), each sent
    from its own browser."""
    them, us = Client(), Client()
    send(them, entries(them, url="https://shop.example/item/42?ref=abc123secret", email="other@example.org",
                       species="tusk", details="the other reporter's notes"))
    other = Report.objects.get()
    send(us, entries(us))
    mine = Report.objects.exclude(pk=other.pk).get()
    return mine, other


STAGES = [
    (CaseStatus.TRIAGE, None, "received", "Received", "waiting for an analyst"),
    (CaseStatus.REJECTED, None, "not_actionable", "Closed", "We could not act on this report"),
    (CaseStatus.OUTREACH, None, "outreach", "Passed on", "not a member of the coalition"),
    (CaseStatus.ON_HOLD, None, "in_review", "In review", "being dealt with"),
    (CaseStatus.REFERRED, None, "in_review", "In review", "being dealt with"),
    (CaseStatus.DECIDED, Action.REMOVED_LISTING, "action_taken", "Action taken", "action was taken"),
    (CaseStatus.DECIDED, Action.NO_VIOLATION, "no_violation", "No violation found", "break no rule"),
]


@pytest.mark.parametrize(("status", "action", "stage", "label", "explanation"), STAGES,
                         ids=[f"{s[0]}-{s[1] or ''}" for s in STAGES])
def test_the_status_page_of_every_stage_shows_nothing_private(
        client: Client, busy_case: tuple[Report, Report], role_users: dict[str, Any], status: str,
        action: str | None, stage: str, label: str, explanation: str) -> None:
    mine, other = busy_case
    reviewer = role_users["reviewer"]
    Case.objects.filter(pk=mine.case_id).update(
        status=status, reject_reason="duplicate of an undercover operation", claimed_by=reviewer,
        triaged_by=role_users["analyst"], triaged_at=timezone.now())
    if action:
        Decision.objects.create(case=mine.case, reviewer=reviewer, category="prohibited", action=action,
                                comment="seller linked to case file 2026-17")
    response = client.get(f"/reports/{mine.tracking_code}/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store" and "noindex" in response["X-Robots-Tag"]
    html = response.content.decode()
    main = html[html.index("<main"):]
    assert mine.tracking_code in main and f'data-stage="{stage}"' in main
    assert f"<strong>{label}</strong>" in main and explanation in main
    assert "https://www.shop.example/item/42?utm_source=mail" in main  # the reporter's own address
    for private in (other.tracking_code, "other@example.org", "me@example.org", "abc123secret",
                    "the other reporter", "carved tusk", reviewer.username, role_users["analyst"].username,
                    "undercover", "case file", "Example Shop", "r-shop", "Market Co", "hold", "Held",
                    "law enforcement", "law-enforcement", "triage", "reviewer"):
        assert private not in main, private


def test_a_held_case_reads_exactly_as_one_in_review(client: Client, busy_case: tuple[Report, Report]) -> None:
    mine, _ = busy_case

    def page(status: str) -> str:
        Case.objects.filter(pk=mine.case_id).update(status=status)
        html = client.get(f"/reports/{mine.tracking_code}/").content.decode()
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert page(CaseStatus.ON_HOLD) == page(CaseStatus.REFERRED)


def test_codes_are_found_whatever_their_case_and_unknown_codes_give_404(client: Client) -> None:
    code = send(client, entries(client))["Location"].split("/")[2]
    for spelling in (code.lower(), code, code[3:].lower(), f" {code} "):
        assert client.get(f"/reports/{spelling}/").status_code == 200, spelling
    response = client.get("/reports/WW-ZZZZZZZZZZ/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "No report has the tracking code WW-ZZZZZZZZZZ." in html and 'role="alert"' in html
    # the lookup form
    assert client.get("/reports/track/").status_code == 200
    found = client.get("/reports/track/", {"code": code.lower()})
    assert found.status_code == 302 and found["Location"] == f"/reports/{code}/"
    assert client.get("/reports/track/", {"code": "WW-NOPE/../x"}).status_code == 404
    assert "&lt;script&gt;" in client.get("/reports/<script>/").content.decode()


def test_reports_without_a_code_have_no_status_page(client: Client, shop: Platform) -> None:
    from wildwatch.hub.reports import services

    services.file_report("automated", "https://shop.example/item/3", platform=shop)
    assert client.get("/reports/None/").status_code == 404


# --- French -------------------------------------------------------------------------------------------------------


def _french(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "fr", "next": NEW})
    assert response.status_code == 302


def test_the_form_in_french(client: Client, elephant: Taxon) -> None:
    _french(client)
    html = client.get(NEW).content.decode()
    assert '<html lang="fr"' in html
    for text in ("Signaler une annonce", "Adresse (URL) de l’annonce", "Animal ou plante", "Ce qui est vendu",
                 "Capture d’écran", "Votre adresse e-mail", "Envoyer le signalement", "obligatoire",
                 "Peaux, cuir et fourrure"):
        assert escape(text) in html, text
    html = client.get(NEW + "?species=éléphant").content.decode()
    assert '<option value="Éléphant d&#x27;Afrique" label="Loxodonta africana">' in html  # names in French
    data = entries(client, url="pas une adresse", species="", product="")
    html = send(client, data).content.decode()
    assert escape("Ce n’est pas l’adresse d’une page web.") in html
    assert "Dites-nous ce qui est vendu" in html
    data = entries(client)
    response = send(client, {**data, "screenshot": upload(b"GIF89a-not-really", "x.gif")})
    assert escape("Ce fichier n’est pas une image") in response.content.decode()


def test_the_status_page_in_french(client: Client) -> None:
    location = send(client, entries(client))["Location"]
    _french(client)
    html = client.get(location).content.decode()
    for text in ("Votre signalement", "Code de suivi", "Reçu le", "Étape", "Reçu", "attend"):
        assert escape(text) in html, text
    assert "Report not found" not in client.get("/reports/WW-ZZZZZZZZZZ/").content.decode()


def test_the_cache_keys_hold_no_raw_address(client: Client) -> None:
    send(client, entries(client), REMOTE_ADDR="198.51.100.77")
    cache = caches["default"]
    assert not any("198.51.100.77" in key for key in _cache_keys(cache))


def _cache_keys(cache: Any) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM wildwatch_cache")
        return [row[0] for row in cursor.fetchall()]
