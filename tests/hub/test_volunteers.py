"""Cyber spotters: registration in the volunteer programme, the quiz before submitting, multi-listing submissions
(one report each, joining existing cases, all or nothing, once per form), their own reports and accuracy only, and
nothing of the keyword library."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from login_helpers import force_login, login

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import Membership
from wildwatch.hub.library.models import Term
from wildwatch.hub.reports import services as reports
from wildwatch.hub.reports.models import Case, Report
from wildwatch.hub.training import content
from wildwatch.hub.training import services as training
from wildwatch.hub.training.models import Quiz
from wildwatch.hub.volunteers import services

pytestmark = pytest.mark.django_db
User = get_user_model()
STRONG = "tusk-and-feather-42"


@pytest.fixture
def quiz() -> Quiz:
    return content.install(content.CYBER_SPOTTER_BASICS)  # type: ignore[no-any-return]


def pass_quiz(user: Any, quiz: Quiz) -> None:
    right = {q.pk: [c.pk for c in q.choices.all() if c.correct] for q in training.questions_of(quiz)}
    assert training.record_attempt(user, quiz, right).passed


@pytest.fixture
def spotter(role_users: dict[str, Any], password: str, quiz: Quiz) -> Client:
    """The volunteer of ``role_users``, logged in, quiz passed."""
    pass_quiz(role_users["volunteer"], quiz)
    client = Client()
    assert login(client, "user-volunteer", password)
    return client


def form_of(client: Client) -> dict[str, str]:
    page = client.get("/volunteers/submit/")
    assert page.status_code == 200
    return {"token": page.context["form"].initial["token"]}


def submit(client: Client, urls: list[str], **fields: str) -> Any:
    return client.post("/volunteers/submit/", {**form_of(client), "urls": "\n".join(urls), **fields})


# --- registration --------------------------------------------------------------------------------------------------


def test_registration_is_closed_without_a_volunteer_programme(client: Client, quiz: Quiz) -> None:
    page = client.get("/volunteers/register/")
    assert page.status_code == 200 and "Registration is closed" in page.content.decode()
    assert "<form method=\"post\" id=\"register\"" not in page.content.decode()
    client.post("/volunteers/register/", {"username": "newbie", "password1": STRONG, "password2": STRONG})
    assert not User.objects.filter(username="newbie").exists()


def test_registration_makes_a_logged_in_volunteer_and_sends_them_to_the_quiz(client: Client, quiz: Quiz) -> None:
    first = accounts.create_organisation("spotters", "Spotters", "volunteers")
    accounts.create_organisation("a-later-one", "A later one", "volunteers")
    accounts.create_organisation("an-ngo", "An NGO", "ngo")
    assert services.programme() == first
    page = client.get("/volunteers/register/")
    html = page.content.decode()
    assert page.status_code == 200 and "Spotters" in html and 'id="id_password1"' in html
    response = client.post("/volunteers/register/", {"username": "newbie", "email": "n@example.org",
                                                     "password1": STRONG, "password2": STRONG})
    assert response.status_code == 302 and response["Location"] == "/volunteers/quiz/"
    user = User.objects.get(username="newbie")
    assert user.check_password(STRONG) and user.email == "n@example.org" and not user.is_staff
    assert list(Membership.objects.filter(user=user).values_list("organisation__slug", "role")) == [
        ("spotters", "volunteer")]
    quiz_page = client.get("/volunteers/quiz/")  # logged in
    assert quiz_page.status_code == 200 and "Welcome to the cyber spotters" in quiz_page.content.decode()
    assert client.get("/volunteers/register/")["Location"] == "/volunteers/"  # registered already


@pytest.mark.parametrize(("password1", "password2", "message"), [
    ("short", "short", "too short"),
    ("password123", "password123", "too common"),
    (STRONG, STRONG + "x", "didn’t match"),
])
def test_registration_validates_passwords(client: Client, password1: str, password2: str, message: str) -> None:
    accounts.create_organisation("spotters", "Spotters", "volunteers")
    response = client.post("/volunteers/register/", {"username": "newbie", "password1": password1,
                                                     "password2": password2})
    assert response.status_code == 422 and message in response.content.decode()
    assert 'value="newbie"' in response.content.decode()  # the entries are kept
    assert not User.objects.filter(username="newbie").exists()


def test_a_taken_username_is_refused(role_users: dict[str, Any], client: Client) -> None:
    response = client.post("/volunteers/register/", {"username": "user-analyst", "password1": STRONG,
                                                     "password2": STRONG})
    assert response.status_code == 422
    assert not Membership.objects.filter(user=role_users["analyst"], role="volunteer").exists()


# --- submitting ----------------------------------------------------------------------------------------------------


def test_submitting_waits_for_the_quiz(role_users: dict[str, Any], password: str, quiz: Quiz) -> None:
    client = Client()
    assert login(client, "user-volunteer", password)
    page = client.get("/volunteers/submit/", follow=True)
    assert page.redirect_chain[-1][0] == "/volunteers/quiz/"
    assert "Pass the training quiz first" in page.content.decode()
    posted = client.post("/volunteers/submit/", {"urls": "https://shop.example/item/1", "token": "x"})
    assert posted.status_code == 302 and posted["Location"] == "/volunteers/quiz/"
    assert not Report.objects.exists()
    assert "Take the quiz" in client.get("/volunteers/").content.decode()


def test_one_report_per_listing_joining_existing_cases(spotter: Client, role_users: dict[str, Any]) -> None:
    existing = reports.file_report("public", "https://www.shop.example/item/7?utm_source=x", email="a@b.example")
    response = submit(spotter, ["https://shop.example/item/7", "  https://market.example/lot/1  ", "",
                                "http://bazaar.example/p?id=3"],
                      species_text="Pangolin", product="scales", seller_handle="scaleking",
                      seller_contacts="WhatsApp: +84 912 345 678\nKing.Scales+shop@GMAIL.com\nt.me/ScaleKing\n"
                                      "ask in shop",
                      notes="same seller on three sites")
    assert response.status_code == 302 and response["Location"] == "/volunteers/"
    mine = Report.objects.filter(reporter=role_users["volunteer"]).order_by("id")
    assert mine.count() == 3 and {r.kind for r in mine} == {"volunteer"}
    assert all(r.tracking_code and r.tracking_code.startswith("WW-") for r in mine)
    assert Case.objects.count() == 3  # one new case per new listing, the known listing joins its case
    assert mine[0].case == existing.case and existing.case.reports.count() == 2
    first = mine[0]
    assert (first.species_text, first.product, first.seller_handle, first.notes) == (
        "Pangolin", "scales", "scaleking", "same seller on three sites")
    assert first.seller_contacts == ["whatsapp:+84912345678", "kingscales@gmail.com", "telegram:scaleking",
                                     "ask in shop"]
    assert mine[1].url == "https://market.example/lot/1"
    assert mine[1].case.seller_handle == "scaleking" and "telegram:scaleking" in mine[1].case.seller_contacts
    home = spotter.get("/volunteers/").content.decode()
    assert "3 listings reported" in home
    for report in mine:
        assert str(report.tracking_code) in home
    assert home.count('data-stage="received"') == 3


def test_bad_lines_are_all_reported_and_the_entries_kept(spotter: Client) -> None:
    response = submit(spotter, ["https://shop.example/item/1", "not a url", "ftp://files.example/x",
                                "https://shop.example/item/2"], seller_handle="keepme", notes="my notes")
    html = response.content.decode()
    assert response.status_code == 422
    assert "Line 2 is not a web address" in html and "Line 3 is not a web address" in html
    assert "Line 1 " not in html and "Line 4 " not in html
    assert "https://shop.example/item/1\nnot a url\nftp://files.example/x" in html
    assert 'value="keepme"' in html and "my notes" in html
    assert not Report.objects.exists() and not Case.objects.exists()
    assert submit(spotter, []).status_code == 422


def test_the_same_form_sent_twice_reports_once(spotter: Client) -> None:
    data = {**form_of(spotter), "urls": "https://shop.example/item/1\nhttps://shop.example/item/2"}
    assert spotter.post("/volunteers/submit/", data).status_code == 302
    again = spotter.post("/volunteers/submit/", data, follow=True)
    assert Report.objects.count() == 2
    assert "This form was already sent" in again.content.decode()


def test_a_forged_token_is_refused_and_renewed(spotter: Client, role_users: dict[str, Any]) -> None:
    foreign = services.new_token(role_users["analyst"])
    response = spotter.post("/volunteers/submit/", {"token": foreign, "urls": "https://shop.example/item/1"})
    assert response.status_code == 422 and "This form has expired" in response.content.decode()
    renewed = response.context["form"]["token"].value()
    assert renewed != foreign and "https://shop.example/item/1" in response.content.decode()
    assert spotter.post("/volunteers/submit/", {"token": renewed, "urls": "https://shop.example/item/1"}
                        ).status_code == 302
    assert Report.objects.count() == 1


def test_a_listing_reported_before_is_not_reported_again(spotter: Client) -> None:
    submit(spotter, ["https://shop.example/item/1"])
    response = submit(spotter, ["https://www.shop.example/item/1/", "https://shop.example/item/2",
                                "https://shop.example/item/2"])
    assert response.status_code == 302
    assert Report.objects.count() == 2
    assert "2 addresses were not reported again" in spotter.get("/volunteers/").content.decode()


def test_contacts_are_normalised_where_possible() -> None:
    assert services.normalise_contact(" mailto:Some.One@Example.org ") == "some.one@example.org"
    assert services.normalise_contact("https://wa.me/84912345678") == "whatsapp:+84912345678"
    assert services.normalise_contact("+44 20 7946 0958") == "+442079460958"
    assert services.normalise_contact("@Ivory_Dealer") == "@ivory_dealer"
    assert services.normalise_contact("call  after 6pm") == "call after 6pm"


# --- what a volunteer sees -----------------------------------------------------------------------------------------


def test_a_volunteer_never_sees_another_volunteers_reports(spotter: Client, role_users: dict[str, Any],
                                                           password: str, quiz: Quiz) -> None:
    org = role_users["volunteer"].memberships.get().organisation
    other = accounts.add_member(org, "other-spotter", "volunteer", password=password)
    theirs = reports.file_report("volunteer", "https://shop.example/theirs", reporter=other, notes="their notes")
    submit(spotter, ["https://shop.example/mine"])
    mine = Report.objects.get(reporter=role_users["volunteer"])
    assert spotter.get(f"/volunteers/reports/{theirs.pk}/").status_code == 404
    detail = spotter.get(f"/volunteers/reports/{mine.pk}/")
    assert detail.status_code == 200 and "https://shop.example/mine" in detail.content.decode()
    home = spotter.get("/volunteers/").content.decode()
    assert "shop.example/mine" in home and "shop.example/theirs" not in home
    assert str(theirs.tracking_code) not in home
    # the same listing reported by both: each sees their own report only, never the other's notes
    shared = submit(spotter, ["https://shop.example/theirs"])
    assert shared.status_code == 302
    joined = Report.objects.get(reporter=role_users["volunteer"], case=theirs.case)
    page = spotter.get(f"/volunteers/reports/{joined.pk}/").content.decode()
    assert "their notes" not in page and str(theirs.tracking_code) not in page
    # other roles have no volunteer pages
    analyst = Client()
    force_login(analyst, role_users["analyst"])
    assert analyst.get("/volunteers/").status_code == 403
    assert analyst.get(f"/volunteers/reports/{mine.pk}/").status_code == 403


def test_accuracy_and_stages_after_decisions(spotter: Client, role_users: dict[str, Any]) -> None:
    market = accounts.create_organisation("t-market", "T-MARKET", "member")
    accounts.add_platform(market, "bazaar", "Bazaar", "ecommerce", ["FR"], domains=["bazaar.example"])
    assert "No report decided" not in spotter.get("/volunteers/").content.decode()
    submit(spotter, [f"https://bazaar.example/item/{n}" for n in range(1, 5)] + ["https://elsewhere.example/x"])
    assert "has been decided" in spotter.get("/volunteers/").content.decode()
    analyst, reviewer = role_users["analyst"], role_users["reviewer"]
    cases = {r.url.rsplit("/", 1)[1]: r.case for r in Report.objects.filter(reporter=role_users["volunteer"])}
    for key, action in (("1", "removed_listing"), ("2", "removed_account"), ("3", "no_violation")):
        case = reports.accept(cases[key], analyst)
        assert case.status == "referred"
        Case.objects.filter(pk=case.pk).update(claimed_by=reviewer)
        reports.decide(case, reviewer, "prohibited", action)
    reports.accept(cases["x"], analyst)  # not a member platform: outreach
    assert services.accuracy_of(role_users["volunteer"]).percent == 67
    home = spotter.get("/volunteers/").content.decode()
    assert "67%" in home and "2 of your 3 decided reports were confirmed" in home
    stages = re.findall(r'data-stage="(\w+)"', home)
    assert sorted(stages) == ["action_taken", "action_taken", "no_violation", "outreach", "received"]
    assert "Action taken" in home and "No violation found" in home
    french = spotter.get("/volunteers/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Précision" in french and "Mesures prises" in french and "ont été confirmés" in french


def test_volunteers_never_see_keywords(spotter: Client, role_users: dict[str, Any]) -> None:
    for url in ("/library/", "/library/terms/1/", "/library/proposals/", "/library/releases/",
                "/library/propose/"):
        assert spotter.get(url).status_code == 403, url
    term = Term.objects.create(term_id="t-secret", term="zqxsecretword", lang="en", kind="cover")
    flagged = reports.file_report("automated", "https://shop.example/flagged", term_ids=[term.term_id],
                                  listing_text="carved zqxsecretword bangle")
    assert flagged.case.term_ids == ["t-secret"]
    submit(spotter, ["https://shop.example/flagged"])
    mine = Report.objects.get(reporter=role_users["volunteer"])
    assert mine.case == flagged.case
    for url in ("/volunteers/", f"/volunteers/reports/{mine.pk}/", "/volunteers/submit/", "/volunteers/quiz/"):
        html = spotter.get(url).content.decode()
        assert "zqxsecretword" not in html and "t-secret" not in html, url


@pytest.mark.django_db(transaction=True)
def test_two_racing_posts_of_one_form_report_once(role_users: dict[str, Any]) -> None:
    """A double click: both requests arrive together; one files the reports, the other finds the token used."""
    import threading

    from django.db import connection

    user = role_users["volunteer"]
    nonce = services.read_token(user, services.new_token(user))
    submission = services.Submission(urls=["https://shop.example/race/1", "https://shop.example/race/2"])
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def post() -> None:
        try:
            barrier.wait()
            services.submit(user, submission, nonce)
            outcomes.append("filed")
        except services.AlreadySubmitted:
            outcomes.append("already")
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already", "filed"]
    assert Report.objects.filter(reporter=user).count() == 2 and Case.objects.count() == 2
