"""The cyber spotters' pages: registration (public), the training quiz, the submission form, and each volunteer's
own reports with their public stage and the volunteer's accuracy. A volunteer sees only their own reports, and
nothing of the keyword library."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from wildwatch.hub.accounts.permissions import public, roles_required
from wildwatch.hub.accounts.roles import Role
from wildwatch.hub.accounts.services import audit
from wildwatch.hub.public.services import PRODUCT_LABELS
from wildwatch.hub.reports.services import STAGES, ReportError
from wildwatch.hub.review import retention
from wildwatch.hub.training import services as training
from wildwatch.hub.training.views import passed_required, quiz_page

from . import privacy, services
from .forms import DeleteAccountForm, RegistrationForm, SubmissionForm

VOLUNTEERS = {Role.VOLUNTEER}
PAGE_SIZE = 50


@public
def register(request: HttpRequest) -> HttpResponse:
    """Anyone may register as a cyber spotter, while the programme has an organisation; then the quiz."""
    org = services.programme()
    if request.user.is_authenticated:
        if services.is_volunteer(request.user):
            return redirect("volunteers:home")
        return render(request, "volunteers/register.html", {"signed_in": True})
    if org is None:
        return render(request, "volunteers/register.html", {"closed": True})
    form = RegistrationForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                with transaction.atomic():
                    user = form.save()
                    services.enrol(user, org)
            except IntegrityError:  # the same name registered a moment ago
                form.add_error("username", _("A user with that username already exists."))
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _("Welcome to the cyber spotters! Pass the training quiz to start "
                                            "reporting."))
                return redirect("volunteers:quiz")
        return render(request, "volunteers/register.html", {"form": form, "organisation": org}, status=422)
    return render(request, "volunteers/register.html", {"form": form, "organisation": org})


@roles_required(VOLUNTEERS)
def quiz(request: HttpRequest) -> HttpResponse:
    return quiz_page(request, services.QUIZ_SLUG, done_url=reverse("volunteers:submit"))


@roles_required(VOLUNTEERS)
def home(request: HttpRequest) -> HttpResponse:
    page = Paginator(services.reports_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(report, stage, services.STAGE_LABELS[stage])
            for report, stage in ((r, services.stage_of(r)) for r in page.object_list)]
    return render(request, "volunteers/home.html", {
        "page": page, "rows": rows, "accuracy": services.accuracy_of(request.user),
        "passed": training.has_passed(request.user, services.QUIZ_SLUG),
        "stages": [(key, services.STAGE_LABELS[key], services.STAGE_HELP[key]) for key in STAGES]})


@roles_required(VOLUNTEERS)
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the volunteer's own reports (anybody else's is "not found", whoever made it)."""
    mine = get_object_or_404(services.reports_of(request.user), pk=pk)
    stage = services.stage_of(mine)
    return render(request, "volunteers/report.html", {
        "report": mine, "stage": stage, "stage_label": services.STAGE_LABELS[stage],
        "stage_help": services.STAGE_HELP[stage], "product_label": PRODUCT_LABELS.get(mine.product, mine.product)})


@roles_required(VOLUNTEERS)
@passed_required(services.QUIZ_SLUG, "volunteers:quiz")
def submit(request: HttpRequest) -> HttpResponse:
    """Several listings at once, with the seller's details: one report each, all or none, once per form."""
    if request.method != "POST":
        return render(request, "volunteers/submit.html", {"form": SubmissionForm(request.user)})
    form = SubmissionForm(request.user, request.POST)
    if not form.is_valid():
        if form.token_expired or "token" in form.errors:
            form.renew_token()
        return render(request, "volunteers/submit.html", {"form": form}, status=422)
    try:
        filed = services.submit(request.user, form.submission(), form.nonce)
    except services.AlreadySubmitted:
        messages.info(request, _("This form was already sent: its reports are listed below, and nothing was "
                                 "reported twice."))
        return redirect("volunteers:home")
    except ReportError as exc:
        form.add_error("urls", " ".join(exc.messages))
        return render(request, "volunteers/submit.html", {"form": form}, status=422)
    if filed.reports:
        messages.success(request, ngettext("%(count)s listing reported. Thank you!",
                                           "%(count)s listings reported. Thank you!", len(filed.reports))
                         % {"count": len(filed.reports)})
    if filed.skipped:
        messages.info(request, ngettext("%(count)s address was not reported again: you had already reported it.",
                                        "%(count)s addresses were not reported again: you had already reported "
                                        "them.", len(filed.skipped)) % {"count": len(filed.skipped)})
    return redirect("volunteers:home")


# --- the volunteer's own data: download and deletion ----------------------------------------------------------------


def _my_data_page(request: HttpRequest, form: DeleteAccountForm, status: int = 200) -> HttpResponse:
    return render(request, "volunteers/my_data.html", {
        "form": form, "may_delete": privacy.may_erase_self(request.user),
        "reports": services.reports_of(request.user).count(),
        "volunteer_days": retention.period("volunteer").days, "case_days": retention.period("case_content").days},
        status=status)


@roles_required(VOLUNTEERS)
@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    """What the hub keeps about the volunteer, how long; the download, and the deletion form."""
    return _my_data_page(request, DeleteAccountForm(request.user))


@roles_required(VOLUNTEERS)
@require_GET
def download_data(request: HttpRequest) -> HttpResponse:
    """A JSON file of everything the hub holds about the signed-in volunteer (and nobody else). Audited."""
    data = privacy.export(request.user)
    audit("volunteer.export", actor=request.user, target=f"user:{request.user.pk}", reports=len(data["reports"]))
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    response = HttpResponse(body + "\n", content_type="application/json; charset=utf-8")
    name = f"wildwatch-my-data-{timezone.now():%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@roles_required(VOLUNTEERS)
@require_POST
def delete_account(request: HttpRequest) -> HttpResponse:
    """The volunteer's account and personal data erased (their password and a tick confirm it), their reports
    kept anonymous; then they are signed out."""
    form = DeleteAccountForm(request.user, request.POST)
    if not privacy.may_erase_self(request.user):
        messages.error(request, _("Your account has other roles than cyber spotter: ask your organisation's "
                                  "administrators to delete it."))
        return _my_data_page(request, form, status=403)
    if not form.is_valid():
        return _my_data_page(request, form, status=422)
    privacy.erase(request.user)
    logout(request)
    messages.success(request, _("Your account and your personal data were deleted. Thank you for your reports."))
    return redirect("/")

