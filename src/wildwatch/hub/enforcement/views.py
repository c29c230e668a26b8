"""The officers' pages: their agency's holds and notifications, a new hold, the referred cases in their
jurisdiction (with their evidence, and as CSV) and their subscriptions. Officers only; every access is audited.
Only the officers of the agency that registered a hold see it."""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wildwatch.hub.accounts.models import Organisation
from wildwatch.hub.accounts.permissions import roles_required
from wildwatch.hub.accounts.roles import Role
from wildwatch.hub.accounts.services import audit
from wildwatch.hub.evidence.services import officer_countries, officer_may_see
from wildwatch.hub.reports.models import Case, Report

from . import monitoring, services
from .forms import CaseFilter, HoldForm, SubscriptionForm
from .models import Hold, Subscription

OFFICERS = {Role.OFFICER}
PAGE_SIZE = 50
#: image types a screenshot may be served as (anything else is sent as a download)
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def _agency(request: HttpRequest) -> Organisation:
    agency = services.agency_of(request.user)
    if agency is None:
        raise PermissionDenied("only the officers of a law-enforcement agency use these pages")
    return agency


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


@roles_required(OFFICERS)
def home(request: HttpRequest) -> HttpResponse:
    agency = _agency(request)
    holds = list(services.holds_of(agency))
    notifications = services.notifications_for(request.user, agency)[:100]
    audit("enforcement.view", actor=request.user, organisation=agency, target="holds", holds=len(holds))
    return _private(render(request, "enforcement/home.html", {
        "agency": agency, "holds": holds, "notifications": notifications, "today": timezone.localdate()}))


@roles_required(OFFICERS)
def hold_new(request: HttpRequest) -> HttpResponse:
    agency = _agency(request)
    form = HoldForm(request.POST or None, agency=agency)
    if request.method == "POST":
        if form.is_valid():
            try:
                hold = services.create_hold(agency, kind=form.cleaned_data["kind"],
                                            case_reference=form.cleaned_data["case_reference"],
                                            until=form.cleaned_data["until"], identifiers=form.identifiers,
                                            actor=request.user)
            except services.HoldError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Hold %(reference)s is registered until %(until)s.") % {
                    "reference": hold.case_reference, "until": hold.until.isoformat()})
                return redirect("enforcement:home")
        return _private(render(request, "enforcement/hold_form.html", {"agency": agency, "form": form}, status=422))
    return _private(render(request, "enforcement/hold_form.html", {"agency": agency, "form": form}))


@roles_required(OFFICERS)
@require_POST
def hold_lift(request: HttpRequest, pk: int) -> HttpResponse:
    agency = _agency(request)
    hold = get_object_or_404(Hold, pk=pk, agency=agency)  # another agency's hold does not exist for this officer
    try:
        services.lift_hold(hold, actor=request.user)
    except services.HoldError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Hold %(reference)s is lifted.") % {"reference": hold.case_reference})
    return redirect("enforcement:home")


def _filtered(request: HttpRequest) -> tuple[CaseFilter, list[Case]]:
    form = CaseFilter(request.GET or None)
    cases = monitoring.referred_cases()
    if form.is_valid():
        if form.cleaned_data["status"]:
            cases = cases.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["min_severity"] is not None:
            cases = cases.filter(severity__gte=form.cleaned_data["min_severity"])
    elif request.GET:
        cases = cases.none()
    return form, monitoring.visible_cases(request.user, cases)


@roles_required(OFFICERS)
def cases(request: HttpRequest) -> HttpResponse:
    agency = _agency(request)
    form, found = _filtered(request)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    audit("enforcement.cases", actor=request.user, organisation=agency, target="cases", page=page.number,
          shown=[case.pk for case in page.object_list], filters=query.dict())
    return _private(render(request, "enforcement/cases.html", {
        "agency": agency, "countries": sorted(officer_countries(request.user)), "form": form, "page": page,
        "query": query.urlencode()}))


@roles_required(OFFICERS)
def cases_csv(request: HttpRequest) -> HttpResponse:
    agency = _agency(request)
    _, found = _filtered(request)
    text, rows = monitoring.csv_text(found)
    audit("enforcement.cases_export", actor=request.user, organisation=agency, target="cases.csv",
          filters=request.GET.dict(), rows=rows)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="wildwatch-cases-{timezone.localdate():%Y-%m-%d}.csv"'
    return _private(response)


def _visible_case(request: HttpRequest, pk: int) -> Case:
    case = monitoring.referred_cases().filter(pk=pk).first()
    if case is None or not officer_may_see(request.user, case):  # not referred, or not in the jurisdiction:
        raise Http404("no such case")  # as if it did not exist
    return case


@roles_required(OFFICERS)
def case(request: HttpRequest, pk: int) -> HttpResponse:
    agency = _agency(request)
    found = _visible_case(request, pk)
    reports = list(found.reports.order_by("created_at", "id"))
    audit("enforcement.case", actor=request.user, organisation=agency, target=f"case:{found.pk}")
    return _private(render(request, "enforcement/case.html", {
        "agency": agency, "case": found, "reports": reports,
        "decision": found.decisions.filter(reopened_at=None).first()}))


@roles_required(OFFICERS)
def screenshot(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A report's screenshot, for officers whose jurisdiction covers its case."""
    agency = _agency(request)
    report = get_object_or_404(Report.objects.select_related("case"), pk=pk)
    _visible_case(request, report.case_id)
    if not report.screenshot:
        raise Http404("no screenshot")
    audit("enforcement.screenshot", actor=request.user, organisation=agency, target=f"report:{report.pk}",
          case=report.case_id)
    name = PurePosixPath(report.screenshot.name).name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    inline = content_type in IMAGE_TYPES
    response = FileResponse(report.screenshot.open("rb"), as_attachment=not inline, filename=name,
                            content_type=content_type if inline else "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


@roles_required(OFFICERS)
def subscriptions(request: HttpRequest) -> HttpResponse:
    agency = _agency(request)
    form = SubscriptionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.subscribe(request.user, agency, taxon=form.cleaned_data["taxon"],
                                   country=form.cleaned_data["country"])
            except services.HoldError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("You are subscribed."))
                return redirect("enforcement:subscriptions")
        status = 422
    mine = Subscription.objects.filter(user=request.user.pk, agency=agency).select_related("taxon")
    audit("enforcement.view", actor=request.user, organisation=agency, target="subscriptions")
    return _private(render(request, "enforcement/subscriptions.html", {
        "agency": agency, "form": form, "subscriptions": [
            (s, monitoring.country_name(s.country, get_language() or "en") if s.country else "") for s in mine]},
        status=status))


@roles_required(OFFICERS)
@require_POST
def unsubscribe(request: HttpRequest, pk: int) -> HttpResponse:
    agency = _agency(request)
    subscription = get_object_or_404(Subscription, pk=pk, user=request.user.pk, agency=agency)
    services.unsubscribe(subscription, request.user)
    messages.success(request, _("The subscription is removed."))
    return redirect("enforcement:subscriptions")
