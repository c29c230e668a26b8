"""The pages of triage and review: the coalition's triage list, a member's queue, a case, the member's SLA, and the
reports' screenshots (served through a permission check, never from MEDIA_URL). The POST actions are in
``actions``."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from wildwatch.hub.accounts.models import Organisation
from wildwatch.hub.accounts.permissions import roles_required
from wildwatch.hub.accounts.roles import COALITION, Role
from wildwatch.hub.accounts.services import roles_of
from wildwatch.hub.reports.models import Case, CaseStatus, Report

from . import services
from .forms import DecisionForm, RejectForm, ReopenForm, SlaForm
from .services import QUEUE_ROLES, TRIAGE_STATUSES

#: who may open a case page (and then only the cases they may see: ``services.visible_cases``)
CASE_ROLES = COALITION | QUEUE_ROLES
PAGE_SIZE = 50
#: the screenshot types shown inline; anything else is sent as a download
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".webp": "image/webp"}


def visible_case(request: HttpRequest, pk: int) -> Case:
    """The case if the user may see it; 404 otherwise (another member's case does not exist for them)."""
    cases = services.visible_cases(request.user).select_related("platform__organisation", "taxon", "claimed_by")
    return get_object_or_404(cases, pk=pk)


@roles_required(COALITION)
def triage(request: HttpRequest) -> HttpResponse:
    page = Paginator(services.triage_queue(), PAGE_SIZE).get_page(request.GET.get("page"))
    totals = Case.objects.filter(status__in=TRIAGE_STATUSES).aggregate(
        waiting=Count("pk", filter=Q(status=CaseStatus.TRIAGE)), held=Count("pk", filter=Q(status=CaseStatus.ON_HOLD)))
    return render(request, "review/triage.html", {"page": page, "totals": totals, "reject_form": RejectForm()})


@roles_required(QUEUE_ROLES)
def queue(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    roles = roles_of(request.user)
    orgs = Organisation.objects.filter(pk__in=services.member_org_ids(request.user)).order_by("name")
    page = Paginator(services.queue(request.user, now), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "review/queue.html", {
        "page": page, "counts": services.counts(request.user, now),
        "slas": [(org, services.sla_hours(org)) for org in orgs], "decided": services.recently_decided(request.user),
        "can_claim": Role.REVIEWER in roles, "is_admin": Role.MEMBER_ADMIN in roles, "now": now})


def render_case(request: HttpRequest, case: Case, *, decision_form: DecisionForm | None = None,
                reopen_form: ReopenForm | None = None, status: int = 200) -> HttpResponse:
    """The case page: the listing's facts, every report, severity with reasons, decision history, and the actions
    the user may take now."""
    user: Any = request.user
    now = timezone.now()
    org = case.platform.organisation if case.platform else None
    in_org = org is not None and org.pk in services.member_org_ids(user, frozenset({Role.REVIEWER}))
    admin = org is not None and org.pk in services.member_org_ids(user, frozenset({Role.MEMBER_ADMIN}))
    coalition = services.is_coalition(user)
    is_open = case.status == CaseStatus.REFERRED
    mine = is_open and in_org and case.claimed_by_id == user.pk
    response = render(request, "review/case.html", {
        "case": case, "reports": case.reports.select_related("reporter", "platform"),
        "decisions": case.decisions.select_related("reviewer", "reopened_by"),
        "coalition": coalition, "now": now,
        "overdue": is_open and case.due_at is not None and case.due_at < now,
        "sla_hours": services.sla_hours(org) if org is not None else None,
        "can_triage": coalition and case.status in TRIAGE_STATUSES,
        "can_claim": in_org and is_open and case.claimed_by_id is None,
        "mine": mine,
        "can_release": is_open and case.claimed_by_id is not None and (mine or admin),
        "can_reopen": admin and case.status == CaseStatus.DECIDED,
        "reject_form": RejectForm(),
        "decision_form": decision_form or DecisionForm(initial={"category": case.category or None}),
        "reopen_form": reopen_form or ReopenForm(),
    }, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@roles_required(CASE_ROLES)
def case_page(request: HttpRequest, pk: int) -> HttpResponse:
    return render_case(request, visible_case(request, pk))


@roles_required({Role.MEMBER_ADMIN})
def sla_settings(request: HttpRequest) -> HttpResponse:
    """A member admin sets their company's review SLA (the first company they administer, or ``?org=slug``)."""
    orgs = list(Organisation.objects.filter(pk__in=services.member_org_ids(
        request.user, frozenset({Role.MEMBER_ADMIN}))).order_by("name"))
    if not orgs:
        raise PermissionDenied("only a member company's admins set its SLA")
    wanted = request.POST.get("org") or request.GET.get("org")
    org = next((o for o in orgs if o.slug == wanted), None) if wanted else orgs[0]
    if org is None:
        raise Http404("not a company you administer")
    form = SlaForm(request.POST or None, initial={"sla_hours": services.sla_hours(org),
                                                  "queue_order": services.queue_order(org)})
    if request.method == "POST":
        if form.is_valid():
            services.set_sla(org, form.cleaned_data["sla_hours"], request.user)
            if form.cleaned_data.get("queue_order"):
                services.set_queue_order(org, form.cleaned_data["queue_order"], request.user)
            messages.success(request, _("The review SLA of %(org)s is now %(hours)s hours.") % {
                "org": org.name, "hours": form.cleaned_data["sla_hours"]})
            return redirect("review:queue")
        return render(request, "review/settings.html", {"form": form, "org": org, "orgs": orgs}, status=422)
    return render(request, "review/settings.html", {"form": form, "org": org, "orgs": orgs})


@roles_required(CASE_ROLES)
def screenshot(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A report's screenshot, for those who may see its case; never cached, never run as a document."""
    report = get_object_or_404(Report.objects.filter(case__in=services.visible_cases(request.user)), pk=pk)
    if not report.screenshot:
        raise Http404("no screenshot")
    name = PurePath(report.screenshot.name).name
    content_type = IMAGE_TYPES.get(PurePath(name).suffix.lower())
    try:
        handle = report.screenshot.storage.open(report.screenshot.name, "rb")
    except FileNotFoundError as exc:
        raise Http404("the screenshot file is missing") from exc
    response = FileResponse(handle, content_type=content_type or "application/octet-stream",
                            as_attachment=content_type is None, filename=name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
