"""Signal pages: member admins turn sharing on or off and see their own contributions; coalition analysts see the
bank's size and decide on disputed signals. No page shows a signal's contributor to another member."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wildwatch.hub.accounts.permissions import roles_required
from wildwatch.hub.accounts.roles import COALITION, Role
from wildwatch.hub.accounts.services import organisations_of, roles_of

from . import services
from .models import Contribution, Sharing, Signal, Status

#: own contributions listed on the member page
LIMIT = 200


def _companies(request: HttpRequest) -> list[Any]:
    return [o for o in organisations_of(request.user) if o.kind == "member"]


@roles_required(COALITION | {Role.MEMBER_ADMIN})
def home(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"analyst": bool(roles_of(request.user) & COALITION)}
    if context["analyst"]:
        context["counts"] = {row["kind"]: row["n"] for row in Signal.objects.filter(status=Status.ACTIVE).values(
            "kind").annotate(n=Count("pk"))}
        context["disputed"] = list(services.disputed())
        context["sharing"] = Sharing.objects.filter(enabled=True).count()
    companies = _companies(request)
    if companies:
        enabled = set(Sharing.objects.filter(organisation__in=companies, enabled=True).values_list(
            "organisation_id", flat=True))
        context["companies"] = [{"org": o, "enabled": o.pk in enabled} for o in companies]
        context["mine"] = list(Contribution.objects.filter(organisation__in=companies).select_related(
            "signal", "platform").order_by("-created_at")[:LIMIT])
    return render(request, "signals/home.html", context)


@roles_required({Role.MEMBER_ADMIN})
@require_POST
def sharing(request: HttpRequest) -> HttpResponseBase:
    companies = {str(o.pk): o for o in _companies(request)}
    org = companies.get(request.POST.get("organisation", ""))
    if org is None:
        return HttpResponse(_("Not one of your member companies."), status=404, content_type="text/plain")
    enabled = request.POST.get("enabled") == "1"
    services.set_sharing(org, enabled, actor=request.user)
    messages.success(request, _("Signal sharing is on for %(org)s.") % {"org": org.name} if enabled
                     else _("Signal sharing is off for %(org)s.") % {"org": org.name})
    return redirect("signals:home")


@roles_required(COALITION)
@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponseBase:
    decision = request.POST.get("decision")
    if decision not in ("reinstate", "retract"):
        return HttpResponse(_("Choose to reinstate or to retract."), status=400, content_type="text/plain")
    try:
        services.resolve(pk, decision == "reinstate", actor=request.user, note=request.POST.get("note", ""))
    except services.SignalError as exc:
        return HttpResponse(str(exc), status=exc.status, content_type="text/plain")
    messages.success(request, _("Signal %(id)s reinstated.") % {"id": pk} if decision == "reinstate"
                     else _("Signal %(id)s retracted.") % {"id": pk})
    return redirect("signals:home")
