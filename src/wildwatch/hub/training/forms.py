"""``QuizForm``: any quiz as a form, one field per question (radio buttons, or check boxes when a question has
several right answers). Render it with ``{% include "training/_quiz.html" with form=form %}``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Question, Quiz
from .services import questions_of

_SALT = "wildwatch.training.quiz-started"
#: a "started" stamp older than this is not believed (the attempt is kept without a start time)
MAX_AGE = timedelta(days=1)


class QuizForm(forms.Form):
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, quiz: Quiz, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.quiz = quiz
        self.questions: list[Question] = questions_of(quiz)
        if not self.is_bound:
            self.initial["started"] = signing.dumps({"q": quiz.pk, "t": timezone.now().timestamp()}, salt=_SALT)
        for question in self.questions:
            choices = [(str(c.pk), gettext(c.text)) for c in question.choices.all()]
            several = sum(c.correct for c in question.choices.all()) > 1
            field: forms.Field
            if several:
                field = forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple,
                                                  error_messages={"required": _("Choose at least one answer.")})
            else:
                field = forms.ChoiceField(choices=choices, widget=forms.RadioSelect,
                                          error_messages={"required": _("Choose an answer.")})
            field.label = gettext(question.text)
            field.help_text = _("Choose every answer that applies.") if several else ""
            self.fields[self.field_name(question)] = field

    @staticmethod
    def field_name(question: Question) -> str:
        return f"q{question.pk}"

    def answers(self) -> dict[int, list[int]]:
        """{question id: chosen choice ids}, for ``services.record_attempt`` (a valid form only)."""
        out: dict[int, list[int]] = {}
        for question in self.questions:
            value = self.cleaned_data.get(self.field_name(question)) or []
            out[question.pk] = [int(v) for v in ([value] if isinstance(value, str) else value)]
        return out

    def started_at(self) -> datetime | None:
        """When the quiz page was shown, from the signed stamp in the form (None if missing, forged or stale)."""
        try:
            data = signing.loads(self.data.get("started", ""), salt=_SALT, max_age=MAX_AGE)
        except signing.BadSignature:
            return None
        if not isinstance(data, dict) or data.get("q") != self.quiz.pk:
            return None
        started = datetime.fromtimestamp(float(data["t"]), tz=timezone.get_current_timezone())
        return started if started <= timezone.now() else None

    def question_fields(self) -> list[tuple[Question, forms.BoundField]]:
        return [(q, self[self.field_name(q)]) for q in self.questions]
