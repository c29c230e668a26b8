"""Attestations: the workflow (draft, submit, accept or send back), locking, corrections as new versions,
permissions (a member never sees another member's), and the model policy's adoptions."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from login_helpers import login

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.metrics import attestations, indicators, policy
from wildwatch.hub.metrics.models import Attestation, AttestationLocked, AttestationState, ModelPolicy, PolicyAdoption

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-9"
MARCH = (date(2024, 3, 1), date(2024, 3, 31))


@pytest.fixture
def people(db: Any) -> dict[str, Any]:
    a = accounts.create_organisation("at-a", "Market A", "member")
    b = accounts.create_organisation("at-b", "Market B", "member")
    ngo = accounts.create_organisation("at-ngo", "NGO", "ngo")
    return {"a": a, "b": b, "pa": accounts.add_platform(a, "at-a-shop", "Shop A", "ecommerce", ["FR"]),
            "pb": accounts.add_platform(b, "at-b-shop", "Shop B", "ecommerce", ["FR"]),
            "admin_a": accounts.add_member(a, "at-admin-a", "member_admin", password=PASSWORD),
            "reviewer_a": accounts.add_member(a, "at-reviewer-a", "reviewer", password=PASSWORD),
            "admin_b": accounts.add_member(b, "at-admin-b", "member_admin", password=PASSWORD),
            "analyst": accounts.add_member(ngo, "at-analyst", "analyst", password=PASSWORD)}


def client(user: Any) -> Client:
    c = Client()
    assert login(c, user.username, PASSWORD)
    return c


def test_the_workflow_locks_accepted_figures(people: dict[str, Any]) -> None:
    a = attestations.create(people["a"], *MARCH, {"redirects": 5, "user_accounts": ""}, actor=people["admin_a"])
    assert a.state == AttestationState.DRAFT and a.figures == {"redirects": 5}
    a = attestations.edit(a, {"redirects": 6}, actor=people["admin_a"])
    a = attestations.submit(a, actor=people["admin_a"])
    with pytest.raises(attestations.AttestationError):
        attestations.edit(a, {"redirects": 7})  # waits for review
    with pytest.raises(attestations.AttestationError):
        attestations.review(a, accept=False, actor=people["analyst"])  # no comment
    a = attestations.review(a, accept=False, comment="March has 31 days", actor=people["analyst"])
    assert a.state == AttestationState.RETURNED
    a = attestations.edit(a, {"redirects": 8}, actor=people["admin_a"])
    a = attestations.submit(attestations.edit(a, {"redirects": 8}), actor=people["admin_a"])
    a = attestations.review(a, accept=True, actor=people["analyst"])
    assert a.locked
    with pytest.raises(AttestationLocked):
        attestations.edit(a, {"redirects": 9})
    a.figures = {"redirects": 1000}
    with pytest.raises(AttestationLocked):
        a.save()
    with pytest.raises(AttestationLocked):
        a.delete()
    assert Attestation.objects.get(pk=a.pk).figures == {"redirects": 8}
    actions = list(AuditEntry.objects.filter(target=str(a.pk), action__startswith="attestation.")
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["attestation.create", "attestation.edit", "attestation.submit", "attestation.return",
                       "attestation.edit", "attestation.edit", "attestation.submit", "attestation.accept"]


def test_a_correction_is_a_new_version_keeping_the_history(people: dict[str, Any]) -> None:
    a = attestations.create(people["a"], *MARCH, {"redirects": 5}, actor=people["admin_a"])
    attestations.submit(a, actor=people["admin_a"])
    v1 = attestations.review(a, accept=True, actor=people["analyst"])
    v2 = attestations.correct(v1, actor=people["admin_a"])
    assert (v2.version, v2.supersedes_id, v2.state, v2.figures) == (2, v1.pk, "draft", {"redirects": 5})
    with pytest.raises(attestations.AttestationError):
        attestations.correct(v1)  # one correction per version
    attestations.edit(v2, {"redirects": 4})
    attestations.review(attestations.submit(v2, actor=people["admin_a"]), accept=True, actor=people["analyst"])
    v1.refresh_from_db()
    assert v1.state == "accepted" and v1.figures == {"redirects": 5}  # untouched
    assert [v.version for v in attestations.history(v1)] == [1, 2]
    assert [v.pk for v in attestations.current_accepted()] == [v2.pk]
    assert indicators.attested(*MARCH)["redirects"].value == 4


def test_rules_of_the_figures(people: dict[str, Any]) -> None:
    with pytest.raises(attestations.AttestationError):
        attestations.create(people["a"], *MARCH, {"volunteer_reports": 3})  # computed only
    with pytest.raises(attestations.AttestationError):
        attestations.create(people["a"], *MARCH, {"redirects": -1})
    with pytest.raises(attestations.AttestationError):
        attestations.create(people["a"], date(2024, 4, 1), date(2024, 3, 1), {"redirects": 1})
    with pytest.raises(attestations.AttestationError):
        attestations.create(people["a"], *MARCH, {"redirects": 1}, platform=people["pb"])
    empty = attestations.create(people["a"], *MARCH, {})
    with pytest.raises(attestations.AttestationError):
        attestations.submit(empty)
    own = attestations.submit(attestations.create(people["a"], *MARCH, {"redirects": 1}), actor=people["analyst"])
    with pytest.raises(attestations.AttestationError):
        attestations.review(own, accept=True, actor=people["analyst"])  # nobody reviews their own


def test_pages_member_admin_enters_and_analyst_accepts(people: dict[str, Any]) -> None:
    admin = client(people["admin_a"])
    response = admin.post("/metrics/attestations/new/", {
        "organisation": people["a"].pk, "platform": people["pa"].pk, "period_start": "2024-03-01",
        "period_end": "2024-03-31", "figure_user_accounts": "1200", "figure_redirects": "", "submit": "1"})
    assert response.status_code == 302
    a = Attestation.objects.get()
    assert (a.state, a.figures, a.platform_id) == ("submitted", {"user_accounts": 1200}, people["pa"].pk)
    analyst = client(people["analyst"])
    assert f"/metrics/attestations/{a.pk}/" in analyst.get("/metrics/attestations/").content.decode()
    page = analyst.get(f"/metrics/attestations/{a.pk}/").content.decode()
    assert 'id="review"' in page
    analyst.post(f"/metrics/attestations/{a.pk}/review/", {"decision": "accept"})
    a.refresh_from_db()
    assert a.state == "accepted" and a.reviewed_by == people["analyst"]
    response = admin.post(f"/metrics/attestations/{a.pk}/correct/")
    new = Attestation.objects.get(supersedes=a)
    assert response["Location"] == f"/metrics/attestations/{new.pk}/edit/"
    admin.post(f"/metrics/attestations/{new.pk}/edit/", {
        "organisation": people["a"].pk, "platform": people["pa"].pk, "period_start": "2024-03-01",
        "period_end": "2024-03-31", "figure_user_accounts": "1300", "save": "1"})
    new.refresh_from_db()
    assert new.figures == {"user_accounts": 1300} and new.state == "draft"
    history = admin.get(f"/metrics/attestations/{new.pk}/").content.decode()
    assert "1200" in history and "1300" in history


def test_a_member_never_sees_another_members_attestations(people: dict[str, Any]) -> None:
    a = attestations.create(people["a"], *MARCH, {"redirects": 5}, actor=people["admin_a"])
    own = client(people["admin_a"]).get(f"/metrics/attestations/{a.pk}/")
    assert own.status_code == 200 and "The whole company" in own.content.decode()
    other = client(people["admin_b"])
    for url in (f"/metrics/attestations/{a.pk}/", f"/metrics/attestations/{a.pk}/edit/"):
        assert other.get(url).status_code == 404
    assert other.post(f"/metrics/attestations/{a.pk}/submit/").status_code == 404
    assert "Market A" not in other.get("/metrics/attestations/").content.decode()
    # nor attest for another company
    response = other.post("/metrics/attestations/new/", {
        "organisation": people["a"].pk, "period_start": "2024-03-01", "period_end": "2024-03-31",
        "figure_redirects": "1"})
    assert response.status_code == 200 and not Attestation.objects.filter(organisation=people["b"]).exists()
    assert client(people["reviewer_a"]).get(f"/metrics/attestations/{a.pk}/").status_code == 403
    assert client(people["admin_a"]).post(f"/metrics/attestations/{a.pk}/review/",
                                          {"decision": "accept"}).status_code == 403


def test_model_policy_adoption_confirmed_is_in_place(people: dict[str, Any]) -> None:
    analyst, admin = client(people["analyst"]), client(people["admin_a"])
    analyst.post("/metrics/policy/", {"publish": "1", "categories_en": "Prohibited", "categories_fr": "Interdit",
                                      "species_groups_en": "Elephants", "species_groups_fr": "Éléphants",
                                      "products_en": "Ivory", "products_fr": "Ivoire"})
    response = admin.post("/metrics/policy/", {"adopt": "1", "platform": people["pa"].pk, "policy": ModelPolicy.objects.get().pk,
                                               "public_url": "https://shop.example/policy",
                                               "adopted_on": "2024-03-10"})
    assert response.status_code == 302
    adoption = PolicyAdoption.objects.get()
    assert indicators.compute_one("policy_in_place", date(2024, 1, 1), date(2100, 1, 1)) == 0
    assert not policy.in_place(people["pa"])
    assert admin.post(f"/metrics/policy/adoptions/{adoption.pk}/confirm/").status_code == 403
    analyst.post(f"/metrics/policy/adoptions/{adoption.pk}/confirm/")
    assert policy.in_place(people["pa"])
    assert indicators.compute_one("policy_in_place", date(2024, 1, 1), date(2100, 1, 1)) == 1
    b_scope = indicators.visible_scope(people["admin_b"])
    assert indicators.compute_one("policy_in_place", date(2024, 1, 1), date(2100, 1, 1), b_scope) == 0
    assert "shop.example/policy" not in client(people["admin_b"]).get("/metrics/policy/").content.decode()


def test_a_draft_can_move_from_a_platform_to_the_whole_company(people: dict[str, Any]) -> None:
    a = attestations.create(people["a"], *MARCH, {"redirects": 5}, platform=people["pa"])
    assert attestations.edit(a, {"redirects": 6}).platform_id == people["pa"].pk
    assert attestations.edit(a, {"redirects": 6}, platform=None).platform_id is None
