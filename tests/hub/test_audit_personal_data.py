"""The audit log is append-only and kept for good, so it holds no personal data that has a retention period: people
by account id, lockouts by account id and client network, never reporters' e-mail addresses, listing texts or
seller contacts. The failed-login records that do hold the address and the name typed are purged after their
period."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from wildwatch.hub.accounts import auditchain
from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.lockout import client_network
from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.accounts.roles import Role
from wildwatch.hub.reports import services as reports
from wildwatch.hub.review import retention
from wildwatch.hub.volunteers import privacy

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-9"


def everything_audited() -> str:
    """Every entry as sealed (its payload) and as stored (target, details)."""
    auditchain.seal()
    return "\n".join(f"{e.payload}\n{e.target}\n{json.dumps(e.details)}" for e in AuditEntry.objects.all())


def fail_logins(username: str, ip: str, times: int = 5) -> None:
    for _ in range(times):
        Client().post(reverse("login"), {"username": username, "password": "wrong-password-1"}, REMOTE_ADDR=ip)


def test_a_volunteers_name_and_reports_leave_no_trace_in_the_audit_log(db: Any) -> None:
    spotters = accounts.create_organisation("ap-spotters", "AP Spotters", "volunteers")
    vera = accounts.add_member(spotters, "vera-lynx", Role.VOLUNTEER, password=PASSWORD, email="vera@example.org")
    reports.file_report("volunteer", "https://apshop.example/item/1", reporter=vera, notes="pangolin scales in bulk",
                        seller_handle="scales_dealer", seller_contacts=["+84 912 345 678"],
                        listing_text="Pangolin scales 5 kg, WhatsApp only")
    reports.file_report("public", "https://apshop.example/item/2", email="walker@example.org",
                        listing_text="Ivory bangle, DM for price", seller_contacts=["tusk.seller@example.net"])
    fail_logins("vera-lynx", "203.0.113.77")
    privacy.erase(vera)

    logged = everything_audited()
    entry = AuditEntry.objects.get(action="member.add", target=f"user:{vera.pk}")
    assert entry.details == {"role": "volunteer"}
    assert AuditEntry.objects.filter(action="auth.lockout", target=f"user:{vera.pk}").exists()
    for personal in ("vera-lynx", "vera@example.org", "walker@example.org", "+84 912 345 678", "84912345678",
                     "tusk.seller@example.net", "scales_dealer", "Pangolin scales 5 kg", "Ivory bangle",
                     "pangolin scales in bulk", "203.0.113.77"):
        assert personal not in logged, personal
    assert "203.0.113.0/24" in logged  # the network, for blocking a range


def test_a_lockout_of_a_name_that_is_no_account_keeps_nothing_typed(db: Any) -> None:
    fail_logins("my-Secret-Passw0rd", "2001:db8:1234:5678::9")  # a password typed in the name field
    entry = AuditEntry.objects.get(action="auth.lockout")
    assert entry.target == "unknown user" and entry.details == {"network": "2001:db8:1234::/48"}
    assert "Passw0rd" not in everything_audited()
    assert client_network("not an address") == "" and client_network(None) == ""


def test_the_audit_page_shows_the_current_name_beside_the_id(role_users: dict[str, Any], password: str) -> None:
    from login_helpers import login

    client = Client()
    assert login(client, "user-analyst", password)
    volunteer = role_users[Role.VOLUNTEER]
    html = client.get("/accounts/audit/?action=member.add").content.decode()
    assert f"user:{volunteer.pk} (user-volunteer)" in html
    privacy.erase(volunteer)
    html = client.get("/accounts/audit/?action=member.add").content.decode()
    assert f"user:{volunteer.pk}" in html and "(user-volunteer)" not in html


def test_failed_login_records_are_purged_after_their_period(db: Any, settings: Any) -> None:
    ngo = accounts.create_organisation("ap-ngo", "AP NGO", "ngo")
    accounts.add_member(ngo, "ap-analyst", Role.ANALYST, password=PASSWORD)
    fail_logins("ap-analyst", "198.51.100.20", times=2)
    fail_logins("ap-analyst", "198.51.100.21", times=2)
    fail_logins("nobody-here", "198.51.100.20", times=1)
    # one record per (name typed, address), with the browser and the failure count
    assert AccessAttempt.objects.count() == 3
    AccessAttempt.objects.filter(ip_address="198.51.100.20").update(attempt_time=timezone.now() - timedelta(days=91))

    assert retention.purge(dry_run=True).login_failures == 2
    assert AccessAttempt.objects.count() == 3
    counts = retention.purge()
    assert counts.login_failures == 2
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.21"}
    entry = AuditEntry.objects.get(action="retention.purge")
    assert entry.details["login_failures"] == 2 and entry.details["periods_days"]["login_failure"] == 90

    settings.WILDWATCH_RETAIN_LOGIN_FAILURE_DAYS = 1
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(days=2))
    assert retention.purge().login_failures == 1
    assert not AccessAttempt.objects.exists()
    assert get_user_model().objects.filter(username="ap-analyst").exists()  # only the records go
