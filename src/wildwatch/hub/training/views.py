"""Quiz pages for any app: ``quiz_page`` shows a quiz, records an attempt and shows its result; ``passed_required``
keeps a view for people who passed a quiz. The app that uses them owns the URL and the roles (wrap its views in
``roles_required`` as usual)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from . import services
from .forms import QuizForm
from .models import Attempt, Quiz

View = Callable[..., HttpResponseBase]
#: attempts listed under a quiz
HISTORY = 10


def quiz_page(request: HttpRequest, slug: str, *, done_url: str, template: str = "training/quiz.html",
              context: dict[str, Any] | None = None) -> HttpResponse:
    """GET: the quiz, or with ``?attempt=<id>`` the result of one of the user's attempts above it. POST: grade and
    record an attempt, then show its result (post/redirect/get). ``done_url`` is where a person who passed goes on."""
    quiz = get_object_or_404(Quiz, slug=slug, active=True)
    status = 200
    attempt: Attempt | None = None
    if request.method == "POST":
        form = QuizForm(quiz, request.POST)
        if form.is_valid():
            attempt = services.record_attempt(request.user, quiz, form.answers(), started_at=form.started_at())
            if attempt.passed:
                messages.success(request, _("You passed with %(score)s of %(total)s right.")
                                 % {"score": attempt.score, "total": attempt.total})
            else:
                messages.info(request, _("%(score)s of %(total)s right: not enough to pass yet. Read the notes "
                                         "below and try again.") % {"score": attempt.score, "total": attempt.total})
            return redirect(f"{request.path}?attempt={attempt.pk}")
        status = 422
    else:
        form = QuizForm(quiz)
        wanted = request.GET.get("attempt", "")
        if wanted.isdigit():
            attempt = get_object_or_404(Attempt, pk=int(wanted), quiz=quiz, user=request.user.pk)
    page = {
        "quiz": quiz, "form": form, "attempt": attempt, "result": services.regrade(attempt) if attempt else None,
        "passed": services.has_passed(request.user, quiz), "done_url": done_url,
        "attempts": list(services.attempts_of(request.user, quiz)[:HISTORY]),
        **(context or {}),
    }
    return render(request, template, page, status=status)


def passed_required(slug: str, quiz_url: str) -> Callable[[View], View]:
    """Sends people who have not passed the quiz ``slug`` to ``quiz_url`` (a URL name or path), with a message.
    Put it inside ``roles_required``."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not services.has_passed(request.user, slug):
                messages.info(request, _("Pass the training quiz first: then you can go on."))
                return redirect(quiz_url)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
