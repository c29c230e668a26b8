"""The POST actions of triage and review (CSRF-protected, POST only): accept and reject (coalition analysts), claim,
claim the next, release and decide (member reviewers), reopen (member admins). Each one redirects, with a message,
to the page it came from; a form with errors is shown again (422)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wildwatch.hub.accounts.permissions import roles_required
from wildwatch.hub.accounts.roles import COALITION, Role
from wildwatch.hub.reports import services as reports
from wildwatch.hub.reports.models import Action, Case, CaseStatus

from . import services
from .forms import DecisionForm, RejectForm, ReopenForm
from .services import ReviewError
from .views import render_case, visible_case


def _back(request: HttpRequest, case: Case) -> HttpResponse:
    """Back to the list the action was taken from (``back=triage`` or ``back=queue``), else to the case."""
    where = request.POST.get("back")
    if where == "triage":
        return redirect("review:triage")
    if where == "queue":
        return redirect("review:queue")
    return redirect("review:case", pk=case.pk)


@roles_required(COALITION)
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    case = visible_case(request, pk)
    try:
        case = reports.accept(case, request.user)
    except reports.ReportError:
        messages.error(request, _("Case %(id)s is not waiting for triage.") % {"id": case.pk})
        return _back(request, case)
    if case.status == CaseStatus.ON_HOLD:
        messages.warning(request, _("Case %(id)s is held: it cannot be referred now.") % {"id": case.pk})
    elif case.status == CaseStatus.OUTREACH:
        messages.success(request, _("Case %(id)s is marked for outreach: its platform is not a member.") % {
            "id": case.pk})
    else:
        messages.success(request, _("Case %(id)s is referred to %(platform)s.") % {
            "id": case.pk, "platform": case.platform.name if case.platform else ""})
    return _back(request, case)


@roles_required(COALITION)
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    case = visible_case(request, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for rejecting case %(id)s.") % {"id": case.pk})
        return _back(request, case)
    try:
        reports.reject(case, request.user, form.cleaned_data["reason"])
    except reports.ReportError:
        messages.error(request, _("Case %(id)s is not waiting for triage.") % {"id": case.pk})
        return _back(request, case)
    messages.success(request, _("Case %(id)s is rejected.") % {"id": case.pk})
    return _back(request, case)


_CLAIM_ERRORS = {
    "taken": lambda: _("Another reviewer has claimed this case."),
    "not_open": lambda: _("This case is no longer open for review."),
    "not_yours": lambda: _("This case is not in your queue."),
    "not_claimed": lambda: _("This case is not claimed."),
    "held_by_other": lambda: _("Another reviewer holds this case: only they or a member admin may release it."),
}


def _review_error(request: HttpRequest, exc: ReviewError) -> None:
    message = _CLAIM_ERRORS.get(exc.code)
    messages.error(request, message() if message else str(exc))


@roles_required({Role.REVIEWER})
@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    case = visible_case(request, pk)
    try:
        services.claim(case, request.user)
    except ReviewError as exc:
        _review_error(request, exc)
        return redirect("review:case", pk=case.pk)
    messages.success(request, _("You have claimed case %(id)s.") % {"id": case.pk})
    return redirect("review:case", pk=case.pk)


@roles_required({Role.REVIEWER})
@require_POST
def claim_next(request: HttpRequest) -> HttpResponse:
    case = services.claim_next(request.user)
    if case is None:
        messages.info(request, _("No unclaimed case is left in your queue."))
        return redirect("review:queue")
    messages.success(request, _("You have claimed case %(id)s.") % {"id": case.pk})
    return redirect("review:case", pk=case.pk)


@roles_required({Role.REVIEWER, Role.MEMBER_ADMIN})
@require_POST
def release(request: HttpRequest, pk: int) -> HttpResponse:
    case = visible_case(request, pk)
    try:
        services.release(case, request.user)
    except ReviewError as exc:
        _review_error(request, exc)
        return _back(request, case)
    messages.success(request, _("Case %(id)s is back in the queue, unclaimed.") % {"id": case.pk})
    return _back(request, case)


@roles_required({Role.REVIEWER})
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    case = visible_case(request, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return render_case(request, case, decision_form=form, status=422)
    try:
        decision = reports.decide(case, request.user, form.cleaned_data["category"], form.cleaned_data["action"],
                                  form.cleaned_data["comment"])
    except reports.ReportError:
        messages.error(request, _("Only the reviewer who claimed this case may decide it, and only once."))
        return redirect("review:case", pk=case.pk)
    messages.success(request, _("Decision recorded on case %(id)s: %(action)s.") % {
        "id": case.pk, "action": Action(decision.action).label})
    return redirect("review:case", pk=case.pk)


@roles_required({Role.MEMBER_ADMIN})
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    case = visible_case(request, pk)
    admin_of = services.member_org_ids(request.user, frozenset({Role.MEMBER_ADMIN}))
    if case.platform is None or case.platform.organisation_id not in admin_of:
        raise PermissionDenied("only an admin of the case's company may reopen it")
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return render_case(request, case, reopen_form=form, status=422)
    try:
        reports.reopen(case, request.user, form.cleaned_data["reason"])
    except reports.ReportError:
        messages.error(request, _("Case %(id)s has no decision to reopen.") % {"id": case.pk})
        return redirect("review:case", pk=case.pk)
    messages.success(request, _("Case %(id)s is reopened: it is back in the queue.") % {"id": case.pk})
    return redirect("review:case", pk=case.pk)
