"""Thin views of the platform policy profiles."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from wildwatch.hub.accounts.models import Platform
from wildwatch.hub.accounts.permissions import roles_required
from wildwatch.hub.accounts.roles import COALITION, MEMBERS, Role
from wildwatch.hub.accounts.services import organisations_of, roles_of

from . import services
from .models import ProfileVersion


@roles_required(COALITION | MEMBERS)
def platform(request: HttpRequest, slug: str) -> HttpResponse:
    plat = get_object_or_404(Platform.objects.select_related("organisation"), slug=slug)
    coalition = bool(roles_of(request.user) & COALITION)
    if not coalition and plat.organisation not in organisations_of(request.user):
        raise PermissionDenied("another organisation's platform")
    may_propose = Role.MEMBER_ADMIN in roles_of(request.user) and plat.organisation in organisations_of(request.user)
    error = ""
    overrides_text = request.POST.get("overrides", "[]")
    if request.method == "POST":
        if not may_propose:
            raise PermissionDenied("only the platform's member admins may propose its policy profile")
        try:
            version = services.propose_profile(plat, overrides_text, actor=request.user,
                                               description=request.POST.get("description", ""))
        except ValidationError as exc:
            error = "; ".join(exc.messages)
        else:
            messages.success(request, _("Version %(n)s proposed; an analyst will review it.") % {"n": version.number})
            return redirect("policies:platform", slug=plat.slug)
    return render(request, "policies/platform.html", {
        "platform": plat, "versions": plat.profile_versions.all(), "current": services.current_profile(plat),
        "may_propose": may_propose, "error": error, "overrides_text": overrides_text,
    })


@roles_required(COALITION)
def pending(request: HttpRequest) -> HttpResponse:
    versions = ProfileVersion.objects.filter(state=ProfileVersion.State.PENDING).select_related("platform")
    return render(request, "policies/pending.html", {"versions": versions})


@roles_required(COALITION)
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(ProfileVersion, pk=pk)
    if request.method != "POST":
        return redirect("policies:pending")
    try:
        services.decide_profile(version, actor=request.user, approve=request.POST.get("decision") == "approve",
                                comment=request.POST.get("comment", ""))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect("policies:pending")
