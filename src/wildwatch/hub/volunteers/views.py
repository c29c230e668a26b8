"""The cyber spotters' pages: registration (public), the training quiz, the submission form, and each volunteer's
own reports with their public stage and the volunteer's accuracy. A volunteer sees only their own reports, and
nothing of the keyword library."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wildwatch.hub.accounts.permissions import public, roles_required
from wildwatch.hub.accounts.roles import Role
from wildwatch.hub.public.services import PRODUCT_LABELS
from wildwatch.hub.reports.services import STAGES, ReportError
from wildwatch.hub.training import services as training
from wildwatch.hub.training.views import passed_required, quiz_page

from . import services
from .forms import RegistrationForm, SubmissionForm

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
