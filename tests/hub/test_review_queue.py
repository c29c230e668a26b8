"""The member companies' review queues: only their own cases, exclusive claims (claim, claim next, release, expiry),
decisions and reopening with their audit entries, the SLA with overdue cases highlighted and counted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from login_helpers import login as sign_in

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.reports import services as reports
from wildwatch.hub.reports.models import Case, CaseStatus, Decision, MemberSettings
from wildwatch.hub.review import services, tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(role_users: dict[str, Any], password: str) -> dict[str, Any]:
    """t-market (the role users' member company) with a web platform, a second reviewer, and a rival member."""
    market = accounts.create_organisation("t-market", "T-MARKET", "member")
    accounts.add_platform(market, "t-market-web", "Market Web", "ecommerce", ["FR"], domains=["market.example"])
    rival = accounts.create_organisation("t-rival", "Rival", "member")
    accounts.add_platform(rival, "t-rival-web", "Rival Web", "ecommerce", ["FR"], domains=["rival.example"])
    return {**role_users, "market": market, "rival": rival,
            "reviewer2": accounts.add_member(market, "rev-2", "reviewer", password=password),
            "rival_reviewer": accounts.add_member(rival, "rival-rev", "reviewer", password=password),
            "rival_admin": accounts.add_member(rival, "rival-admin", "member_admin", password=password)}


def referred(world: dict[str, Any], path: str, host: str = "market.example", **facts: Any) -> Case:
    report = reports.file_report("public", f"https://{host}/{path}", email="reporter@example.org", **facts)
    return reports.accept(report.case, world["analyst"])


def login(username: str, password: str) -> Client:
    client = Client()
    assert sign_in(client, username, password)
    return client


def said(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def case_url(case: Case, action: str = "") -> str:
    return reverse(f"review:{action or 'case'}", args=[case.pk])


# --- member isolation --------------------------------------------------------------------------------------------


def test_a_queue_holds_only_its_own_members_cases(world: dict[str, Any], password: str) -> None:
    mine = referred(world, "item/1")
    theirs = referred(world, "item/2", host="rival.example")
    waiting = reports.file_report("public", "https://market.example/item/3").case  # not triaged yet
    html = login("user-reviewer", password).get(reverse("review:queue")).content.decode()
    assert f'data-case="{mine.pk}"' in html
    assert f'data-case="{theirs.pk}"' not in html and f'data-case="{waiting.pk}"' not in html
    rival_html = login("rival-rev", password).get(reverse("review:queue")).content.decode()
    assert f'data-case="{theirs.pk}"' in rival_html and f'data-case="{mine.pk}"' not in rival_html


def test_another_members_case_is_not_found(world: dict[str, Any], password: str) -> None:
    case = referred(world, "item/1")
    rival = login("rival-rev", password)
    assert rival.get(case_url(case)).status_code == 404
    for action in ("claim", "release", "decide"):
        assert rival.post(case_url(case, action), {"category": "prohibited", "action": "removed_listing"}
                          ).status_code == 404, action
    services.claim(case, world["reviewer"])
    reports.decide(case, world["reviewer"], "prohibited", "removed_listing")
    assert login("rival-admin", password).post(case_url(case, "reopen"), {"reason": "x"}).status_code == 404
    assert Case.objects.get(pk=case.pk).status == CaseStatus.DECIDED
    with pytest.raises(services.ReviewError):
        services.claim(referred(world, "item/9"), world["rival_reviewer"])


def test_members_never_see_cases_in_triage_rejected_or_held(world: dict[str, Any], password: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from wildwatch.hub.enforcement import services as enforcement

    waiting = reports.file_report("public", "https://market.example/item/1").case
    rejected = reports.reject(reports.file_report("public", "https://market.example/item/2").case,
                              world["analyst"], "a toy")
    monkeypatch.setattr(enforcement, "hold_for_case", lambda case, asked_by=None: enforcement.HoldNotice(
        until=timezone.now().date() + timedelta(days=30)))
    held = reports.accept(reports.file_report("public", "https://market.example/item/3").case, world["analyst"])
    assert held.status == CaseStatus.ON_HOLD
    reviewer = login("user-reviewer", password)
    for case in (waiting, rejected, held):
        assert reviewer.get(case_url(case)).status_code == 404
        assert reviewer.post(case_url(case, "claim")).status_code == 404
    assert services.counts(world["reviewer"]).open == 0


# --- claims ------------------------------------------------------------------------------------------------------


def test_claim_is_exclusive_and_audited(world: dict[str, Any], password: str) -> None:
    case = referred(world, "item/1")
    first = login("user-reviewer", password)
    response = first.post(case_url(case, "claim"))
    assert response.status_code == 302 and response["Location"] == case_url(case)
    case.refresh_from_db()
    assert case.claimed_by == world["reviewer"] and case.claimed_at is not None
    assert AuditEntry.objects.filter(action="case.claim", target=f"case:{case.pk}", actor=world["reviewer"]).exists()
    again = first.post(case_url(case, "claim"), follow=True)  # one's own claim: no-op
    assert "You have claimed" in again.content.decode()
    second = login("rev-2", password).post(case_url(case, "claim"), follow=True)
    assert "Another reviewer has claimed this case." in said(second)
    assert Case.objects.get(pk=case.pk).claimed_by == world["reviewer"]
    assert AuditEntry.objects.filter(action="case.claim", target=f"case:{case.pk}").count() == 1


def test_claim_errors(world: dict[str, Any], password: str) -> None:
    case = referred(world, "item/1")
    reviewer = login("user-reviewer", password)
    assert reviewer.get(case_url(case, "claim")).status_code == 405  # POST only
    assert login("user-engineer", password).post(case_url(case, "claim")).status_code == 403
    assert login("user-member_admin", password).post(case_url(case, "claim")).status_code == 403
    assert Client().post(case_url(case, "claim")).status_code == 302  # to the login page
    csrf = Client(enforce_csrf_checks=True)
    sign_in(csrf, "user-reviewer", password)
    assert csrf.post(case_url(case, "claim")).status_code == 403
    services.claim(case, world["reviewer"])
    reports.decide(case, world["reviewer"], "prohibited", "removed_listing")
    response = login("rev-2", password).post(case_url(case, "claim"), follow=True)
    assert "This case is no longer open for review." in said(response)


def test_claim_next_takes_overdue_then_most_severe(world: dict[str, Any], password: str) -> None:
    plain = referred(world, "item/1")
    severe = referred(world, "item/2", category="prohibited", product="live_animal")
    late = referred(world, "item/3")
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    reviewer = login("user-reviewer", password)
    order = []
    for _ in range(3):
        response = reviewer.post(reverse("review:claim_next"))
        assert response.status_code == 302
        order.append(int(response["Location"].rstrip("/").rsplit("/", 1)[1]))
    assert order == [late.pk, severe.pk, plain.pk]
    empty = reviewer.post(reverse("review:claim_next"), follow=True)
    assert "No unclaimed case is left in your queue." in said(empty)
    assert empty.redirect_chain[-1][0] == reverse("review:queue")
    assert services.claim_next(world["reviewer2"]) is None
    assert services.claim_next(world["member_admin"]) is None  # an admin alone does not review


def test_release_by_holder_or_admin(world: dict[str, Any], password: str) -> None:
    case = referred(world, "item/1")
    services.claim(case, world["reviewer"])
    response = login("rev-2", password).post(case_url(case, "release"), follow=True)
    assert "Another reviewer holds this case: only they or a member admin may release it." in said(response)
    assert Case.objects.get(pk=case.pk).claimed_by == world["reviewer"]
    login("user-reviewer", password).post(case_url(case, "release"))
    assert Case.objects.get(pk=case.pk).claimed_by is None
    response = login("user-reviewer", password).post(case_url(case, "release"), follow=True)
    assert "This case is not claimed." in said(response)
    services.claim(case, world["reviewer2"])
    admin = login("user-member_admin", password)
    assert f'data-case="{case.pk}"' in admin.get(reverse("review:queue")).content.decode()
    admin.post(case_url(case, "release"), {"back": "queue"})
    assert Case.objects.get(pk=case.pk).claimed_by is None
    released = AuditEntry.objects.filter(action="case.release", target=f"case:{case.pk}").order_by("pk")
    assert [(e.actor, e.details["reviewer"]) for e in released] == [
        (world["reviewer"], "user-reviewer"), (world["member_admin"], "rev-2")]


def test_idle_claims_expire_through_the_task_queue(world: dict[str, Any], settings: Any) -> None:
    from django_q.tasks import async_task

    old, fresh, decided = referred(world, "item/1"), referred(world, "item/2"), referred(world, "item/3")
    for case in (old, fresh, decided):
        services.claim(case, world["reviewer"])
    reports.decide(decided, world["reviewer"], "prohibited", "removed_listing")
    Case.objects.filter(pk__in=[old.pk, decided.pk]).update(claimed_at=timezone.now() - timedelta(minutes=121))
    Case.objects.filter(pk=fresh.pk).update(claimed_at=timezone.now() - timedelta(minutes=100))
    task = async_task("wildwatch.hub.review.tasks.expire_claims", sync=True)
    from django_q.models import Task

    assert Task.objects.get(id=task).result == 1
    assert Case.objects.get(pk=old.pk).claimed_by is None
    assert Case.objects.get(pk=fresh.pk).claimed_by == world["reviewer"]
    assert Case.objects.get(pk=decided.pk).status == CaseStatus.DECIDED
    entry = AuditEntry.objects.get(action="case.claim_expire")
    assert entry.target == f"case:{old.pk}" and entry.details["reviewer"] == "user-reviewer"
    assert entry.details["minutes"] == 120 and entry.organisation == world["market"]
    settings.WILDWATCH_CLAIM_MINUTES = 30
    assert tasks.expire_claims() == 1 and Case.objects.get(pk=fresh.pk).claimed_by is None
    assert tasks.expire_claims() == 0


# --- decisions and reopening -------------------------------------------------------------------------------------


def test_a_reviewer_decides_a_claimed_case(world: dict[str, Any], password: str) -> None:
    case = referred(world, "item/1")
    reviewer = login("user-reviewer", password)
    decision = {"category": "prohibited", "action": "removed_listing", "comment": "ivory carving"}
    refused = reviewer.post(case_url(case, "decide"), decision, follow=True)  # not claimed yet
    assert "Only the reviewer who claimed this case may decide it, and only once." in said(refused)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.REFERRED
    reviewer.post(case_url(case, "claim"))
    html = reviewer.get(case_url(case)).content.decode()
    assert 'id="decide"' in html and "Record the decision" in html
    bad = reviewer.post(case_url(case, "decide"), {"category": "prohibited", "action": "burnt"})
    assert bad.status_code == 422 and 'id="decide"' in bad.content.decode()
    assert reviewer.post(case_url(case, "decide"), {**decision, "category": "nope"}).status_code == 422
    other = login("rev-2", password).post(case_url(case, "decide"), decision, follow=True)
    assert "Only the reviewer who claimed" in said(other)[0]
    response = reviewer.post(case_url(case, "decide"), decision, follow=True)
    assert "Decision recorded on case" in said(response)[0]
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED and reports.public_stage(case) == "action_taken"
    made = Decision.objects.get(case=case)
    assert (made.reviewer, made.category, made.action, made.comment) == (
        world["reviewer"], "prohibited", "removed_listing", "ivory carving")
    assert "Listing removed" in response.content.decode() and "ivory carving" in response.content.decode()
    twice = reviewer.post(case_url(case, "decide"), decision, follow=True)
    assert "only once" in said(twice)[0] and Decision.objects.filter(case=case).count() == 1


def test_a_member_admin_reopens_with_an_audit_entry(world: dict[str, Any], password: str) -> None:
    case = referred(world, "item/1")
    admin = login("user-member_admin", password)
    early = admin.post(case_url(case, "reopen"), {"reason": "too early"}, follow=True)
    assert "has no decision to reopen" in said(early)[0]
    services.claim(case, world["reviewer"])
    reports.decide(case, world["reviewer"], "allowed", "no_violation")
    assert login("user-reviewer", password).post(case_url(case, "reopen"), {"reason": "x"}).status_code == 403
    assert 'id="reopen"' in admin.get(case_url(case)).content.decode()
    assert admin.post(case_url(case, "reopen"), {"reason": " "}).status_code == 422
    response = admin.post(case_url(case, "reopen"), {"reason": "the photo shows real ivory"}, follow=True)
    assert "is reopened" in said(response)[0]
    case.refresh_from_db()
    assert case.status == CaseStatus.REFERRED and case.claimed_by is None
    decision = Decision.objects.get(case=case)
    assert decision.reopened_by == world["member_admin"] and decision.reopen_reason == "the photo shows real ivory"
    entry = AuditEntry.objects.get(action="case.reopen", target=f"case:{case.pk}")
    assert entry.actor == world["member_admin"] and entry.details["decision"] == decision.pk
    assert "the photo shows real ivory" in response.content.decode()  # in the decision history


# --- SLA and overdue ---------------------------------------------------------------------------------------------


def test_overdue_cases_are_highlighted_and_counted(world: dict[str, Any], password: str) -> None:
    cases = [referred(world, f"item/{n}") for n in range(4)]
    assert cases[0].due_at is not None and cases[0].referred_at is not None
    assert cases[0].due_at - cases[0].referred_at == timedelta(hours=24)  # the default SLA
    Case.objects.filter(pk__in=[cases[1].pk, cases[2].pk]).update(
        referred_at=timezone.now() - timedelta(hours=30), due_at=timezone.now() - timedelta(hours=6))
    services.claim(cases[3], world["reviewer"])
    counted = services.counts(world["reviewer"])
    assert (counted.open, counted.overdue, counted.unclaimed, counted.mine) == (4, 2, 3, 1)
    html = login("user-reviewer", password).get(reverse("review:queue")).content.decode()
    assert '<dd id="count-overdue">2</dd>' in html and '<dd id="count-open">4</dd>' in html
    assert html.count('class="overdue"') == 2 and f'data-case="{cases[1].pk}" class="overdue"' in html
    assert "Review SLA of T-MARKET: 24 hours" in html
    assert services.counts(world["rival_reviewer"]).open == 0


def test_member_admins_set_the_sla(world: dict[str, Any], password: str) -> None:
    case = referred(world, "item/1")
    assert login("user-reviewer", password).get(reverse("review:settings")).status_code == 403
    admin = login("user-member_admin", password)
    assert 'value="24"' in admin.get(reverse("review:settings")).content.decode()
    assert admin.post(reverse("review:settings"), {"sla_hours": "0"}).status_code == 422
    assert admin.post(reverse("review:settings"), {"sla_hours": "many"}).status_code == 422
    assert admin.post(reverse("review:settings"), {"sla_hours": "2", "org": "t-rival"}).status_code == 404
    response = admin.post(reverse("review:settings"), {"sla_hours": "2"}, follow=True)
    assert "now 2 hours" in said(response)[0] and "Review SLA of T-MARKET: 2 hours" in response.content.decode()
    assert MemberSettings.objects.get(organisation=world["market"]).sla_hours == 2
    case.refresh_from_db()
    assert case.due_at is not None and case.referred_at is not None
    assert case.due_at - case.referred_at == timedelta(hours=2)  # the open cases follow
    new = referred(world, "item/2")
    assert new.due_at is not None and new.referred_at is not None
    assert new.due_at - new.referred_at == timedelta(hours=2)
    assert AuditEntry.objects.get(action="review.sla").details == {"old": 24, "new": 2}
    with pytest.raises(services.ReviewError):
        services.set_sla(world["market"], 10_000, world["member_admin"])


# --- the case page -----------------------------------------------------------------------------------------------


def test_the_case_page_shows_facts_reports_severity_and_history(world: dict[str, Any], password: str) -> None:
    first = reports.file_report("public", "https://market.example/item/1?ref=feed", email="secret@example.org",
                                listing_text="Carved tusk 2 kg", product="ivory", category="prohibited",
                                seller_handle="@tusks", seller_contacts=["+33 6 00 00 00 00"], notes="seen twice")
    reports.file_report("volunteer", "https://market.example/item/1", reporter=world["volunteer"],
                        email="spotter@example.org", notes="same seller elsewhere")
    case = reports.accept(first.case, world["analyst"])
    services.claim(case, world["reviewer"])
    reports.decide(case, world["reviewer"], "prohibited", "removed_account", "repeat seller")
    html = login("user-reviewer", password).get(case_url(case)).content.decode()
    for text in ("Carved tusk 2 kg", "Ivory", "Prohibited", "@tusks", "+33 6 00 00 00 00", "seen twice",
                 "same seller elsewhere", "Member of the public", "Cyber spotter", "prohibited product (+40)",
                 "Account removed", "repeat seller", "2 reports"):
        assert text in html, text
    for secret in ("secret@example.org", "spotter@example.org", "user-volunteer", first.tracking_code or "?"):
        assert secret not in html, secret  # never the reporters to the platform
    analyst_html = login("user-analyst", password).get(case_url(case)).content.decode()
    assert "secret@example.org" in analyst_html and "Account removed" in analyst_html


def test_screenshots_are_blurred_and_served_only_to_those_who_may_see_the_case(
        world: dict[str, Any], password: str, settings: Any, tmp_path: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    report = reports.file_report("public", "https://market.example/item/1",
                                 screenshot=SimpleUploadedFile("shot.png", png, content_type="image/png"))
    case = reports.accept(report.case, world["analyst"])
    url = reverse("review:screenshot", args=[report.pk])
    html = login("user-reviewer", password).get(case_url(case)).content.decode()
    assert f'class="blurred" id="shot-{report.pk}" src="{url}"' in html and "/media/" not in html
    for username in ("user-reviewer", "user-member_admin", "user-analyst"):
        response = login(username, password).get(url)
        assert response.status_code == 200, username
        assert response["Content-Type"] == "image/png" and b"".join(response.streaming_content) == png
        assert "no-store" in response["Cache-Control"] and response["X-Content-Type-Options"] == "nosniff"
    assert login("rival-rev", password).get(url).status_code == 404
    assert login("user-engineer", password).get(url).status_code == 403
    assert Client().get(url).status_code == 302
    no_shot = reports.file_report("public", "https://market.example/item/2")
    assert login("user-analyst", password).get(reverse("review:screenshot", args=[no_shot.pk])).status_code == 404


def test_the_pages_speak_french(world: dict[str, Any], password: str) -> None:
    case = referred(world, "item/1")
    reviewer = login("user-reviewer", password)
    html = reviewer.get(reverse("review:queue"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "File d’examen" in html and "Prendre le dossier suivant" in html and "Délai d’examen de T-MARKET" in html
    services.claim(case, world["reviewer"])
    html = reviewer.get(case_url(case), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Votre décision" in html and "Annonce retirée" in html and "Listing removed" not in html
