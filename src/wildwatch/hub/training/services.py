"""Grading and recording quiz attempts, and "has this person passed quiz X?" for any app that needs a quiz."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from wildwatch.hub.accounts.services import audit

from .models import Attempt, Question, Quiz


class QuizError(ValueError):
    """Answers that do not fit the quiz (an unknown question or a choice of another question)."""


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    chosen: frozenset[int]
    correct: frozenset[int]

    @property
    def right(self) -> bool:
        return self.chosen == self.correct


@dataclass(frozen=True)
class Grade:
    score: int
    total: int
    pass_mark: int
    results: tuple[QuestionResult, ...]

    @property
    def passed(self) -> bool:
        """At least ``pass_mark`` percent right (an empty quiz passes nobody)."""
        return self.total > 0 and self.score * 100 >= self.pass_mark * self.total

    @property
    def percent(self) -> int:
        return round(100 * self.score / self.total) if self.total else 0


def get_quiz(slug: str) -> Quiz:
    """The active quiz ``slug`` (``Quiz.DoesNotExist`` if there is none)."""
    return Quiz.objects.get(slug=slug, active=True)


def questions_of(quiz: Quiz) -> list[Question]:
    return list(quiz.questions.prefetch_related("choices"))


def _as_ids(values: Iterable[Any]) -> frozenset[int]:
    try:
        return frozenset(int(v) for v in values)
    except (TypeError, ValueError) as exc:
        raise QuizError(f"not a choice id: {values!r}") from exc


def grade(quiz: Quiz, answers: Mapping[Any, Iterable[Any]], questions: list[Question] | None = None) -> Grade:
    """The score of ``answers`` ({question id: chosen choice ids}): a question is right when exactly its right
    choices are chosen; an unanswered question is wrong. Writes nothing."""
    questions = questions_of(quiz) if questions is None else questions
    by_id = {q.pk: q for q in questions}
    chosen: dict[int, frozenset[int]] = {}
    for key, values in answers.items():
        try:
            qid = int(key)
        except (TypeError, ValueError) as exc:
            raise QuizError(f"not a question id: {key!r}") from exc
        if qid not in by_id:
            raise QuizError(f"question {qid} is not in the quiz {quiz.slug}")
        picked = _as_ids(values)
        if not picked <= {c.pk for c in by_id[qid].choices.all()}:
            raise QuizError(f"a choice of question {qid} is not one of its choices")
        chosen[qid] = picked
    results = tuple(QuestionResult(q, chosen.get(q.pk, frozenset()),
                                   frozenset(c.pk for c in q.choices.all() if c.correct)) for q in questions)
    return Grade(sum(r.right for r in results), len(results), quiz.pass_mark, results)


@transaction.atomic
def record_attempt(user: Any, quiz: Quiz, answers: Mapping[Any, Iterable[Any]], *,
                   started_at: datetime | None = None) -> Attempt:
    """Grade ``answers`` and keep the attempt (every attempt is kept, passed or not). Audited."""
    result = grade(quiz, answers)
    attempt = Attempt.objects.create(
        quiz=quiz, user=user, answers={str(r.question.pk): sorted(r.chosen) for r in result.results},
        score=result.score, total=result.total, pass_mark=quiz.pass_mark, passed=result.passed, started_at=started_at)
    audit("quiz.attempt", actor=user, target=f"quiz:{quiz.slug}", attempt=attempt.pk, score=result.score,
          total=result.total, passed=result.passed)
    return attempt


def regrade(attempt: Attempt) -> Grade:
    """The question-by-question result of an attempt, for showing it (against the quiz as it is now; questions
    removed since are left out)."""
    questions = questions_of(attempt.quiz)
    known = {str(q.pk) for q in questions}
    return grade(attempt.quiz, {k: v for k, v in attempt.answers.items() if k in known}, questions)


def has_passed(user: Any, quiz: Quiz | str) -> bool:
    """Whether ``user`` passed the quiz (a ``Quiz`` or its slug) at least once."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    match = {"quiz": quiz} if isinstance(quiz, Quiz) else {"quiz__slug": quiz}
    return Attempt.objects.filter(user=user, passed=True, **match).exists()


def attempts_of(user: Any, quiz: Quiz) -> QuerySet[Attempt]:
    """The user's attempts at the quiz, latest first."""
    return Attempt.objects.filter(user=user, quiz=quiz).order_by("-submitted_at", "-id")
