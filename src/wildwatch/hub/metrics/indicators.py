"""The coalition's progress indicators: what each one means, and their figures for a period and a scope.

Days are UTC days: ``[start, end]`` covers ``start 00:00 UTC`` up to (not including) ``end + 1 day 00:00 UTC``; a
decision at 23:30 UTC on ``end`` is in the period even where it was already the next day locally.

Computed figures come from the hub's own records (``computations``); attested figures from the accepted
attestations of member companies (``attestations``). They are kept apart: for an indicator that is both computed
and attested, ``compute`` returns the members' accepted attested figure where attestations cover the period (a
platform's own count includes what went through the hub), with the hub's computed count in its ``detail``, and the
computed figure otherwise; ``attested`` returns the attested figures alone. A total (``Indicator.parts``) is the
sum of its parts' figures, each from its own source. See docs/metrics.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Literal

from django.utils.translation import gettext_lazy as _

Source = Literal["computed", "attested", "both"]


@dataclass(frozen=True)
class Indicator:
    key: str
    label: Any  # a lazy translation
    source: Source
    unit: str  # "count", "hours", "share", "bool", "text"
    platform_types: tuple[str, ...] = ()  # empty: every platform type
    #: a level at a date (user accounts, keywords shared), not a sum over the period: never added up in series
    stock: bool = False
    #: a total: the sum of these indicators' figures (never attested or computed on its own)
    parts: tuple[str, ...] = ()


def _i(key: str, label: Any, source: Source, unit: str = "count", platform_types: tuple[str, ...] = (),
       stock: bool = False, parts: tuple[str, ...] = ()) -> tuple[str, Indicator]:
    return key, Indicator(key, label, source, unit, platform_types, stock, parts)


#: what the coalition's headline adds up: "24.1 million listings and accounts blocked"
BLOCKED_OR_REMOVED = ("listings_removed", "posts_removed", "accounts_removed", "groups_removed", "blocked_at_posting")


INDICATORS: dict[str, Indicator] = dict([
    _i("blocked_or_removed", _("Listings, posts and accounts blocked or removed"), "both", parts=BLOCKED_OR_REMOVED),
    _i("listings_removed", _("Listings removed"), "both", platform_types=("ecommerce",)),
    _i("posts_removed", _("Posts removed"), "both", platform_types=("social", "messaging")),
    _i("accounts_removed", _("Accounts removed"), "both"),
    _i("groups_removed", _("Groups removed"), "both", platform_types=("social", "messaging")),
    _i("blocked_at_posting", _("Listings blocked at posting"), "both"),
    _i("volunteer_reports", _("Reports from cyber spotters"), "computed"),
    _i("volunteer_reports_confirmed", _("Reports from cyber spotters confirmed"), "computed"),
    _i("public_reports", _("Reports from the public"), "computed"),
    _i("public_reports_confirmed", _("Reports from the public confirmed"), "computed"),
    _i("forwarded_reports", _("Reports forwarded by platforms"), "computed"),
    _i("staff_trained", _("Staff trained"), "both"),
    _i("policy_in_place", _("Platforms with the model policy in place"), "both", "count", stock=True),
    _i("search_popups", _("Search pop-ups shown"), "both", platform_types=("search", "ecommerce", "social")),
    _i("redirects", _("Redirects to wildlife information"), "attested"),
    _i("library_integrated", _("Member companies using the keyword library"), "both", stock=True),
    _i("median_hours_to_action", _("Median hours from referral to decision"), "computed", "hours"),
    _i("sla_compliance", _("Share of cases decided within the agreed time"), "computed", "share"),
    _i("user_accounts", _("User accounts"), "attested", stock=True),
    _i("keywords_shared", _("Keywords shared"), "computed", stock=True),
])

#: the indicators a member company may attest
ATTESTED_KEYS: tuple[str, ...] = tuple(k for k, i in INDICATORS.items()
                                       if i.source in ("attested", "both") and not i.parts)


#: where a figure comes from: the hub's records, the members' attestations, or both (attested by some members,
#: computed for the others)
FigureSource = Literal["computed", "attested", "both"]


@dataclass(frozen=True)
class Figure:
    key: str
    value: float | None
    source: FigureSource
    detail: str = ""


def source_label(source: str) -> str:
    """A figure's or an indicator's source in the active language."""
    from django.utils.translation import gettext

    return {"computed": gettext("computed"), "attested": gettext("attested"),
            "both": gettext("attested and computed")}.get(source, source)


@dataclass(frozen=True)
class Scope:
    """Which member companies and platforms: ``None`` is no restriction, an empty set is nothing at all.
    ``region`` is a country code matched against ``Platform.countries``."""

    organisation_ids: frozenset[int] | None = None
    platform_ids: frozenset[int] | None = None
    platform_type: str = ""
    region: str = ""

    @property
    def is_empty(self) -> bool:
        return self.organisation_ids == frozenset() or self.platform_ids == frozenset()

    @property
    def is_all(self) -> bool:
        return (self.organisation_ids is None and self.platform_ids is None and not self.platform_type
                and not self.region)


#: every member, and the records of no member platform too
ALL = Scope()
#: nothing at all
NOTHING = Scope(organisation_ids=frozenset())


def compute(start: date, end: date, scope: Scope = Scope()) -> dict[str, Figure]:
    """Every indicator's figure for ``[start, end]`` (UTC days, both included) in ``scope``.

    An indicator that is both computed and attested is merged member by member: a company (or a platform) whose
    accepted attestations cover the period counts with its attested figure (its own count of, say, listings
    removed includes the ones that went through the hub), every other one with the hub's computed count. The
    figure's ``source`` says which it is: ``attested``, ``computed``, or ``both`` when it adds up some of each;
    ``detail`` gives the parts. A total (``Indicator.parts``) adds up its parts' figures.
    """
    return compute_many(INDICATORS, start, end, scope)


def compute_many(keys: Iterable[str], start: date, end: date, scope: Scope = Scope()) -> dict[str, Figure]:
    """The figures of ``keys``, as ``compute`` gives them, with one pass over the records for all of them (and
    one more per set of attesting members)."""
    from . import attestations, computations

    wanted = list(dict.fromkeys(keys))
    leaves = list(dict.fromkeys(part for k in wanted for part in (INDICATORS[k].parts or (k,))))
    computed = computations.compute_keys([k for k in leaves if INDICATORS[k].source != "attested"], start, end,
                                         scope)
    owners = attestations.attested_by_owner(start, end, scope,
                                            keys=[k for k in leaves if INDICATORS[k].source != "computed"])
    groups: dict[tuple[Scope, ...], list[str]] = {}
    for key in leaves:
        if INDICATORS[key].source == "both" and owners.get(key):
            groups.setdefault(tuple(_covered(owners[key], scope)), []).append(key)
    covered: dict[str, float] = {}  # the hub's own counts for the members that attested
    for scopes, group in groups.items():
        for part in scopes:
            for key, value in computations.compute_keys(group, start, end, part).items():
                covered[key] = covered.get(key, 0.0) + (value or 0.0)
    figures = {key: _merged(key, computed.get(key), owners.get(key, {}), covered.get(key, 0.0)) for key in leaves}
    for key in wanted:
        if INDICATORS[key].parts:
            figures[key] = _total(key, [figures[p] for p in INDICATORS[key].parts])
    return {key: figures[key] for key in wanted}


def _covered(owners: dict[tuple[int, int | None], float], scope: Scope) -> list[Scope]:
    """The parts of ``scope`` that attested: the companies that attested as a whole, and the platforms that
    attested on their own (of other companies)."""
    orgs = frozenset(o for o, p in owners if p is None)
    plats = frozenset(p for o, p in owners if p is not None and o not in orgs)
    out = []
    if orgs:
        out.append(replace(scope, organisation_ids=orgs if scope.organisation_ids is None
                           else orgs & scope.organisation_ids))
    if plats:
        out.append(replace(scope, platform_ids=plats if scope.platform_ids is None else plats & scope.platform_ids))
    return out


def _merged(key: str, computed: float | None, owners: dict[tuple[int, int | None], float],
            covered: float) -> Figure:
    """One indicator's figure from its computed total, the attested figures of the companies and platforms that
    attested, and the hub's own count for those (``covered``; see ``compute``)."""
    from django.utils.translation import gettext, ngettext

    source = INDICATORS[key].source
    if source == "attested":
        detail = ngettext("%(n)s attesting member", "%(n)s attesting members", len(owners)) % {"n": len(owners)}
        return Figure(key, sum(owners.values()) if owners else None, "attested", detail if owners else "")
    if source == "computed" or not owners:
        return Figure(key, computed, "computed", "")
    attested_value = float(sum(owners.values()))
    rest = max((computed or 0.0) - covered, 0.0)
    if not rest:
        return Figure(key, attested_value, "attested",
                      gettext("computed from the hub's records: %(n)s") % {"n": _fmt(computed)})
    return Figure(key, attested_value + rest, "both",
                  gettext("attested: %(attested)s; computed for the others: %(rest)s") % {
                      "attested": _fmt(attested_value), "rest": _fmt(rest)})


def _total(key: str, parts: list[Figure]) -> Figure:
    """A total's figure: the sum of its parts, with their sources."""
    sources = {p.source for p in parts if p.value}
    value = float(sum(p.value or 0 for p in parts))
    source: FigureSource = "computed" if sources <= {"computed"} else "attested" if sources == {"attested"} else "both"
    return Figure(key, value, source, "")


def attested(start: date, end: date, scope: Scope = Scope()) -> dict[str, Figure]:
    """The accepted attested figures alone (key -> figure), for the indicators that have any."""
    from . import attestations

    return attestations.attested_figures(start, end, scope)


def _fmt(value: float | None) -> str:
    """A number in a detail, grouped in the active language."""
    from django.utils.translation import get_language

    from .numbers import grouped

    if value is None:
        return "-"
    return grouped(value, get_language(), 0 if float(value).is_integer() else 2)


def _buckets(start: date, end: date, step: Literal["month", "year"]) -> list[tuple[date, date, date]]:
    """(label, first day, last day) of each month or year overlapping ``[start, end]``, clipped to it."""
    out = []
    label = start.replace(day=1) if step == "month" else start.replace(month=1, day=1)
    while label <= end:
        if step == "month":
            following = (label.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            following = label.replace(year=label.year + 1)
        out.append((label, max(label, start), min(following - timedelta(days=1), end)))
        label = following
    return out


def series(key: str, start: date, end: date, scope: Scope = Scope(), step: Literal["month", "year"] = "month",
           cumulative: bool = False) -> list[tuple[date, float]]:
    """The indicator by month (or year), labelled by the bucket's first day (the first bucket covers only from
    ``start``, the last only up to ``end``). A missing figure counts as 0, except that a stock keeps its last known
    level. ``cumulative`` adds up the buckets of count indicators; a stock (``Indicator.stock``: a level at a
    date), hours and shares are never added up."""
    indicator = INDICATORS[key]
    out: list[tuple[date, float]] = []
    total = 0.0
    for label, first, last in _buckets(start, end, step):
        found = compute_one(key, first, last, scope)
        if found is None and indicator.stock and out:
            found = out[-1][1]  # a level stays until a new one is known
        value = found or 0.0
        if cumulative and not indicator.stock and indicator.unit == "count":
            total += value
            value = total
        out.append((label, value))
    return out


def compute_one(key: str, start: date, end: date, scope: Scope = Scope()) -> float | None:
    """One indicator's value, as ``compute`` gives it (merged member by member, totals added up)."""
    return compute_many([key], start, end, scope)[key].value


def coalition_start() -> date | None:
    """The earliest join date of an organisation (the coalition's launch), or None when none is recorded."""
    from wildwatch.hub.accounts.models import Organisation

    first = Organisation.objects.filter(joined_on__isnull=False).order_by("joined_on").values_list(
        "joined_on", flat=True).first()
    return first


def coalition_totals(until: date, since: date | None = None) -> dict[str, Figure]:
    """Every indicator over the whole coalition from its start (``coalition_start``) or ``since`` to ``until``."""
    start = since or coalition_start() or until
    return compute(start, until, Scope())


def membership(until: date) -> list[tuple[date, int]]:
    """The number of member companies on each join date up to ``until`` (cumulative): the launch first."""
    from wildwatch.hub.accounts.models import Organisation

    days = Organisation.objects.filter(kind="member", joined_on__isnull=False, joined_on__lte=until).order_by(
        "joined_on").values_list("joined_on", flat=True)
    out: list[tuple[date, int]] = []
    for n, day in enumerate(days, start=1):
        assert day is not None
        if out and out[-1][0] == day:
            out[-1] = (day, n)
        else:
            out.append((day, n))
    return out


def visible_scope(user: Any) -> Scope:
    """Coalition roles see every member; a member's people only their own companies; anybody else nothing
    (``NOTHING``: an empty scope, whose figures are all zero or None)."""
    from wildwatch.hub.accounts.roles import COALITION, MEMBERS
    from wildwatch.hub.accounts.services import organisations_of, roles_of

    if not getattr(user, "is_authenticated", False):
        return NOTHING
    roles = roles_of(user)
    if roles & COALITION:
        return Scope()
    if roles & MEMBERS:
        return Scope(organisation_ids=frozenset(o.pk for o in organisations_of(user) if o.kind == "member"))
    return NOTHING
