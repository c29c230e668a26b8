"""What officers see of the coalition's cases: the referred ones (in a platform's queue, decided, or on hold) in
their jurisdiction, by severity, with their evidence; and the same as CSV.

The jurisdiction is the evidence app's one rule (``evidence.services.officer_may_see``): the officer's agency's
country is one of the platform's countries, or the seller's stated location names it (by name in the languages
``phonenumbers`` knows, or by ISO code). An officer whose agency has no country sees no case.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

from django.db.models import Count, F, Q, QuerySet, prefetch_related_objects

from wildwatch.hub.accounts.models import Platform
from wildwatch.hub.evidence.jurisdiction import countries_mentioned
from wildwatch.hub.evidence.services import OFFICER_STATUSES, officer_countries, officer_may_see
from wildwatch.hub.reports.models import Case, CaseStatus

VISIBLE_STATUSES = tuple(status for status in CaseStatus if status in OFFICER_STATUSES)
CSV_COLUMNS = ("case", "status", "severity", "severity_reasons", "url", "host", "platform", "platform_countries",
               "species", "product", "category", "live_animal", "quantity", "seller_handle", "seller_contacts",
               "seller_location", "reports", "referred_at", "decided_at", "decision")
#: spreadsheet programs run a cell that starts with one of these as a formula
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@cache
def country_codes() -> tuple[str, ...]:
    """Every ISO 3166 alpha-2 region ``phonenumbers`` names."""
    from phonenumbers.geodata.locale import LOCALE_DATA

    return tuple(sorted(code for code in LOCALE_DATA if len(code) == 2 and code.isalpha() and code.isupper()))


def country_name(code: str, language: str = "en") -> str:
    """The country's name in ``language`` (English when unknown), or the code."""
    from phonenumbers.geodata.locale import LOCALE_DATA

    names = LOCALE_DATA.get(code.upper())
    if not names:
        return code
    name = names.get(language.split("-")[0]) or names.get("en") or code
    return str(names.get(name[1:], code)) if name.startswith("*") else str(name)


def referred_cases() -> QuerySet[Case]:
    """Every case law enforcement may see the kind of, the most severe first (before the jurisdiction)."""
    return (Case.objects.filter(status__in=VISIBLE_STATUSES).select_related("platform", "taxon")
            .annotate(report_count=Count("reports"))
            .order_by("-severity", F("referred_at").desc(nulls_last=True), "id"))


def visible_cases(user: Any, cases: QuerySet[Case] | None = None) -> list[Case]:
    """The cases (of ``cases``, by default ``referred_cases()``) in the officer's jurisdiction, in their order:
    narrowed in the database (the platforms of the officer's countries, or a stated location), then checked one by
    one with ``officer_may_see``."""
    countries = officer_countries(user)
    if not countries:
        return []
    platforms = [p.pk for p in Platform.objects.only("id", "countries")
                 if countries & {str(c).strip().upper() for c in p.countries or []}]
    narrowed = (referred_cases() if cases is None else cases).filter(
        Q(platform_id__in=platforms) | ~Q(seller_location=""))
    return [case for case in narrowed if officer_may_see(user, case)]


def case_in_country(case: Case, code: str) -> bool:
    """Whether the case's platform serves the country or its seller says they are there."""
    code = code.strip().upper()
    platform_countries = {str(c).strip().upper() for c in case.platform.countries} if case.platform else set()
    return code in platform_countries or code in countries_mentioned(case.seller_location or "")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _decision(case: Case) -> str:
    for decision in case.decisions.all():
        if decision.reopened_at is None:
            return str(decision.action)
    return ""


def csv_rows(cases: Iterable[Case]) -> Iterator[list[str]]:
    for case in cases:
        yield [_cell(v) for v in (
            case.pk, case.status, case.severity, "; ".join(map(str, case.severity_reasons or [])), case.url,
            case.host, case.platform.name if case.platform else "",
            " ".join(case.platform.countries) if case.platform else "",
            case.taxon.scientific_name if case.taxon else case.species_text, case.product, case.category,
            "yes" if case.live_animal else "no", case.quantity_text, case.seller_handle,
            "; ".join(map(str, case.seller_contacts or [])), case.seller_location,
            getattr(case, "report_count", ""), case.referred_at.isoformat() if case.referred_at else "",
            case.decided_at.isoformat() if case.decided_at else "", _decision(case))]


def csv_text(cases: list[Case]) -> tuple[str, int]:
    """The cases as CSV (UTF-8 with a byte-order mark, for spreadsheet programs), a header line first; and how many
    cases it holds."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    rows = 0
    prefetch_related_objects(cases, "decisions")
    for row in csv_rows(cases):
        writer.writerow(row)
        rows += 1
    return "\ufeff" + out.getvalue(), rows
