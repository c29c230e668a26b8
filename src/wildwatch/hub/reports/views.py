"""The public report form (no login) and the status page of a report, found by its tracking code.

The form is guarded by a per-address rate limit, a honeypot field, the CSRF check and a one-time form token (see
``abuse``); a screenshot is checked by its content (see ``screenshots``). The status page shows only what a
reporter may know (``services.public_stage``): never the reviewers, a hold, other reports or other reporters.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from wildwatch.hub.accounts.permissions import public
from wildwatch.hub.public.services import MAX_QUERY_LENGTH, PRODUCT_LABELS

from . import abuse, screenshots, services
from .forms import DATALIST_ID, HONEYPOT, PublicReportForm, species_suggestions
from .models import Report, ReportKind

#: what each public stage means, for the reporter
STAGE_TEXT: dict[str, tuple[Promise, Promise]] = {
    "received": (gettext_lazy("Received"), gettext_lazy(
        "Your report has arrived. It is waiting for an analyst of the coalition to check it.")),
    "in_review": (gettext_lazy("In review"), gettext_lazy(
        "An analyst has checked your report, and it is being dealt with. This can take a while: this page will "
        "change when there is an outcome.")),
    "action_taken": (gettext_lazy("Action taken"), gettext_lazy(
        "The listing broke the rules, and action was taken against it, such as its removal. Thank you for your "
        "report.")),
    "no_violation": (gettext_lazy("No violation found"), gettext_lazy(
        "The listing was reviewed and found to break no rule. Thank you all the same: every report helps.")),
    "not_actionable": (pgettext_lazy("report stage", "Closed"), gettext_lazy(
        "We could not act on this report, for example because the listing was gone or did not concern protected "
        "wildlife. Thank you all the same.")),
    "outreach": (pgettext_lazy("report stage", "Passed on"), gettext_lazy(
        "The listing is on a website that is not a member of the coalition. We keep your report and raise it "
        "with that website.")),
}
assert set(STAGE_TEXT) == set(services.STAGES)
#: the steps shown on the status page, and the step each stage is at
STEPS: tuple[Promise, ...] = (gettext_lazy("Received"), pgettext_lazy("report step", "Checked"),
                              pgettext_lazy("report step", "Outcome"))
STEP_OF_STAGE = {"received": 0, "in_review": 1, "outreach": 1, "action_taken": 2, "no_violation": 2,
                 "not_actionable": 2}
MAX_CODE_LENGTH = 40
logger = logging.getLogger(__name__)


# --- the form ----------------------------------------------------------------------------------------------------


def _page(request: HttpRequest, form: PublicReportForm, *, notice: str = "", status: int = 200) -> HttpResponse:
    response = render(request, "reports/new.html", {
        "form": form, "honeypot": form[HONEYPOT], "datalist_id": DATALIST_ID,
        "suggestions": species_suggestions(str(form["species"].value() or "")), "notice": notice,
        "kept": form.kept}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _with_new_token(data: QueryDict) -> QueryDict:
    data = data.copy()
    data["token"] = abuse.new_token()
    return data


@public
@csrf_exempt  # checked by ``_new``, once the upload cap is in place (the CSRF check reads the body)
def new(request: HttpRequest) -> HttpResponseBase:
    """The public report form: GET shows it, POST files the report and leads to its status page."""
    if request.method == "POST":
        request.upload_handlers = [screenshots.CappedUploadHandler(request), *request.upload_handlers]
    return _new(request)


@csrf_protect
def _new(request: HttpRequest) -> HttpResponseBase:
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    if request.method != "POST":
        initial: dict[str, Any] = {k: request.GET.get(k, "")[:2048] for k in ("url", "species", "product")}
        return _page(request, PublicReportForm(initial={**initial, "token": abuse.new_token()}))
    data = request.POST.copy()
    nonce = abuse.read_token(data.get("token"))
    if nonce is None:
        return _page(request, PublicReportForm(_with_new_token(data)), status=400, notice=_(
            "This form is too old or was altered. Check your entries and send it again."))
    said = abuse.fingerprint(*(str(data.get(k, "")) for k in ("url", "platform", "species", "product", "details",
                                                              "email")))
    claim = abuse.claim(nonce)
    if claim.state == "done" and claim.fingerprint == said:
        messages.info(request, _("This form was already sent: here is the report it made."))
        return _to_status(claim.code)
    if claim.state == "done":
        return _page(request, PublicReportForm(_with_new_token(data)), status=409, notice=_(
            "This form was already used for report %(code)s. To report another listing, check the entries below "
            "and send them again.") % {"code": claim.code})
    if claim.state == "busy":
        return _page(request, PublicReportForm(data), status=409, notice=_(
            "This form is being sent already. Wait a moment, then send it again to see your report."))
    filed = False
    try:
        response, filed = _submit(request, data, nonce, said)
    finally:
        if not filed:
            abuse.release(nonce)
    return response


def _submit(request: HttpRequest, data: QueryDict, nonce: str, said: str) -> tuple[HttpResponseBase, bool]:
    """Check and file a submission whose token this request holds; (the response, whether a report was made)."""
    ip = abuse.client_ip(request)
    retry = abuse.check_rate(ip)
    if retry is not None:
        logger.info("public report form: over the rate limit; retry in %s s", retry)
        minutes = max(1, round(retry / 60))
        response = _page(request, PublicReportForm(data, kept=screenshots.kept(nonce)), status=429, notice=ngettext(
            "Too many reports were sent from your connection in the last hour. Your entries are kept below: "
            "send them again in %(minutes)s minute.",
            "Too many reports were sent from your connection in the last hour. Your entries are kept below: "
            "send them again in %(minutes)s minutes.", minutes) % {"minutes": minutes})
        response["Retry-After"] = str(retry)
        return response, False
    robot = bool(str(data.get(HONEYPOT, "")).strip())
    # a robot's file is not even opened, nor kept
    form = PublicReportForm(data, None if robot else request.FILES, kept=None if robot else screenshots.kept(nonce))
    valid = form.is_valid()
    if robot:
        logger.info("public report form: the honeypot field was filled")
        abuse.count_report(ip)
    if data.get("discard_screenshot"):
        screenshots.drop(nonce)
        form.kept = None
    if form.new_shot is not None:
        screenshots.keep(nonce, form.new_shot)
        form.kept = form.new_shot
    if not valid:
        return _page(request, form, status=422), False
    try:
        report = _file(request, form)
    except services.ReportError:
        form.add_error("url", _("This address cannot be reported. Check it and send the form again."))
        return _page(request, form, status=422), False
    assert report.tracking_code
    abuse.count_report(ip)
    abuse.finish(nonce, report.tracking_code, said)
    screenshots.drop(nonce)
    text = _("Thank you: your report is received. Its tracking code is %(code)s. Keep it, or bookmark this "
             "page, to follow your report.") % {"code": report.tracking_code}
    if form.where is not None and form.where.platform is not None:
        text += " " + _("The listing is on %(platform)s, a member of the coalition: after our check, your report "
                        "goes to its team.") % {"platform": form.where.platform.name}
    messages.success(request, text)
    return _to_status(report.tracking_code), True


def _file(request: HttpRequest, form: PublicReportForm) -> Report:
    data = form.cleaned_data
    notes = [data["details"].strip()]
    if data["platform"].strip():
        notes.append(f"Website or app named by the reporter: {data['platform'].strip()}")
    shot = form.shot
    return services.file_report(
        ReportKind.PUBLIC, data["url"], reporter=request.user, email=data["email"],
        species_text=data["species"].strip(), product=data["product"], notes="\n".join(n for n in notes if n),
        screenshot=shot.upload() if shot else None, screenshot_sha256=shot.sha256 if shot else "")


def _to_status(code: str) -> HttpResponse:
    response = redirect("reports:status", code=code)
    response.status_code = 303  # see other: a reload shows the page, never sends the form again
    return response


@public
def species_names(request: HttpRequest) -> JsonResponse:
    """Suggestions for the form's species field, as the reporter types (the datalist is filled from here)."""
    names = species_suggestions(request.GET.get("q", "")[:MAX_QUERY_LENGTH])
    response = JsonResponse({"names": [[name, hint] for name, hint in names]})
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- the status page ---------------------------------------------------------------------------------------------


def normalise_code(code: str) -> str:
    """A tracking code as the reporter may type it ("ww-abc...", spaces, no prefix) in its stored form."""
    text = "".join(code.split()).upper()[:MAX_CODE_LENGTH]
    if not text.startswith("WW-") and len(text) == 10:
        text = "WW-" + text
    return text


@dataclass(frozen=True)
class StatusView:
    """All the status page may show: the reporter's own report and its public stage, nothing of the case."""

    code: str
    received: Any
    stage: str
    stage_label: str
    explanation: str
    step: int
    url: str
    species: str
    product: str
    screenshot: bool


def _not_found(request: HttpRequest, code: str) -> HttpResponse:
    response = render(request, "reports/track.html", {"missing": code[:MAX_CODE_LENGTH]}, status=404)
    response["Cache-Control"] = "no-store"
    return response


@public
def status(request: HttpRequest, code: str) -> HttpResponse:
    """What became of a report, by its tracking code (case-insensitive)."""
    report = (Report.objects.filter(tracking_code=normalise_code(code)).exclude(tracking_code=None)
              .select_related("case").first())
    if report is None:
        return _not_found(request, code)
    stage = services.public_stage(report.case)
    label, explanation = STAGE_TEXT[stage]
    view = StatusView(
        code=str(report.tracking_code), received=report.created_at, stage=stage, stage_label=str(label),
        explanation=str(explanation), step=STEP_OF_STAGE[stage], url=report.url, species=report.species_text,
        product=str(PRODUCT_LABELS.get(report.product, "")) if report.product else "",
        screenshot=bool(report.screenshot))
    response = render(request, "reports/status.html", {
        "report": view, "steps": [(i, str(s)) for i, s in enumerate(STEPS)]})
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@public
def track(request: HttpRequest) -> HttpResponse:
    """Find a report by the code typed in."""
    code = normalise_code(request.GET.get("code", ""))
    if not code:
        return render(request, "reports/track.html", {})
    if Report.objects.filter(tracking_code=code).exists():
        return redirect(reverse("reports:status", kwargs={"code": code}))
    return _not_found(request, request.GET.get("code", "").strip())
