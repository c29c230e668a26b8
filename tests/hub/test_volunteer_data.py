"""A volunteer's own data: the download (everything about them, nothing about anybody else, only for the signed-in
volunteer) and the deletion of their account (confirmed by their password and a tick; their reports stay,
anonymous; they are signed out and cannot sign in again)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from axes.models import AccessLog
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from login_helpers import verify_session

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import AuditEntry, Membership
from wildwatch.hub.accounts.roles import Role
from wildwatch.hub.reports import services as reports
from wildwatch.hub.reports.models import Case, Report
from wildwatch.hub.training import content as training_content
from wildwatch.hub.training import services as training
from wildwatch.hub.training.models import Attempt
from wildwatch.hub.volunteers import privacy

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-9"
DOWNLOAD = reverse("volunteers:download_data")
PAGE = reverse("volunteers:my_data")
DELETE = reverse("volunteers:delete_account")


@pytest.fixture
def people(db: Any) -> dict[str, Any]:
    training_content.install(training_content.CYBER_SPOTTER_BASICS)
    spotters = accounts.create_organisation("vd-spotters", "VD Spotters", "volunteers")
    ana = accounts.add_member(spotters, "vd-ana", Role.VOLUNTEER, password=PASSWORD, email="ana@example.org")
    ben = accounts.add_member(spotters, "vd-ben", Role.VOLUNTEER, password=PASSWORD, email="ben@example.org")
    training.record_attempt(ana, training.get_quiz("cyber-spotter-basics"), {})
    mine = reports.file_report("volunteer", "https://vshop.example/item/1", reporter=ana, notes="Ana's own notes",
                               seller_handle="tusk_seller", species_text="Manis javanica")
    reports.file_report("volunteer", "https://vshop.example/item/1?ref=x", reporter=ben, notes="Ben's secret notes")
    reports.file_report("public", "https://vshop.example/item/1", email="stranger@example.org",
                        notes="A stranger's notes")
    reports.file_report("volunteer", "https://vshop.example/item/2", reporter=ben, notes="Ben again")
    return {"ana": ana, "ben": ben, "report": mine, "spotters": spotters}


def _sign_in(username: str, password: str = PASSWORD) -> Client:
    """Through the login page (with a client address, as the lockout's records need on PostgreSQL)."""
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302, response.status_code
    return client


def _client(user: Any) -> Client:
    return _sign_in(user.username)


# --- download ------------------------------------------------------------------------------------------------------


def test_the_download_holds_everything_about_the_volunteer_and_nothing_about_others(people: dict[str, Any]) -> None:
    stumble = Client(REMOTE_ADDR="10.0.0.9")  # a failed login from elsewhere: the hub keeps failures, not successes
    assert stumble.post("/accounts/login/", {"username": "vd-ana", "password": "not-it"}).status_code == 200
    response = _client(people["ana"]).get(DOWNLOAD)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="wildwatch-my-data-')
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    assert data["account"]["username"] == "vd-ana" and data["account"]["email"] == "ana@example.org"
    assert data["memberships"] == [{"organisation": "VD Spotters", "role": "volunteer",
                                    "since": data["memberships"][0]["since"]}]
    assert len(data["training"]) == 1 and data["training"][0]["quiz"] == "cyber-spotter-basics"
    assert [r["notes"] for r in data["reports"]] == ["Ana's own notes"]
    assert data["reports"][0]["seller_handle"] == "tusk_seller"
    assert data["reports"][0]["tracking_code"] == people["report"].tracking_code
    assert data["reports"][0]["stage"] == "received"
    assert {a["action"] for a in data["actions"]} >= {"quiz.attempt", "report.create"}
    # the failure from elsewhere is kept (a success resets only its own address's count); no success is logged
    assert [(row["kind"], row["ip_address"]) for row in data["logins"]] == [("failed_logins", "10.0.0.9")]
    text = response.content.decode()
    for other in ("vd-ben", "ben@example.org", "Ben's secret notes", "Ben again", "stranger@example.org",
                  "A stranger's notes"):
        assert other not in text
    assert AuditEntry.objects.filter(action="volunteer.export", actor=people["ana"]).count() == 1


def test_the_download_and_the_page_need_a_signed_in_volunteer(people: dict[str, Any], role_users: dict[str, Any],
                                                              password: str) -> None:
    for url in (DOWNLOAD, PAGE):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    reviewer = _sign_in(f"user-{Role.REVIEWER}", password)
    assert reviewer.get(DOWNLOAD).status_code == 403
    assert reviewer.post(DELETE, {"password": password, "confirm": "on"}).status_code == 403
    assert _client(people["ana"]).post(DOWNLOAD).status_code == 405
    assert _client(people["ana"]).get(DELETE).status_code == 405
    assert not AuditEntry.objects.filter(action="volunteer.export").exists()


def test_the_page_explains_and_offers_both(people: dict[str, Any]) -> None:
    page = _client(people["ana"]).get(PAGE)
    assert page.status_code == 200
    text = page.content.decode()
    assert DOWNLOAD in text and DELETE in text and "365 days" in text
    assert 'name="csrfmiddlewaretoken"' in text
    assert reverse("volunteers:my_data") in _client(people["ana"]).get(reverse("volunteers:home")).content.decode()


# --- deletion ------------------------------------------------------------------------------------------------------


def test_deletion_needs_the_password_and_the_tick(people: dict[str, Any]) -> None:
    client = _client(people["ana"])
    for data in ({}, {"password": PASSWORD}, {"confirm": "on"}, {"password": "wrong-password-1", "confirm": "on"}):
        response = client.post(DELETE, data)
        assert response.status_code == 422, data
        assert "Nothing was deleted" in response.content.decode()
    ana = get_user_model().objects.get(pk=people["ana"].pk)
    assert ana.is_active and ana.username == "vd-ana" and Attempt.objects.filter(user=ana).exists()
    assert not AuditEntry.objects.filter(action="volunteer.erase").exists()
    assert client.get(PAGE).status_code == 200  # still signed in


def test_deletion_erases_the_account_keeps_the_reports_anonymous_and_signs_out(people: dict[str, Any]) -> None:
    ana, report = people["ana"], people["report"]
    cases, reports_before = Case.objects.count(), Report.objects.count()
    client = _client(ana)
    other_session = _client(ana)

    response = client.post(DELETE, {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" not in client.session
    assert client.get(PAGE).status_code == 302  # signed out
    assert other_session.get(PAGE).status_code == 302  # the account's other sessions end too
    ana = get_user_model().objects.get(pk=ana.pk)
    assert ana.username == f"deleted-{ana.pk}" and ana.email == "" and not ana.is_active
    assert not ana.has_usable_password() and ana.last_login is None
    assert not Client().login(username="vd-ana", password=PASSWORD)
    assert not Attempt.objects.filter(user=ana).exists() and not Membership.objects.filter(user=ana).exists()
    assert not AccessLog.objects.filter(username="vd-ana").exists()
    # the reports stay, anonymous; the case keeps what the report said about the listing
    assert Case.objects.count() == cases and Report.objects.count() == reports_before
    report.refresh_from_db()
    assert report.reporter is None and report.reporter_email == "" and report.notes == "Ana's own notes"
    assert report.case.seller_handle == "tusk_seller"
    # nobody else is touched
    ben = get_user_model().objects.get(pk=people["ben"].pk)
    assert ben.is_active and Report.objects.filter(reporter=ben).count() == 2
    entry = AuditEntry.objects.get(action="volunteer.erase")
    assert entry.target == f"user:{ana.pk}" and "ana" not in json.dumps(entry.details)
    assert entry.details["reports_unlinked"] == 1 and entry.details["training_attempts"] == 1


def test_an_account_with_other_roles_cannot_delete_itself_here(people: dict[str, Any]) -> None:
    ngo = accounts.create_organisation("vd-ngo", "VD NGO", "ngo")
    accounts.add_member(ngo, "vd-ana", Role.ANALYST)
    client = _client(people["ana"])
    verify_session(client, people["ana"])  # an analyst's sign-in includes the second factor
    assert "ask your organisation" in client.get(PAGE).content.decode()
    response = client.post(DELETE, {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 403
    assert get_user_model().objects.get(pk=people["ana"].pk).is_active
    with pytest.raises(privacy.ErasureRefused):
        privacy.erase(people["ana"])


def test_deletion_needs_the_csrf_token(people: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.cookies = _sign_in("vd-ana").cookies
    assert client.get(PAGE).status_code == 200
    assert client.post(DELETE, {"password": PASSWORD, "confirm": "on"}).status_code == 403
    assert get_user_model().objects.get(pk=people["ana"].pk).is_active
