"""Pages of the attestations (member admins enter figures, coalition analysts review them), of the model policy
and the public members page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wildwatch.hub.accounts.models import Organisation, Platform
from wildwatch.hub.accounts.permissions import public, roles_required
from wildwatch.hub.accounts.roles import COALITION, Role
from wildwatch.hub.accounts.services import organisations_of, roles_of

from . import attestations, policy
from .forms import AdoptionForm, AttestationForm, PolicyForm, ReviewForm
from .indicators import INDICATORS
from .models import Attestation, AttestationLocked, AttestationState, ModelPolicy, PolicyAdoption

ATTESTERS = frozenset({Role.MEMBER_ADMIN})


def _companies(user: Any) -> list[Organisation]:
    return [o for o in organisations_of(user) if o.kind == "member"]


def _figures(attestation: Attestation) -> list[tuple[Any, Any]]:
    return [(INDICATORS[k].label if k in INDICATORS else k, v) for k, v in (attestation.figures or {}).items()]


@roles_required(COALITION | ATTESTERS)
def attestation_list(request: HttpRequest) -> HttpResponse:
    qs = attestations.visible(request.user)
    coalition = bool(roles_of(request.user) & COALITION)
    return render(request, "metrics/attestations.html", {
        "queue": qs.filter(state=AttestationState.SUBMITTED).order_by("submitted_at", "id") if coalition else [],
        "attestations": qs[:200], "coalition": coalition,
        "can_attest": bool(roles_of(request.user) & ATTESTERS)})


def _save(request: HttpRequest, form: AttestationForm, attestation: Attestation | None) -> HttpResponseBase:
    data = form.cleaned_data
    try:
        if attestation is None:
            attestation = attestations.create(data["organisation"], data["period_start"], data["period_end"],
                                              form.figures(), platform=data["platform"], note=data["note"],
                                              actor=request.user)
        else:
            attestation = attestations.edit(attestation, form.figures(), start=data["period_start"],
                                            end=data["period_end"], platform=data["platform"], note=data["note"],
                                            actor=request.user)
        if "submit" in request.POST:
            attestations.submit(attestation, actor=request.user)
            messages.success(request, _("The attestation is submitted for review."))
        else:
            messages.success(request, _("The draft is saved."))
    except (attestations.AttestationError, AttestationLocked) as exc:
        messages.error(request, str(exc))
        if attestation is None:
            return render(request, "metrics/attestation_form.html", {"form": form, "attestation": None})
    return redirect("metrics:attestation", pk=attestation.pk)


@roles_required(ATTESTERS)
def attestation_new(request: HttpRequest) -> HttpResponseBase:
    form = AttestationForm(request.POST or None, organisations=_companies(request.user))
    if request.method == "POST" and form.is_valid():
        return _save(request, form, None)
    return render(request, "metrics/attestation_form.html", {"form": form, "attestation": None})


@roles_required(ATTESTERS)
def attestation_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    attestation = get_object_or_404(attestations.visible(request.user), pk=pk)
    if attestation.state not in (AttestationState.DRAFT, AttestationState.RETURNED):
        messages.error(request, _("Only a draft or a returned attestation can be changed."))
        return redirect("metrics:attestation", pk=pk)
    form = AttestationForm(request.POST or None, organisations=_companies(request.user),
                           initial=AttestationForm.initial_of(attestation))
    if request.method == "POST" and form.is_valid():
        return _save(request, form, attestation)
    return render(request, "metrics/attestation_form.html", {"form": form, "attestation": attestation})


@roles_required(COALITION | ATTESTERS)
def attestation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    attestation = get_object_or_404(attestations.visible(request.user), pk=pk)
    roles = roles_of(request.user)
    versions = attestations.history(attestation)
    return render(request, "metrics/attestation.html", {
        "attestation": attestation, "figures": _figures(attestation),
        "history": [(v, _figures(v)) for v in versions],
        "can_edit": bool(roles & ATTESTERS) and attestation.state in (AttestationState.DRAFT,
                                                                      AttestationState.RETURNED),
        "can_review": bool(roles & COALITION) and attestation.state == AttestationState.SUBMITTED,
        "can_correct": bool(roles & ATTESTERS) and attestation.state == AttestationState.ACCEPTED
        and versions[-1].pk == attestation.pk,
        "review_form": ReviewForm()})


@roles_required(ATTESTERS)
@require_POST
def attestation_submit(request: HttpRequest, pk: int) -> HttpResponseBase:
    attestation = get_object_or_404(attestations.visible(request.user), pk=pk)
    try:
        attestations.submit(attestation, actor=request.user)
        messages.success(request, _("The attestation is submitted for review."))
    except attestations.AttestationError as exc:
        messages.error(request, str(exc))
    return redirect("metrics:attestation", pk=pk)


@roles_required(COALITION)
@require_POST
def attestation_review(request: HttpRequest, pk: int) -> HttpResponseBase:
    attestation = get_object_or_404(attestations.visible(request.user), pk=pk)
    form = ReviewForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    accept = request.POST.get("decision") == "accept"
    try:
        attestations.review(attestation, accept=accept, comment=comment, actor=request.user)
        messages.success(request, _("The attestation is accepted.") if accept
                         else _("The attestation is sent back."))
    except attestations.AttestationError as exc:
        messages.error(request, str(exc))
    return redirect("metrics:attestation", pk=pk)


@roles_required(ATTESTERS)
@require_POST
def attestation_correct(request: HttpRequest, pk: int) -> HttpResponseBase:
    attestation = get_object_or_404(attestations.visible(request.user), pk=pk)
    try:
        new = attestations.correct(attestation, actor=request.user)
    except attestations.AttestationError as exc:
        messages.error(request, str(exc))
        return redirect("metrics:attestation", pk=pk)
    messages.success(request, _("A new version is open: correct the figures, then submit it."))
    return redirect("metrics:attestation_edit", pk=new.pk)


@roles_required(COALITION | ATTESTERS)
def model_policy(request: HttpRequest) -> HttpResponseBase:
    roles = roles_of(request.user)
    coalition = bool(roles & COALITION)
    companies = _companies(request.user)
    publish_form = PolicyForm(request.POST if "publish" in request.POST else None) if coalition else None
    adopt_form = (AdoptionForm(request.POST if "adopt" in request.POST else None, organisations=companies)
                  if roles & ATTESTERS else None)
    if request.method == "POST":
        if publish_form is not None and publish_form.is_valid():
            version = policy.publish(publish_form.cleaned_data, actor=request.user)
            messages.success(request, _("Version %(version)s of the model policy is published.")
                             % {"version": version.version})
            return redirect("metrics:policy")
        if adopt_form is not None and adopt_form.is_valid():
            data = adopt_form.cleaned_data
            try:
                policy.record_adoption(data["platform"], data["policy"], data["public_url"], data["adopted_on"],
                                       actor=request.user)
            except policy.PolicyError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("The adoption is recorded: a coalition analyst will confirm it."))
                return redirect("metrics:policy")
    adoptions = PolicyAdoption.objects.select_related("platform__organisation", "policy", "confirmed_by")
    if not coalition:
        adoptions = adoptions.filter(platform__organisation__in=companies)
    return render(request, "metrics/policy.html", {
        "versions": ModelPolicy.objects.all(), "adoptions": adoptions, "coalition": coalition,
        "publish_form": publish_form, "adopt_form": adopt_form})


@roles_required(COALITION)
@require_POST
def policy_confirm(request: HttpRequest, pk: int) -> HttpResponseBase:
    adoption = get_object_or_404(PolicyAdoption, pk=pk)
    try:
        policy.confirm_adoption(adoption, actor=request.user)
        messages.success(request, _("The adoption is confirmed."))
    except policy.PolicyError as exc:
        messages.error(request, str(exc))
    return redirect("metrics:policy")


@public
def members(request: HttpRequest) -> HttpResponse:
    """The public list of member companies, their platforms and join dates, and their attested user base."""
    platforms = Platform.objects.order_by("joined_on", "name")
    companies = (Organisation.objects.filter(kind="member", joined_on__isnull=False)
                 .prefetch_related(Prefetch("platforms", queryset=platforms)).order_by("joined_on", "name"))
    rows = [{"company": c, "platforms": list(c.platforms.all()),
             "user_accounts": attestations.latest_accepted_value("user_accounts", organisation=c)}
            for c in companies]
    return render(request, "metrics/members.html", {"rows": rows, "count": len(rows)})
