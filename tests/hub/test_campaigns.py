"""Awareness campaigns in the hub: the wildlife days, the calendar pages and their form, the search API serving a
campaign's message and counting its reach per member, and releases shipping the campaigns."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from django.utils import timezone
from login_helpers import login as sign_in

from wildwatch.detect.engine import Detector
from wildwatch.detect.library import load_starter
from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import AuditEntry, Organisation
from wildwatch.hub.campaigns import dates, services
from wildwatch.hub.campaigns.models import Campaign
from wildwatch.hub.checks import detectors
from wildwatch.hub.library import services as library
from wildwatch.hub.library.models import Taxon
from wildwatch.hub.usage import services as usage
from wildwatch.hub.usage.models import DailyCount, Metric

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_state(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.SIGNING_KEY_PATH = tmp_path / "signing-key.pem"
    detectors.reset(keep_starter=True)
    caches["default"].clear()
    services.forget()
    yield
    services.forget()  # no campaign of these tests outlives them in the process's calendar


def today() -> date:
    return timezone.now().date()


def make(slug: str = "elephant-day", start: date | None = None, end: date | None = None, **kw: Any) -> Campaign:
    start = start or today() - timedelta(days=1)
    fields: dict[str, Any] = {
        "name": "World Elephant Day", "slug": slug, "start": start, "end": end or start + timedelta(days=3),
        "groups": ["elephants"], "learn_more_url": "https://example.org/elephants",
        "messages": {"en": {"title": "World Elephant Day", "body": "Ivory kills elephants."},
                     "fr": {"title": "Journée de l'éléphant", "body": "L'ivoire tue les éléphants."}}}
    fields.update(kw)
    campaign = Campaign.objects.create(**fields)
    services.forget()
    return campaign


# --- the wildlife days ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("year", "day"), [(2024, 17), (2025, 15), (2026, 21), (2027, 20), (2028, 19), (2031, 15),
                                           (2032, 21)])
def test_world_pangolin_day_is_the_third_saturday_of_february(year: int, day: int) -> None:
    on = dates.world_pangolin_day(year)
    assert on == date(year, 2, day) and on.weekday() == 5 and 15 <= on.day <= 21


def test_the_fixed_wildlife_days() -> None:
    assert dates.world_wildlife_day(2027) == date(2027, 3, 3)
    assert dates.world_sea_turtle_day(2027) == date(2027, 6, 16)
    assert dates.global_tiger_day(2027) == date(2027, 7, 29)
    assert dates.world_elephant_day(2027) == date(2027, 8, 12)
    with pytest.raises(ValueError):
        dates.nth_weekday(2027, 2, 0, 5)  # no fifth Monday in February 2027


def test_upcoming_days_are_in_date_order() -> None:
    upcoming = dates.upcoming_days(date(2026, 8, 12))
    assert [(d.key, on) for d, on in upcoming][:2] == [("elephant", date(2026, 8, 12)), ("pangolin", date(2027, 2, 20))]
    assert dates.WILDLIFE_DAYS["tiger"].next(date(2026, 7, 30)) == date(2027, 7, 29)


# --- the search API -------------------------------------------------------------------------------------------------


def search(key: str, query: str, lang: str | None = None) -> dict[str, Any]:
    body = {"query": query, **({"lang": lang} if lang else {})}
    response = Client().post("/api/v1/search/intercept", data=json.dumps(body), content_type="application/json",
                             HTTP_X_API_KEY=key)
    assert response.status_code == 200, response.content
    return dict(response.json())


def test_the_api_serves_a_running_campaigns_message(keys: dict[str, str]) -> None:
    make()
    fr = search(keys["engineer"], "ivoire à vendre ngà voi", "fr")
    assert fr == {"intercept": True, "title": "Journée de l'éléphant", "message": "L'ivoire tue les éléphants.",
                  "learn_more_url": "https://example.org/elephants", "campaign": "elephant-day"}
    vi = search(keys["engineer"], "ngà voi", "vi")  # no Vietnamese message: English
    assert (vi["title"], vi["campaign"]) == ("World Elephant Day", "elephant-day")
    tiger = search(keys["engineer"], "buy tiger skin", "en")  # not the campaign's species: the library's message
    assert tiger["intercept"] and "campaign" not in tiger and tiger["title"] != "World Elephant Day"
    quiet = search(keys["engineer"], "tiger print dress")
    assert quiet == {"intercept": False, "title": None, "message": None, "learn_more_url": None}


def test_outside_its_window_the_campaign_is_not_served(keys: dict[str, str]) -> None:
    make("over", start=today() - timedelta(days=10), end=today() - timedelta(days=1))
    make("later", start=today() + timedelta(days=1))
    body = search(keys["engineer"], "buy ivory", "en")
    assert body["intercept"] and "campaign" not in body


def test_a_campaign_by_taxon(keys: dict[str, str]) -> None:
    make("tiger-day", groups=[], taxa=["panthera-tigris"],
         messages={"en": {"title": "Global Tiger Day", "body": "Tigers are not for sale."}})
    body = search(keys["engineer"], "buy tiger skin", "en")
    assert (body["campaign"], body["title"]) == ("tiger-day", "Global Tiger Day")
    assert "campaign" not in search(keys["engineer"], "buy ivory", "en")


def test_reach_is_counted_per_member(keys: dict[str, str], django_capture_on_commit_callbacks: Any) -> None:
    campaign = make()
    other = accounts.create_organisation("other-market", "Other Market", "member")
    accounts.add_platform(other, "other-shop", "Shop", "ecommerce", ["KE"])
    _, other_key = accounts.create_api_key("other-market", role="engineer")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            search(keys["engineer"], "buy ivory", "en")
        search(keys["engineer"], "buy tiger skin", "en")  # a pop-up, not the campaign's
        search(other_key, "ngà voi", "vi")
    usage.flush()
    market = Organisation.objects.get(slug="api-market")
    assert usage.campaign_reach("elephant-day", campaign.start, campaign.end) == {market.pk: 3, other.pk: 1}
    assert usage.campaign_reach("elephant-day", campaign.end + timedelta(days=1), campaign.end + timedelta(days=9)) == {}
    assert usage.campaign_reach("another", campaign.start, campaign.end) == {}
    row = DailyCount.objects.get(organisation=market, metric=Metric.CAMPAIGN_POPUPS)
    assert (row.term_id, row.count, row.day) == ("elephant-day", 3, today())
    popups = sum(DailyCount.objects.filter(organisation=market, metric=Metric.POPUPS).values_list("count", flat=True))
    assert popups == 4  # every pop-up, the campaign's included


# --- releases -------------------------------------------------------------------------------------------------------


def test_releases_ship_the_running_and_upcoming_campaigns(db: Any) -> None:
    make("over", start=today() - timedelta(days=10), end=today() - timedelta(days=1))
    make("running")
    make("upcoming", start=today() + timedelta(days=30))
    library.import_library(load_starter())
    release = library.publish_release(changelog="with campaigns")
    shipped = library.release_library(release)
    assert [c.slug for c in shipped.campaigns] == ["running", "upcoming"]
    assert shipped.digest() == release.content_digest
    assert Detector(shipped).check_search("buy ivory", "fr", today()).campaign == "running"
    # each organisation's watermarked copy keeps them, so embedded detectors show them too
    from wildwatch.detect.library import load_bundle
    from wildwatch.hub.accounts import services as accounts

    org = accounts.create_organisation("camp-market", "Camp Market", "member")
    copy, _, _ = library.watermarked_bundle(release, org)
    assert [c.slug for c in load_bundle(copy)[0].campaigns] == ["running", "upcoming"]


# --- the pages ------------------------------------------------------------------------------------------------------


def login(role: str, password: str) -> Client:
    client = Client()
    assert sign_in(client, f"user-{role}", password)
    return client


def _form(**overrides: Any) -> dict[str, Any]:
    data = {"name": "World Pangolin Day 2027", "slug": "pangolin-day-2027", "start": "2027-02-14",
            "end": "2027-02-20", "taxa_text": "", "groups_choice": ["pangolins"],
            "learn_more_url": "https://example.org/pangolins",
            "title_en": "Pangolins", "body_en": "Scales are not medicine.", "title_fr": "", "body_fr": ""}
    data.update(overrides)
    return data


@pytest.fixture
def taxa(db: Any) -> None:
    Taxon.objects.create(taxon_id="manis-javanica", scientific_name="Manis javanica", group="pangolins",
                         category="prohibited")
    Taxon.objects.create(taxon_id="loxodonta-africana", scientific_name="Loxodonta africana", group="elephants",
                         category="prohibited")


def test_analysts_create_and_edit_campaigns(role_users: dict[str, Any], password: str, taxa: None) -> None:
    client = login("analyst", password)
    page = client.get("/campaigns/new/?day=pangolin")
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["groups_choice"] == ["pangolins"] and form.initial["end"].weekday() == 5
    response = client.post("/campaigns/new/", _form(taxa_text="manis-javanica"))
    assert response.status_code == 302 and response["Location"] == "/campaigns/pangolin-day-2027/"
    campaign = Campaign.objects.get(slug="pangolin-day-2027")
    assert campaign.taxa == ["manis-javanica"] and campaign.groups == ["pangolins"]
    assert campaign.messages == {"en": {"title": "Pangolins", "body": "Scales are not medicine."}}
    assert campaign.created_by == role_users["analyst"]
    assert AuditEntry.objects.filter(action="campaign.create", target="pangolin-day-2027").exists()
    edited = client.post("/campaigns/pangolin-day-2027/edit/", _form(
        slug="changed", end="2027-02-21", title_fr="Pangolins", body_fr="Les écailles ne soignent pas."))
    assert edited.status_code == 302
    campaign.refresh_from_db()
    assert campaign.slug == "pangolin-day-2027" and campaign.end == date(2027, 2, 21)  # the slug stays
    assert set(campaign.messages) == {"en", "fr"}
    calendar = client.get("/campaigns/")
    assert calendar.status_code == 200 and b"World Pangolin Day 2027" in calendar.content
    assert b"/campaigns/new/" in calendar.content


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"end": "2027-02-01"}, "end", "The last day is before the first day."),
    ({"title_en": "", "body_en": ""}, "title_en", "The message in English is required"),
    ({"title_en": "", "body_en": "", "title_fr": "Pangolins", "body_fr": "Non."}, "title_en",
     "The message in English is required"),
    ({"body_en": ""}, "body_en", "A message needs both a title and a text."),
    ({"groups_choice": [], "taxa_text": ""}, "__all__", "Choose at least one taxon or species group."),
    ({"taxa_text": "manis-javanica, unicornis-magica"}, "taxa_text", "Not taxa of the library: unicornis-magica."),
    ({"groups_choice": ["dragons"]}, "groups_choice", "Select a valid choice."),
    ({"start": "soon"}, "start", "Enter a valid date."),
])
def test_form_errors(role_users: dict[str, Any], password: str, taxa: None, overrides: dict[str, Any], field: str,
                     message: str) -> None:
    response = login("analyst", password).post("/campaigns/new/", _form(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in e for e in errors.get(field, [])), errors
    assert not Campaign.objects.exists()


def test_duplicate_slugs_are_refused(role_users: dict[str, Any], password: str, taxa: None) -> None:
    make("pangolin-day-2027")
    response = login("coalition_admin", password).post("/campaigns/new/", _form())
    assert response.status_code == 200 and "slug" in response.context["form"].errors


def test_members_see_the_calendar_and_their_own_reach(role_users: dict[str, Any], password: str) -> None:
    campaign = make()
    market = Organisation.objects.get(slug="t-market")
    rival = accounts.create_organisation("rival", "Rival Market", "member")
    for org, n in ((market, 5), (rival, 7)):
        platform = accounts.add_platform(org, f"{org.slug}-shop2", "Shop", "ecommerce", ["FR"])
        for _ in range(n):
            usage.count_search(platform, True, campaign.slug)
    member = login("reviewer", password)
    calendar = member.get("/campaigns/")
    assert calendar.status_code == 200 and b"World Elephant Day" in calendar.content
    assert b"/campaigns/new/" not in calendar.content
    page = member.get(f"/campaigns/{campaign.slug}/")
    assert page.status_code == 200
    assert [(r["organisation"].slug, r["popups"]) for r in page.context["reach"]] == [("t-market", 5)]
    assert b"Rival Market" not in page.content and b"/edit/" not in page.content
    assert member.get(f"/campaigns/{campaign.slug}/edit/").status_code == 403
    assert member.post("/campaigns/new/", _form()).status_code == 403
    analyst = login("analyst", password).get(f"/campaigns/{campaign.slug}/")
    assert [(r["organisation"].slug, r["popups"]) for r in analyst.context["reach"]] == [("rival", 7), ("t-market", 5)]
    assert analyst.context["total"] == 12


def test_pages_permissions(role_users: dict[str, Any], password: str) -> None:
    make()
    pages = ["/campaigns/", "/campaigns/elephant-day/", "/campaigns/new/", "/campaigns/elephant-day/edit/"]
    expected = {"analyst": [200] * 4, "coalition_admin": [200] * 4, "reviewer": [200, 200, 403, 403],
                "member_admin": [200, 200, 403, 403], "engineer": [200, 200, 403, 403],
                "officer": [403] * 4, "volunteer": [403] * 4}
    for role, statuses in expected.items():
        client = login(role, password)
        assert [client.get(p).status_code for p in pages] == statuses, role
    assert Client().get("/campaigns/").status_code == 302
    assert login("analyst", password).get("/campaigns/nope/").status_code == 404
