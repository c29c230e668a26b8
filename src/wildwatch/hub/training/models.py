"""Training quizzes: a quiz has multiple-choice questions and a pass mark; every attempt is kept, with its answers,
score and times. Any app can use a quiz (see ``services``, ``forms`` and the ``training/_quiz.html`` include); the
quizzes themselves are data (``content``)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Quiz(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    introduction = models.TextField(blank=True)
    #: the share of questions answered right that passes, in percent
    pass_mark = models.PositiveSmallIntegerField(default=80, validators=[MinValueValidator(1), MaxValueValidator(100)])
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]
        verbose_name_plural = "quizzes"

    def __str__(self) -> str:
        return self.slug


class Question(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    text = models.TextField()
    #: why the right answer is right, shown after an attempt
    explanation = models.TextField(blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["quiz", "position"], name="unique_question_position")]

    def __str__(self) -> str:
        return f"{self.quiz.slug} #{self.position}"


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=500)
    correct = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["question", "position"], name="unique_choice_position")]

    def __str__(self) -> str:
        return self.text[:60]


class Attempt(models.Model):
    """One go at a quiz: what was chosen, the score, and when. Retries make new attempts; none is ever changed."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    #: {question id: [chosen choice ids]}, as answered
    answers = models.JSONField(default=dict)
    score = models.PositiveSmallIntegerField(help_text="questions answered right")
    total = models.PositiveSmallIntegerField(help_text="questions in the quiz")
    pass_mark = models.PositiveSmallIntegerField(help_text="the quiz's pass mark at the time, in percent")
    passed = models.BooleanField()
    started_at = models.DateTimeField(null=True, blank=True, help_text="when the quiz page was shown")
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["user", "quiz", "passed"])]

    def __str__(self) -> str:
        return f"{self.user} on {self.quiz}: {self.score}/{self.total}"

    @property
    def percent(self) -> int:
        return round(100 * self.score / self.total) if self.total else 0

    @property
    def duration(self) -> timedelta | None:
        if self.started_at is None or self.submitted_at is None:
            return None
        return self.submitted_at - self.started_at

    @property
    def duration_display(self) -> str:
        """The time taken as ``m:ss`` (``h:mm:ss`` from an hour), or "" when the start is unknown."""
        if self.duration is None:
            return ""
        minutes, seconds = divmod(max(0, int(self.duration.total_seconds())), 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"
