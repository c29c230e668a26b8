"""Training records: sessions (isolation, staff_trained over a period) and modules (guides, quizzes)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from login_helpers import force_login

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import AuditEntry, Organisation
from wildwatch.hub.accounts.roles import Role
from wildwatch.hub.plans import content, services
from wildwatch.hub.plans.models import ModuleCompletion, TrainingModule, TrainingSession
from wildwatch.hub.training.models import Attempt

PASSWORD = "correct-horse-battery-9"  # as in conftest

pytestmark = pytest.mark.django_db


@pytest.fixture
def orgs(role_users: dict[str, Any]) -> dict[str, Any]:
    other = accounts.create_organisation("o-shop", "Other Shop", "member")
    return {"ngo": Organisation.objects.get(slug="t-ngo"), "market": Organisation.objects.get(slug="t-market"),
            "other": other, "other_admin": accounts.add_member(other, "o-admin", Role.MEMBER_ADMIN,
                                                               password=PASSWORD), **role_users}


def _client(user: Any) -> Client:
    client = Client()
    force_login(client, user)
    return client


def test_staff_trained_sums_a_period_with_both_ends_included(orgs: dict[str, Any]) -> None:
    ngo, market, other = orgs["ngo"], orgs["market"], orgs["other"]
    for day, org, n in ((date(2026, 1, 1), market, 5), (date(2026, 1, 31), market, 7), (date(2026, 2, 1), market, 11),
                        (date(2025, 12, 31), market, 13), (date(2026, 1, 15), other, 17)):
        services.record_session(org, date=day, topic="Ivory", trainer=ngo, staff_trained=n)
    start, end = date(2026, 1, 1), date(2026, 1, 31)
    assert services.staff_trained(start, end) == 5 + 7 + 17
    assert services.staff_trained(start, end, [market.pk]) == 12
    assert services.staff_trained(start, end, [other.pk, market.pk]) == 29
    assert services.staff_trained(start, end, []) == 0
    assert services.staff_trained(date(2026, 3, 1), date(2026, 3, 31)) == 0
    assert AuditEntry.objects.filter(action="training.session.record").count() == 5


def test_session_rules(orgs: dict[str, Any]) -> None:
    with pytest.raises(services.PlansError):
        services.record_session(orgs["ngo"], date=date(2026, 1, 1), topic="x", trainer=orgs["ngo"], staff_trained=3)
    with pytest.raises(services.PlansError):
        services.record_session(orgs["market"], date=date(2026, 1, 1), topic="x", trainer=orgs["ngo"],
                                staff_trained=0)


def test_sessions_are_isolated(orgs: dict[str, Any]) -> None:
    services.record_session(orgs["market"], date=date(2026, 1, 5), topic="Market topic", trainer=orgs["ngo"],
                            staff_trained=4)
    services.record_session(orgs["other"], date=date(2026, 1, 6), topic="Other topic", trainer=orgs["ngo"],
                            staff_trained=6)
    mine = _client(orgs[Role.MEMBER_ADMIN]).get(reverse("plans:sessions")).content.decode()
    assert "Market topic" in mine and "Other topic" not in mine
    theirs = _client(orgs["other_admin"]).get(reverse("plans:sessions")).content.decode()
    assert "Other topic" in theirs and "Market topic" not in theirs
    every = _client(orgs[Role.ANALYST]).get(reverse("plans:sessions")).content.decode()
    assert "Market topic" in every and "Other topic" in every
    assert _client(orgs[Role.REVIEWER]).get(reverse("plans:sessions")).status_code == 403


def test_recording_a_session(orgs: dict[str, Any]) -> None:
    client = _client(orgs[Role.MEMBER_ADMIN])
    data = {"organisation": orgs["market"].pk, "date": "2026-01-10", "topic": "Spotting pangolin scales",
            "trainer": orgs["ngo"].pk, "staff_trained": "12", "notes": "Review team"}
    assert client.post(reverse("plans:new_session"), data).status_code == 302
    session = TrainingSession.objects.get()
    assert (session.organisation, session.trainer, session.staff_trained) == (orgs["market"], orgs["ngo"], 12)
    # a member admin records only for their own company
    refused = client.post(reverse("plans:new_session"), {**data, "organisation": orgs["other"].pk})
    assert refused.status_code == 422
    assert client.post(reverse("plans:new_session"), {**data, "staff_trained": "0"}).status_code == 422
    analyst = _client(orgs[Role.ANALYST])
    assert analyst.post(reverse("plans:new_session"), {**data, "organisation": orgs["other"].pk}).status_code == 302
    assert TrainingSession.objects.count() == 2


def test_the_shipped_modules_are_installed() -> None:
    guide = TrainingModule.objects.get(slug="identify-pangolin-products")
    quiz_module = TrainingModule.objects.get(slug="platform-policy-basics")
    assert guide.kind == "guide" and guide.body and guide.body_fr
    assert quiz_module.kind == "quiz" and quiz_module.quiz is not None
    assert quiz_module.quiz.questions.count() == len(content.PLATFORM_POLICY_BASICS.questions)
    content.install_modules()  # idempotent
    assert TrainingModule.objects.count() == 2


def test_the_policy_quiz_is_translated() -> None:
    spec = content.PLATFORM_POLICY_BASICS
    texts = [spec.title, spec.introduction]
    for q in spec.questions:
        texts += [q.text, q.explanation, *(c.text for c in q.choices)]
    with translation.override("fr"):
        for text in texts:
            assert translation.gettext(text) != text, text


def test_a_guide_is_read(orgs: dict[str, Any]) -> None:
    client = _client(orgs[Role.ENGINEER])
    url = reverse("plans:module", args=["identify-pangolin-products"])
    assert "Pangolins are the only mammals" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert ModuleCompletion.objects.filter(user=orgs[Role.ENGINEER], module__slug="identify-pangolin-products",
                                           organisation=orgs["market"]).exists()
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert "Les pangolins sont les seuls" in client.get(url).content.decode()


def test_a_module_quiz_is_taken_through_the_quiz_component(orgs: dict[str, Any]) -> None:
    user = orgs[Role.REVIEWER]
    client = _client(user)
    module = TrainingModule.objects.get(slug="platform-policy-basics")
    assert module.quiz is not None
    url = reverse("plans:module", args=[module.slug])
    page = client.get(url)
    assert page.status_code == 200 and 'class="quiz"' in page.content.decode()
    questions = list(module.quiz.questions.prefetch_related("choices"))
    wrong = {f"q{q.pk}": [str(c.pk) for c in q.choices.all() if not c.correct][:1] for q in questions}
    assert client.post(url, wrong).status_code == 302
    assert not ModuleCompletion.objects.filter(user=user, module=module).exists()
    right = {f"q{q.pk}": [str(c.pk) for c in q.choices.all() if c.correct] for q in questions}
    response = client.post(url, right)
    assert response.status_code == 302
    attempt = Attempt.objects.filter(user=user, quiz=module.quiz, passed=True).get()
    completion = ModuleCompletion.objects.get(user=user, module=module)
    assert completion.attempt == attempt
    listing = client.get(reverse("plans:modules")).content.decode()
    assert listing.count("completed") >= 1 and url in listing
    assert reverse("plans:modules") in client.get(url).content.decode()  # the quiz page leads back
    team = _client(orgs[Role.MEMBER_ADMIN]).get(reverse("plans:modules")).content.decode()
    assert 'id="team-completions"' in team and user.username in team
    assert 'id="team-completions"' not in _client(orgs["other_admin"]).get(reverse("plans:modules")).content.decode()
    assert _client(orgs[Role.ANALYST]).get(url).status_code == 403


def test_the_demo_data_loads_once() -> None:
    from django.core.management import call_command

    from wildwatch.hub.plans.demo import load_demo_plans
    from wildwatch.hub.plans.models import ActionPlan

    call_command("demo", "--no-library", stdout=io.StringIO())
    made = load_demo_plans()
    assert made == 6 and ActionPlan.objects.count() == 2 and TrainingSession.objects.count() == 4
    plan = ActionPlan.objects.get(organisation__slug="demo-market")
    assert services.progress(plan)[0] == 3 and plan.snapshots.count() == 1 + 5
    assert load_demo_plans() == 0
