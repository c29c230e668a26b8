"""The public members page: member companies and their platforms with join dates, and the attested user base."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import Organisation, Platform
from wildwatch.hub.metrics import attestations

pytestmark = pytest.mark.django_db


def test_members_page_lists_companies_platforms_and_accepted_user_base(db: Any) -> None:
    a = accounts.create_organisation("mp-a", "Alpha Market", "member")
    b = accounts.create_organisation("mp-b", "Beta Social", "member")
    accounts.create_organisation("mp-c", "Not joined yet", "member")
    ngo = accounts.create_organisation("mp-ngo", "Some NGO", "ngo")
    Organisation.objects.filter(pk=a.pk).update(joined_on=date(2018, 3, 1))
    Organisation.objects.filter(pk=b.pk).update(joined_on=date(2020, 5, 4))
    Organisation.objects.filter(pk=ngo.pk).update(joined_on=date(2018, 3, 1))
    shop = accounts.add_platform(a, "mp-a-shop", "Alpha Shop", "ecommerce", ["FR"])
    Platform.objects.filter(pk=shop.pk).update(joined_on=date(2018, 3, 1))
    accounts.add_platform(b, "mp-b-app", "Beta App", "social", ["KE"])
    admin = accounts.add_member(a, "mp-admin", "member_admin")
    analyst = accounts.add_member(ngo, "mp-analyst", "analyst")
    accepted = attestations.create(a, date(2024, 1, 1), date(2024, 1, 31), {"user_accounts": 1500000},
                                   platform=shop, actor=admin)
    attestations.review(attestations.submit(accepted, actor=admin), accept=True, actor=analyst)
    pending = attestations.create(b, date(2024, 1, 1), date(2024, 1, 31), {"user_accounts": 999}, actor=admin)
    attestations.submit(pending, actor=admin)  # not accepted: not shown

    response = Client().get("/metrics/members/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 companies have joined the coalition." in page
    assert page.index("Alpha Market") < page.index("Beta Social")  # by join date
    assert "Alpha Shop" in page and "Beta App" in page
    assert "2018-03-01" in page or "March 1, 2018" in page
    assert "1,500,000" in page or "1500000" in page
    assert "999" not in page
    assert "Some NGO" not in page and "Not joined yet" not in page


def test_members_page_in_french(db: Any) -> None:
    a = accounts.create_organisation("mp-f", "Gamma", "member")
    Organisation.objects.filter(pk=a.pk).update(joined_on=date(2019, 1, 2))
    page = Client().get("/metrics/members/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Entreprises membres" in page
