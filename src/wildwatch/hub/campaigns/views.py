"""The campaign calendar: analysts plan campaigns; member companies see them and their own reach."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from wildwatch.hub.accounts.permissions import roles_required
from wildwatch.hub.accounts.roles import COALITION, MEMBERS
from wildwatch.hub.accounts.services import organisations_of, roles_of

from . import services
from .dates import WILDLIFE_DAYS, upcoming_days
from .forms import CampaignForm
from .models import Campaign

#: a wildlife day's campaign runs the week before the day, the day included
DEFAULT_DAYS_BEFORE = 6


def _is_analyst(request: HttpRequest) -> bool:
    return bool(roles_of(request.user) & COALITION)


@roles_required(COALITION | MEMBERS)
def calendar(request: HttpRequest) -> HttpResponse:
    today = timezone.now().date()
    campaigns = list(Campaign.objects.order_by("start", "end", "slug"))
    return render(request, "campaigns/calendar.html", {
        "current": [c for c in campaigns if c.start <= today <= c.end],
        "upcoming": [c for c in campaigns if c.start > today],
        "past": sorted((c for c in campaigns if c.end < today), key=lambda c: c.start, reverse=True),
        "days": upcoming_days(today), "can_edit": _is_analyst(request), "today": today})


@roles_required(COALITION)
def create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = CampaignForm(request.POST)
        if form.is_valid():
            campaign = services.save(form.save(commit=False), actor=request.user, created=True)
            return redirect("campaigns:detail", slug=campaign.slug)
    else:
        initial: dict[str, object] = {}
        day = WILDLIFE_DAYS.get(request.GET.get("day", ""))
        if day is not None:
            on = day.next(timezone.now().date())
            initial = {"name": f"{day.name} {on.year}", "slug": f"{day.key}-day-{on.year}", "end": on,
                       "start": on - timedelta(days=DEFAULT_DAYS_BEFORE), "groups_choice": list(day.groups)}
        form = CampaignForm(initial=initial)
    return render(request, "campaigns/form.html", {"form": form, "campaign": None})


@roles_required(COALITION)
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        services.save(form.save(commit=False), actor=request.user, created=False)
        return redirect("campaigns:detail", slug=campaign.slug)
    return render(request, "campaigns/form.html", {"form": form, "campaign": campaign})


@roles_required(COALITION | MEMBERS)
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    analyst = _is_analyst(request)
    reach = services.reach(campaign, None if analyst else organisations_of(request.user))
    return render(request, "campaigns/detail.html", {
        "campaign": campaign, "can_edit": analyst, "reach": reach,
        "total": sum(int(r["popups"]) for r in reach),
        "messages_by_lang": sorted(campaign.messages.items())})
