"""The progress report for a period, in French or English: its figures (gathered once, as plain JSON-ready values
and texts in the report's language), its HTML and its PDF (WeasyPrint).

``build`` gathers everything the report says; ``render_html`` and ``render_pdf`` only lay it out, so that a
published report (``publication``) can store what it said and never recompute it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from wildwatch.hub.accounts.models import Organisation, Platform

from . import charts, indicators, numbers
from .indicators import INDICATORS, Scope

#: the figures a report leads with, in this order
HEADLINE = ("blocked_or_removed", "listings_removed", "posts_removed", "accounts_removed", "blocked_at_posting",
            "volunteer_reports", "public_reports", "staff_trained", "search_popups", "keywords_shared")
HIGHLIGHTS = 5
#: the stacked parts of the "blocked or removed" chart
REMOVED_PARTS = ("blocked_at_posting", "listings_removed", "posts_removed", "accounts_removed", "groups_removed")


def _figures(figures: dict[str, indicators.Figure], lang: str) -> dict[str, dict[str, Any]]:
    return {k: {"value": f.value, "text": numbers.figure(f.value, INDICATORS[k].unit, lang), "source": f.source,
                "source_text": indicators.source_label(f.source)} for k, f in figures.items()}


def _member_platforms(end: date) -> int:
    """Member platforms by ``end`` (a platform without a join date counts from its company's)."""
    return Platform.objects.filter(organisation__kind="member").filter(
        Q(joined_on__lte=end) | Q(joined_on__isnull=True, organisation__joined_on__lte=end)).count()


def _highlights(start: date, end: date, lang: str) -> list[dict[str, Any]]:
    """The member companies with the most listings, posts and accounts blocked or removed in the period."""
    found = []
    for org in Organisation.objects.filter(kind="member", joined_on__lte=end):
        scope = Scope(organisation_ids=frozenset({org.pk}))
        value = indicators.compute_one("blocked_or_removed", start, end, scope) or 0.0
        if value:
            found.append((value, org.name))
    found.sort(key=lambda vn: (-vn[0], vn[1]))
    return [{"name": name, "value": value, "text": numbers.headline(value, lang)}
            for value, name in found[:HIGHLIGHTS]]


def _step(start: date, end: date) -> Literal["month", "year"]:
    """Charts go by year over two years or more (yearly attested figures show), by month otherwise."""
    return "year" if (end - start).days >= 730 else "month"


def build(start: date, end: date, lang: str, *, since: date | None = None) -> dict[str, Any]:
    """Everything the report for ``[start, end]`` says, in ``lang``. ``since`` is the first day after the last
    published report (None: no report yet, so "since our last report" is the whole coalition's history)."""
    with translation.override(lang):
        period = indicators.compute(start, end, Scope())
        first = min(indicators.coalition_start() or start, start)  # "in all": from the coalition's start
        cumulative = indicators.compute(first, end, Scope())
        since_last = indicators.compute(since, end, Scope()) if since and since <= end else cumulative
        p, c, s = _figures(period, lang), _figures(cumulative, lang), _figures(since_last, lang)
        keys = [k for k in HEADLINE if k in INDICATORS] + [k for k in INDICATORS if k not in HEADLINE and
                                                            INDICATORS[k].unit in ("count", "hours", "share")]
        rows = [{"key": k, "label": str(INDICATORS[k].label), "source": INDICATORS[k].source,
                 "period": p[k], "since_last": s[k], "cumulative": c[k], "headline": k in HEADLINE} for k in keys]
        joined = Organisation.objects.filter(kind="member", joined_on__gte=start, joined_on__lte=end).order_by(
            "joined_on", "name")
        members = indicators.membership(end)
        count = members[-1][1] if members else 0
        launch = members[0][1] if members else 0
        platforms = _member_platforms(end)
        labels = {src: [str(i.label) for i in INDICATORS.values() if i.source == src and not i.parts]
                  for src in ("computed", "attested", "both")}
        step = _step(start, end)
        chart_start = _chart_start(start, end)
        return {
            "language": lang, "start": start.isoformat(), "end": end.isoformat(),
            "since": since.isoformat() if since else None,
            "rows": rows, "period": p, "cumulative": c, "since_last": s,
            "members": {"count": count, "count_text": numbers.headline(count, lang),
                        "launch": launch, "launch_text": numbers.headline(launch, lang),
                        "launched_on": members[0][0].isoformat() if members else None,
                        "platforms": platforms, "platforms_text": numbers.headline(platforms, lang),
                        "joined": [o.name for o in joined],
                        "series": [(d.isoformat(), n) for d, n in members]},
            "highlights": _highlights(start, end, lang),
            "methodology": labels,
            "step": step,
            "series": {k: [(d.isoformat(), v) for d, v in indicators.series(k, chart_start, end, step=step)]
                       for k in (*REMOVED_PARTS, "volunteer_reports", "public_reports", "staff_trained")},
        }


def _chart_start(start: date, end: date) -> date:
    """Charts show at least a year, so that the period is seen against the months before it."""
    return min(start, (end - timedelta(days=365)).replace(day=1))


def _bucket(day: str, step: str) -> str:
    return day[:4] if step == "year" else day[:7]


def _charts(data: dict[str, Any]) -> list[dict[str, str]]:
    lang, step, series = data["language"], data.get("step", "month"), data["series"]
    out = []
    if all(k in series for k in REMOVED_PARTS):
        labels = [_bucket(d, step) for d, _ in series[REMOVED_PARTS[0]]]
        stacks = {str(INDICATORS[k].label): [v for _, v in series[k]] for k in REMOVED_PARTS}
        title = str(INDICATORS["blocked_or_removed"].label)
        totals = [sum(column) for column in zip(*stacks.values(), strict=True)]
        described = "; ".join(f"{label}: {numbers.headline(v, lang)}" for label, v in zip(labels, totals, strict=True))
        out.append({"title": title, "alt": f"{title}: {described}", "uri": charts.data_uri(charts.column_chart(
            labels, stacks, title, yformat=lambda v: numbers.headline(v, lang)))})
    members = [(date.fromisoformat(d), float(n)) for d, n in data["members"]["series"]]
    if members:
        title = gettext("Member companies")
        out.append({"title": title, "uri": charts.data_uri(charts.line_chart({title: members}, title)),
                    "alt": gettext("Member companies over time: %(n)s today.") % {"n": data["members"]["count_text"]}})
    reports = {str(INDICATORS[k].label): [(date.fromisoformat(d), float(v)) for d, v in series[k]]
               for k in ("volunteer_reports", "public_reports") if k in series}
    if reports:
        title = gettext("Reports sent to the coalition")
        described = "; ".join(f"{name}: {numbers.headline(sum(v for _, v in points), lang)}"
                              for name, points in reports.items())
        out.append({"title": title, "uri": charts.data_uri(charts.line_chart(reports, title)),
                    "alt": f"{title}, {gettext('in all')}: {described}"})
    if "staff_trained" in series:
        title = str(INDICATORS["staff_trained"].label)
        points = series["staff_trained"]
        labels = [_bucket(d, step) for d, _ in points]
        described = "; ".join(f"{label}: {numbers.headline(v, lang)}" for label, (_, v) in zip(labels, points,
                                                                                                 strict=True))
        out.append({"title": title, "alt": f"{title}: {described}", "uri": charts.data_uri(charts.column_chart(
            labels, {title: [v for _, v in points]}, title))})
    return out


def render_html(data: dict[str, Any], *, published: Any = None, site: str = "") -> str:
    """The report as a standalone HTML document (the PDF is made from the same); ``site`` (``https://host``)
    makes the link to the report form absolute, for the PDF."""
    with translation.override(data["language"]):
        return render_to_string("metrics/report_document.html", {
            "r": data, "charts": _charts(data), "published": published,
            "start": date.fromisoformat(data["start"]), "end": date.fromisoformat(data["end"]),
            "since": date.fromisoformat(data["since"]) if data["since"] else None,
            "report_url": site.rstrip("/") + reverse("reports:new")})


def render_pdf(html: str, base_url: str = "") -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf = HTML(string=html, base_url=base_url or None).write_pdf()
    assert pdf is not None
    return bytes(pdf)
