"""The progress report for a period, in French or English: its figures (gathered once, as plain JSON-ready values
and texts in the report's language), its HTML and its PDF (WeasyPrint).

``build`` gathers everything the report says; ``render_html`` and ``render_pdf`` only lay it out, so that a
published report (``publication``) can store what it said and never recompute it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from wildwatch.hub.accounts.models import Organisation
from wildwatch.hub.usage.models import DailyCount, Metric

from . import charts, indicators, numbers
from .indicators import INDICATORS, Scope

#: the figures a report leads with, in this order
HEADLINE = ("listings_removed", "posts_removed", "accounts_removed", "blocked_at_posting", "search_popups",
            "staff_trained", "volunteer_reports", "public_reports")
HIGHLIGHTS = 5


def _figures(figures: dict[str, indicators.Figure], lang: str) -> dict[str, dict[str, Any]]:
    return {k: {"value": f.value, "text": numbers.figure(f.value, INDICATORS[k].unit, lang), "source": f.source}
            for k, f in figures.items()}


def _highlights(start: date, end: date) -> list[dict[str, Any]]:
    """The member companies whose checks flagged the most listings in the period, and what they checked."""
    rows = DailyCount.objects.filter(day__gte=start, day__lte=end, metric=Metric.LISTINGS,
                                     organisation__kind="member").values("organisation__name", "verdict").annotate(
        n=Sum("count"))
    by: dict[str, dict[str, float]] = {}
    for r in rows:
        entry = by.setdefault(r["organisation__name"], {"checked": 0.0, "blocked": 0.0})
        entry["checked"] += r["n"]
        if r["verdict"] == "block":
            entry["blocked"] += r["n"]
    best = sorted(by.items(), key=lambda kv: (-kv[1]["blocked"], -kv[1]["checked"], kv[0]))[:HIGHLIGHTS]
    return [{"name": name, "checked": v["checked"], "blocked": v["blocked"]} for name, v in best]


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
        highlights = [{**h, "checked_text": numbers.headline(h["checked"], lang),
                       "blocked_text": numbers.headline(h["blocked"], lang)} for h in _highlights(start, end)]
        labels = {src: [str(i.label) for i in INDICATORS.values() if i.source == src]
                  for src in ("computed", "attested", "both")}
        return {
            "language": lang, "start": start.isoformat(), "end": end.isoformat(),
            "since": since.isoformat() if since else None,
            "rows": rows,
            "members": {"count": members[-1][1] if members else 0,
                        "count_text": numbers.headline(members[-1][1] if members else 0, lang),
                        "joined": [o.name for o in joined],
                        "series": [(d.isoformat(), n) for d, n in members]},
            "highlights": highlights,
            "methodology": labels,
            "series": {k: [(d.isoformat(), v) for d, v in indicators.series(k, _chart_start(start, end), end,
                                                                             step="month")]
                       for k in ("blocked_at_posting", "listings_removed")},
        }


def _chart_start(start: date, end: date) -> date:
    """Charts show at least a year, so that the period is seen against the months before it."""
    return min(start, (end - timedelta(days=365)).replace(day=1))


def _charts(data: dict[str, Any]) -> list[dict[str, str]]:
    out = []
    members = [(date.fromisoformat(d), float(n)) for d, n in data["members"]["series"]]
    if members:
        title = gettext("Member companies")
        out.append({"title": title, "uri": charts.data_uri(charts.line_chart({title: members}, title)),
                    "alt": gettext("Member companies over time: %(n)s today.") % {"n": data["members"]["count_text"]}})
    for key, points in data["series"].items():
        title = str(INDICATORS[key].label)
        series = [(date.fromisoformat(d), float(v)) for d, v in points]
        described = "; ".join(f"{d[:7]}: {numbers.headline(v, data['language'])}" for d, v in points)
        out.append({"title": title, "uri": charts.data_uri(charts.line_chart({title: series}, title)),
                    "alt": f"{title}, {gettext('by month')}: {described}"})
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
