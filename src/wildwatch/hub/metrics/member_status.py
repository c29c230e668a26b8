"""Each member company's standing at a date: the keyword-library release it uses (its latest download is the
evidence), whether it attested that the library is integrated in its filters, and its platforms with the model
policy in place. The dashboard shows it as a table (and exports it as CSV)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext

from wildwatch.hub.accounts.models import Organisation, Platform
from wildwatch.hub.library.models import Download

from . import attestations
from .computations import bounds, platforms
from .indicators import Scope
from .models import PolicyAdoption


def header() -> list[str]:
    return [gettext("Member company"), gettext("Keyword library release in use"), gettext("Downloaded on"),
            gettext("Integration attested"), gettext("Platforms with the model policy in place")]


def rows(end: date, scope: Scope) -> list[list[Any]]:
    """One row per member company in ``scope`` that had joined by ``end`` (or has no join date), by name:
    [name, release number or None, day of its latest download or None, attested integration (True, False or
    None when never attested), "platforms with the policy / platforms in scope"]."""
    if scope.is_empty:
        return []
    in_scope = platforms(scope)
    plats = list(Platform.objects.filter(organisation__kind="member")) if in_scope is None else in_scope
    by_org: dict[int, list[Platform]] = {}
    for p in plats:
        by_org.setdefault(p.organisation_id, []).append(p)
    companies = Organisation.objects.filter(kind="member", pk__in=by_org).exclude(joined_on__gt=end).order_by("name")
    until = bounds(end, end)[1]
    latest: dict[int, tuple[int, date]] = {}
    for org_id, number, when in Download.objects.filter(organisation_id__in=by_org, created_at__lt=until).order_by(
            "created_at", "id").values_list("organisation_id", "release__number", "created_at"):
        latest[org_id] = (number, when.date())
    attested = attestations.attested_by_owner(date.min, end, scope, keys=("library_integrated",)).get(
        "library_integrated", {})  # the latest level ever attested up to ``end``
    integrated = {org: bool(value) for (org, plat), value in attested.items() if plat is None}
    confirmed = set(PolicyAdoption.objects.filter(platform__in=plats, confirmed_at__lt=until).values_list(
        "platform_id", flat=True))
    out: list[list[Any]] = []
    for org in companies:
        release = latest.get(org.pk)
        own = by_org[org.pk]
        out.append([org.name, release[0] if release else None, release[1].isoformat() if release else None,
                    integrated.get(org.pk), f"{sum(1 for p in own if p.pk in confirmed)} / {len(own)}"])
    return out


def shown(table: list[list[Any]]) -> list[list[str]]:
    """The rows as the page shows them (yes / no / a dash)."""
    def text(value: Any) -> str:
        if value is None:
            return "—"
        if value is True:
            return gettext("yes")
        if value is False:
            return gettext("no")
        return str(value)
    return [[text(v) for v in row] for row in table]
