"""The analyst dashboard: the indicators and the trends of the trade as SVG charts, each with its table, filtered by
member, platform type, region and period (a GET form). A member company's people see the same page restricted to
their own company (``indicators.visible_scope``). Every table can be downloaded as CSV (audited)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncYear
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wildwatch.hub.accounts.models import Organisation
from wildwatch.hub.accounts.permissions import roles_required
from wildwatch.hub.accounts.roles import COALITION, MEMBERS, PlatformType
from wildwatch.hub.accounts.services import audit
from wildwatch.hub.library.models import Term
from wildwatch.hub.usage.models import DailyCount, Metric

from . import charts, computations, indicators, member_status, numbers
from .indicators import INDICATORS, Scope

TREND_CHOICES = [("category", _("Policy category")), ("group", _("Species group")), ("term", _("Term")),
                 ("region", _("Region")), ("platform_type", _("Platform type"))]
TABLES = ("figures", "indicator", "trend", "members")
TOP = 6


class DashboardFilter(forms.Form):
    organisation: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(
        label=_("Member"), queryset=Organisation.objects.none(), required=False, empty_label=_("All members"))
    platform_type = forms.ChoiceField(label=_("Platform type"), required=False,
                                      choices=[("", _("All platform types")), *PlatformType.choices])
    region = forms.ChoiceField(label=_("Region"), required=False)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    step = forms.ChoiceField(label=_("By"), required=False, choices=[("month", _("Month")), ("year", _("Year"))])
    indicator = forms.ChoiceField(label=_("Indicator"), required=False)
    trend = forms.ChoiceField(label=_("Trend by"), required=False, choices=TREND_CHOICES)

    def __init__(self, data: Any, scope: Scope) -> None:
        super().__init__(data)
        members = Organisation.objects.filter(kind="member").order_by("name")
        if scope.organisation_ids is not None:
            members = members.filter(pk__in=scope.organisation_ids)
        self.fields["organisation"].queryset = members  # type: ignore[attr-defined]
        countries = sorted({c.upper() for p in computations.platforms(replace(scope, region="")) or
                            _all_platforms() for c in p.countries or []})
        self.fields["region"].choices = [("", _("All regions")), *[(c, c) for c in countries]]  # type: ignore
        self.fields["indicator"].choices = [(k, i.label) for k, i in INDICATORS.items()  # type: ignore
                                            if i.unit in ("count", "hours", "share")]

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        today = timezone.now().date()
        data["end"] = data.get("end") or today
        data["start"] = data.get("start") or (data["end"] - timedelta(days=365)).replace(day=1)
        if data["start"] > data["end"]:
            raise forms.ValidationError(_("'From' is after 'To'."))
        data["step"] = data.get("step") or "month"
        data["indicator"] = data.get("indicator") or "blocked_or_removed"
        data["trend"] = data.get("trend") or "category"
        return data


def _all_platforms() -> list[Any]:
    from wildwatch.hub.accounts.models import Platform

    return list(Platform.objects.filter(organisation__kind="member"))


def narrowed(base: Scope, data: dict[str, Any]) -> Scope:
    """The user's visible scope, narrowed by the form's filters (never widened)."""
    scope = base
    org = data.get("organisation")
    if org is not None:
        allowed = base.organisation_ids
        scope = replace(scope, organisation_ids=frozenset({org.pk}) & allowed if allowed is not None
                        else frozenset({org.pk}))
    return replace(scope, platform_type=data.get("platform_type") or "", region=data.get("region") or "")


def counts_in(scope: Scope) -> QuerySet[DailyCount]:
    """The usage counts of the platforms in scope."""
    if scope.is_empty:
        return DailyCount.objects.none()
    found = computations.platforms(scope)
    qs = DailyCount.objects.filter(organisation__kind="member")
    return qs if found is None else qs.filter(platform_id__in=[p.pk for p in found])


def buckets(start: date, end: date, step: str) -> list[date]:
    out, label = [], start.replace(day=1) if step == "month" else start.replace(month=1, day=1)
    while label <= end:
        out.append(label)
        label = (label.replace(day=28) + timedelta(days=4)).replace(day=1) if step == "month" else label.replace(
            year=label.year + 1)
    return out


def trend(dimension: str, start: date, end: date, scope: Scope, step: str = "month",
          limit: int = TOP) -> dict[str, list[tuple[date, float]]]:
    """Flagged listings (blocked or sent to review) over time, one series per term, species group, policy
    category, region or platform type: the ``limit`` largest."""
    truncate = TruncMonth("day") if step == "month" else TruncYear("day")
    flagged = counts_in(scope).filter(day__gte=start, day__lte=end).exclude(verdict="allow")
    by: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    if dimension in ("term", "group"):
        rows = flagged.filter(metric=Metric.TERM_HITS).annotate(bucket=truncate).values("term_id", "bucket").annotate(
            n=Sum("count"))
        terms = {t.term_id: t for t in Term.objects.filter(term_id__in={r["term_id"] for r in rows}).select_related(
            "taxon")}
        for r in rows:
            term = terms.get(r["term_id"])
            if dimension == "term":
                label = term.term if term else r["term_id"]
            else:
                label = (term.taxon.group if term and term.taxon and term.taxon.group else
                         term.group if term and term.group else "") or gettext("Unknown group")
            by[label][_day(r["bucket"])] += r["n"]
    else:
        listings = flagged.filter(metric=Metric.LISTINGS)
        field = {"category": "category", "platform_type": "platform__type", "region": "platform__countries"}[
            dimension]
        rows = listings.annotate(bucket=truncate).values(field, "bucket").annotate(n=Sum("count"))
        names = dict(PlatformType.choices)
        for r in rows:
            keys = r[field] if dimension == "region" else [r[field]]
            for key in keys or [""]:
                label = str(names.get(key, key)) if dimension == "platform_type" else str(key).upper()
                if dimension == "category":
                    label = key or gettext("No category")
                by[label or gettext("Unknown")][_day(r["bucket"])] += r["n"]
    labels = buckets(start, end, step)
    top = sorted(by, key=lambda k: (-sum(by[k].values()), k))[:limit]
    return {k: [(d, by[k].get(d, 0.0)) for d in labels] for k in top}


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _lang() -> str:
    return translation.get_language() or "en"


def tables(data: dict[str, Any], scope: Scope) -> dict[str, Any]:
    """Every table of the dashboard (header and rows of plain values) and the series behind its charts."""
    start, end, step = data["start"], data["end"], data["step"]
    figures = indicators.compute(start, end, scope)
    key = data["indicator"]
    points = indicators.series(key, start, end, scope, step=step)
    lines = trend(data["trend"], start, end, scope, step)
    labels = buckets(start, end, step)
    fmt = "%Y-%m" if step == "month" else "%Y"
    lang = _lang()
    return {
        "figures": {
            "header": [gettext("Indicator"), gettext("Value"), gettext("Source"), gettext("Detail")],
            "rows": [[str(INDICATORS[k].label), f.value, str(f.source), f.detail] for k, f in figures.items()],
            "shown": [[str(INDICATORS[k].label), numbers.figure(f.value, INDICATORS[k].unit, lang),
                       indicators.source_label(f.source), f.detail]
                      for k, f in figures.items()]},
        "indicator": {"header": [gettext("Period"), str(INDICATORS[key].label)],
                      "rows": [[d.strftime(fmt), v] for d, v in points], "series": points,
                      "label": str(INDICATORS[key].label)},
        "members": {"header": member_status.header(), "rows": (members := member_status.rows(end, scope)),
                    "shown": member_status.shown(members)},
        "trend": {"header": [dict(TREND_CHOICES)[data["trend"]], *[d.strftime(fmt) for d in labels], gettext("Total")],
                  "rows": [[name, *[v for _, v in pts], sum(v for _, v in pts)] for name, pts in lines.items()],
                  "series": lines, "label": str(dict(TREND_CHOICES)[data["trend"]])},
    }


def defaults(today: date) -> dict[str, str]:
    """The filters of a dashboard opened without any: the coalition's whole history by year (the last twelve
    months by month when it is younger than two years), every indicator blocked or removed."""
    start = indicators.coalition_start() or (today - timedelta(days=365)).replace(day=1)
    start = min(start, today)
    step = "year" if (today - start).days >= 730 else "month"
    return {"start": start.isoformat(), "end": today.isoformat(), "step": step, "indicator": "blocked_or_removed",
            "trend": "category"}


def _form(request: HttpRequest) -> tuple[DashboardFilter, Scope]:
    base = indicators.visible_scope(request.user)
    data = request.GET.copy()
    for name, default in defaults(timezone.now().date()).items():
        if not data.get(name):
            data[name] = default  # shown selected in the form, not just used
    return DashboardFilter(data, base), base


@roles_required(COALITION | MEMBERS)
def dashboard(request: HttpRequest) -> HttpResponse:
    form, base = _form(request)
    context: dict[str, Any] = {"form": form, "query": request.GET.urlencode(), "own_only": base.organisation_ids
                               is not None}
    if form.is_valid():
        data = form.cleaned_data
        scope = narrowed(base, data)
        found = tables(data, scope)
        none = gettext("No data in this period.")
        context.update(tables=found, period=(data["start"], data["end"]),
                       monthly_attested=data["step"] == "month" and INDICATORS[data["indicator"]].source != "computed",
                       indicator_chart=charts.line_chart({found["indicator"]["label"]: found["indicator"]["series"]},
                                                         found["indicator"]["label"], element_id="indicator-chart",
                                                         empty_text=none),
                       trend_chart=charts.line_chart(found["trend"]["series"],
                                                     gettext("Flagged listings by %(what)s") % {
                                                         "what": found["trend"]["label"].lower()},
                                                     element_id="trend-chart", empty_text=none, legend=True))
    return render(request, "metrics/dashboard.html", context)


def neutralised(value: Any) -> Any:
    """A cell that a spreadsheet will not run as a formula: text starting with = + - @ or a control character
    gets a leading apostrophe (numbers stay numbers)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r", "\n", "|"):
        return "'" + value
    return value


@roles_required(COALITION | MEMBERS)
def dashboard_csv(request: HttpRequest) -> HttpResponse:
    form, base = _form(request)
    table = request.GET.get("table", "figures")
    if table not in TABLES or not form.is_valid():
        return HttpResponse(gettext("Unknown table or invalid filters."), status=400, content_type="text/plain")
    data = form.cleaned_data
    scope = narrowed(base, data)
    found = tables(data, scope)[table]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralised(h) for h in found["header"]])
    for row in found["rows"]:
        writer.writerow([neutralised("" if v is None else v) for v in row])
    audit("metrics.export_csv", actor=request.user, target=table, table=table, start=data["start"].isoformat(),
          end=data["end"].isoformat(), member=data["organisation"].pk if data.get("organisation") else None,
          platform_type=data.get("platform_type") or "", region=data.get("region") or "", rows=len(found["rows"]),
          own_only=base.organisation_ids is not None)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="wildwatch-{table}-{data["start"]}-{data["end"]}.csv"'
    return response
