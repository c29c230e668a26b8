"""Training quizzes: the shipped quiz as data, grading (pass mark, several right answers), every attempt recorded
with its score and times, retries, "has passed" checks, and the quiz pages (served under /volunteers/quiz/)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import signing
from django.http import QueryDict
from django.test import Client
from django.utils import timezone
from login_helpers import login

from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.training import content, services
from wildwatch.hub.training.forms import QuizForm
from wildwatch.hub.training.models import Attempt, Question, Quiz

pytestmark = pytest.mark.django_db
SLUG = "cyber-spotter-basics"


@pytest.fixture
def quiz() -> Quiz:
    """The shipped quiz (installed by a data migration; installed again here, in place, in case a transactional
    test emptied the tables)."""
    return content.install(content.CYBER_SPOTTER_BASICS)  # type: ignore[no-any-return]


def answers(quiz: Quiz, wrong: int = 0) -> dict[int, list[int]]:
    """The right answers, except for the first ``wrong`` questions (answered with a wrong choice)."""
    out = {}
    for n, question in enumerate(services.questions_of(quiz)):
        choices = list(question.choices.all())
        out[question.pk] = [c.pk for c in choices if c.correct != (n < wrong)][:1 if n < wrong else None]
    return out


def volunteer_client(role_users: dict[str, Any], password: str) -> Client:
    client = Client()
    assert login(client, "user-volunteer", password)
    return client


def test_the_quiz_ships_as_data(quiz: Quiz) -> None:
    assert quiz.slug == SLUG and quiz.pass_mark == 80 and quiz.active
    questions = services.questions_of(quiz)
    assert len(questions) == len(content.CYBER_SPOTTER_BASICS.questions) == 5
    for question in questions:
        assert question.explanation and question.choices.count() >= 3
        assert question.choices.filter(correct=True).exists()
    # installing again changes nothing (the data migration and this fixture both install it)
    again = content.install(content.CYBER_SPOTTER_BASICS)
    assert again.pk == quiz.pk and Question.objects.filter(quiz=quiz).count() == 5


def test_install_updates_a_quiz_in_place(quiz: Quiz) -> None:
    spec = content.QuizSpec(slug="short", title="Short", pass_mark=100, questions=(
        content.QuestionSpec("Q1", (content.ChoiceSpec("yes", correct=True), content.ChoiceSpec("no"))),
        content.QuestionSpec("Q2", (content.ChoiceSpec("a"), content.ChoiceSpec("b", correct=True))),
    ))
    short = content.install(spec)
    q1 = short.questions.get(position=1)
    smaller = content.QuizSpec(slug="short", title="Shorter", pass_mark=50, questions=(
        content.QuestionSpec("Q1 again", (content.ChoiceSpec("yes", correct=True), content.ChoiceSpec("no"))),))
    content.install(smaller)
    short.refresh_from_db()
    assert (short.title, short.pass_mark, short.questions.count()) == ("Shorter", 50, 1)
    assert short.questions.get().pk == q1.pk and short.questions.get().text == "Q1 again"
    with pytest.raises(ValueError, match="no right answer"):
        content.install(content.QuizSpec(slug="bad", title="Bad", questions=(
            content.QuestionSpec("?", (content.ChoiceSpec("a"),)),)))


def test_grading_against_the_pass_mark(quiz: Quiz) -> None:
    perfect = services.grade(quiz, answers(quiz))
    assert (perfect.score, perfect.total, perfect.passed, perfect.percent) == (5, 5, True, 100)
    one_wrong = services.grade(quiz, answers(quiz, wrong=1))
    assert (one_wrong.score, one_wrong.passed) == (4, True)  # 80% is the pass mark: exactly at it passes
    two_wrong = services.grade(quiz, answers(quiz, wrong=2))
    assert (two_wrong.score, two_wrong.passed) == (3, False)
    nothing = services.grade(quiz, {})
    assert (nothing.score, nothing.passed) == (0, False)  # unanswered questions are wrong
    assert [r.right for r in one_wrong.results] == [False, True, True, True, True]


def test_a_question_with_several_right_answers_needs_exactly_them(quiz: Quiz) -> None:
    several = next(q for q in services.questions_of(quiz) if q.choices.filter(correct=True).count() > 1)
    right = [c.pk for c in several.choices.all() if c.correct]
    wrong = [c.pk for c in several.choices.all() if not c.correct]
    base = answers(quiz)
    assert services.grade(quiz, {**base, several.pk: right}).score == 5
    assert services.grade(quiz, {**base, several.pk: right[:1]}).score == 4  # not all of them
    assert services.grade(quiz, {**base, several.pk: right + wrong[:1]}).score == 4  # one too many


def test_answers_that_do_not_fit_the_quiz_are_refused(quiz: Quiz) -> None:
    first, second = services.questions_of(quiz)[:2]
    with pytest.raises(services.QuizError):
        services.grade(quiz, {first.pk: [second.choices.first().pk]})  # type: ignore[union-attr]
    with pytest.raises(services.QuizError):
        services.grade(quiz, {999_999: [1]})
    with pytest.raises(services.QuizError):
        services.grade(quiz, {first.pk: ["x"]})


def test_every_attempt_is_recorded_and_retries_are_allowed(quiz: Quiz, role_users: dict[str, Any]) -> None:
    user, other = role_users["volunteer"], role_users["analyst"]
    assert not services.has_passed(user, SLUG)
    started = timezone.now() - timedelta(minutes=3)
    failed = services.record_attempt(user, quiz, answers(quiz, wrong=3), started_at=started)
    assert (failed.score, failed.total, failed.pass_mark, failed.passed) == (2, 5, 80, False)
    assert not services.has_passed(user, SLUG) and not services.has_passed(user, quiz)
    passed = services.record_attempt(user, quiz, answers(quiz))
    assert passed.passed and passed.score == 5 and passed.started_at is None and passed.duration is None
    assert services.has_passed(user, SLUG) and services.has_passed(user, quiz)
    assert not services.has_passed(other, SLUG)
    assert list(services.attempts_of(user, quiz)) == [passed, failed]
    assert failed.duration is not None and timedelta(minutes=3) <= failed.duration < timedelta(minutes=4)
    assert failed.duration_display.startswith("3:")
    # what was chosen is kept, and the result can be shown again question by question
    assert set(failed.answers) == {str(q.pk) for q in services.questions_of(quiz)}
    assert services.regrade(failed).score == 2
    assert AuditEntry.objects.filter(action="quiz.attempt", actor=user).count() == 2
    # failing after passing does not take the pass away
    services.record_attempt(user, quiz, {})
    assert services.has_passed(user, SLUG) and Attempt.objects.filter(user=user).count() == 3


def test_the_quiz_form(quiz: Quiz) -> None:
    form = QuizForm(quiz)
    fields = dict(form.question_fields())
    assert len(fields) == 5
    widgets = {type(f.field.widget).__name__ for f in fields.values()}
    assert widgets == {"RadioSelect", "CheckboxSelectMultiple"}
    data = QueryDict(mutable=True)
    data["started"] = form.initial["started"]
    for question, choices in answers(quiz).items():
        data.setlist(f"q{question}", [str(c) for c in choices])
    bound = QuizForm(quiz, data)
    assert bound.is_valid(), bound.errors
    assert services.grade(quiz, bound.answers()).score == 5
    started = bound.started_at()
    assert started is not None and abs((timezone.now() - started).total_seconds()) < 60
    # a forged or missing stamp gives no start time; a missing answer is an error
    forged_data = data.copy()
    forged_data["started"] = signing.dumps({"q": quiz.pk, "t": 0}, salt="other")
    forged = QuizForm(quiz, forged_data)
    assert forged.is_valid() and forged.started_at() is None
    missing_data = data.copy()
    del missing_data[f"q{services.questions_of(quiz)[0].pk}"]
    missing = QuizForm(quiz, missing_data)
    assert not missing.is_valid() and len(missing.errors) == 1


def _post(client: Client, quiz: Quiz, chosen: dict[int, list[int]]) -> Any:
    page = client.get("/volunteers/quiz/")
    data: dict[str, Any] = {"started": page.context["form"].initial["started"]}
    data.update({f"q{q}": [str(c) for c in cs] for q, cs in chosen.items()})
    return client.post("/volunteers/quiz/", data)


def test_the_quiz_pages_fail_retry_and_pass(quiz: Quiz, role_users: dict[str, Any], password: str) -> None:
    client = volunteer_client(role_users, password)
    page = client.get("/volunteers/quiz/")
    html = page.content.decode()
    assert page.status_code == 200 and html.count("<fieldset") == 5 and html.count("<legend>") == 5
    assert "CITES Appendix I" in html and "80%" in html
    incomplete = client.post("/volunteers/quiz/", {"started": page.context["form"].initial["started"]})
    assert incomplete.status_code == 422 and 'role="alert"' in incomplete.content.decode()
    assert not Attempt.objects.exists()  # an incomplete form is not an attempt

    failed = _post(client, quiz, answers(quiz, wrong=2))
    assert failed.status_code == 302 and "?attempt=" in failed["Location"]
    result = client.get(failed["Location"]).content.decode()
    assert "Not passed yet" in result and "3 of 5 right" in result and "Send my answers" in result
    assert "Right answer:" not in result  # the right answers are not given away before a pass
    attempt = Attempt.objects.get()
    assert attempt.started_at is not None and attempt.user == role_users["volunteer"]
    assert client.get("/volunteers/submit/")["Location"].endswith("/volunteers/quiz/")

    passed = _post(client, quiz, answers(quiz, wrong=1))
    result = client.get(passed["Location"]).content.decode()
    assert "You passed with 4 of 5 right." in result and "Right answer:" in result
    assert 'href="/volunteers/submit/"' in result
    assert Attempt.objects.count() == 2 and services.has_passed(role_users["volunteer"], SLUG)
    assert result.count("<tr>") == 3  # the attempts: a header and two rows
    assert client.get("/volunteers/submit/").status_code == 200


def test_nobody_sees_another_persons_attempt(quiz: Quiz, role_users: dict[str, Any], password: str) -> None:
    from wildwatch.hub.accounts import services as accounts

    other = accounts.add_member(role_users["volunteer"].memberships.get().organisation, "other-volunteer",
                                "volunteer", password=password)
    theirs = services.record_attempt(other, quiz, answers(quiz))
    client = volunteer_client(role_users, password)
    assert client.get(f"/volunteers/quiz/?attempt={theirs.pk}").status_code == 404


def test_the_quiz_in_french(quiz: Quiz, role_users: dict[str, Any], password: str) -> None:
    client = volunteer_client(role_users, password)
    html = client.get("/volunteers/quiz/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    for text in ("Les bases de la cyber-vigie", "Que signifie l’inscription d’une espèce à l’Annexe I de la CITES ?",
                 "Choisissez tous ceux qui conviennent.", "Envoyer mes réponses"):
        assert text in html, text
