"""Training pages: sessions (recorded and listed by analysts and member admins) and modules for member staff."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from wildwatch.hub.accounts.permissions import roles_required
from wildwatch.hub.accounts.roles import MEMBERS, Role
from wildwatch.hub.training.views import quiz_page

from . import modules, services
from .forms import SessionForm
from .models import ModuleKind, TrainingModule

SESSION_ROLES = frozenset({Role.ANALYST, Role.MEMBER_ADMIN})
#: sessions listed on the page
LIMIT = 200


@roles_required(SESSION_ROLES)
def sessions(request: HttpRequest) -> HttpResponse:
    qs = services.visible_sessions(request.user)
    return render(request, "plans/sessions.html", {
        "sessions": list(qs[:LIMIT]), "total": services.total_staff(qs)})


@roles_required(SESSION_ROLES)
def new_session(request: HttpRequest) -> HttpResponse:
    companies = services.session_companies(request.user)
    form = SessionForm(request.POST or None, companies=companies)
    if request.method == "POST" and form.is_valid():
        services.record_session(actor=request.user, **form.cleaned_data)
        messages.success(request, _("The training session was recorded."))
        return redirect("plans:sessions")
    status = 422 if request.method == "POST" else 200
    return render(request, "plans/session_new.html", {"form": form}, status=status)


@roles_required(MEMBERS)
def module_list(request: HttpRequest) -> HttpResponse:
    done = modules.completed_ids(request.user)
    rows = [{"module": m, "title": modules.localised(m)[0], "done": m.pk in done}
            for m in TrainingModule.objects.filter(active=True)]
    return render(request, "plans/modules.html", {"rows": rows, "team": modules.team_completions(request.user)})


@roles_required(MEMBERS)
def module(request: HttpRequest, slug: str) -> HttpResponseBase:
    found = get_object_or_404(TrainingModule, slug=slug, active=True)
    if found.kind == ModuleKind.QUIZ and found.quiz is not None:
        response = quiz_page(request, found.quiz.slug, done_url=reverse("plans:modules"),
                             template="plans/module_quiz.html")
        modules.sync_quiz_completion(request.user, found)
        return response
    if request.method == "POST":
        modules.complete(request.user, found)
        messages.success(request, _("The guide is marked as read."))
        return redirect("plans:modules")
    title, paragraphs = modules.localised(found)
    return render(request, "plans/guide.html", {
        "module": found, "title": title, "paragraphs": paragraphs,
        "done": found.pk in modules.completed_ids(request.user)})
