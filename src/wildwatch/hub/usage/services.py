"""Usage counts: the API's checks, added up in process and written in bulk; embedded engines' daily totals.

The API never writes a row per check. :func:`count_checks` and :func:`count_search` add to a per-process buffer,
and :func:`flush` writes the whole buffer in one transaction with one ``INSERT ... ON CONFLICT DO UPDATE`` per
counter (the same statement on SQLite and PostgreSQL), adding to what is stored. The buffer is flushed at most
every ``WILDWATCH_USAGE_FLUSH_SECONDS`` (default 5) by the request that finds it due, and when the process exits.
A flush that fails puts its counts back in the buffer: nothing is lost or counted twice.
"""

from __future__ import annotations

import atexit
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from wildwatch.detect.categories import CATEGORIES, VERDICTS, strictest
from wildwatch.detect.engine import Decision
from wildwatch.hub.accounts.models import Platform
from wildwatch.hub.accounts.services import audit

from .models import DailyCount, Metric, Source, UsageReport

log = logging.getLogger(__name__)

#: (organisation id, platform id, day, source, metric, verdict, category, term id)
CountKey = tuple[int, int, date, str, str, str, str, str]
DEFAULT_FLUSH_SECONDS = 5.0
MAX_BUFFERED = 50_000  # distinct counters: a flush is forced beyond this


class UsageError(ValueError):
    """Usage counts that cannot be accepted (the message says why)."""


class _Buffer:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter[CountKey] = Counter()
        self.last_flush = time.monotonic()
        self.timer: threading.Timer | None = None


_buffer = _Buffer()


def _flush_seconds() -> float:
    return float(getattr(settings, "WILDWATCH_USAGE_FLUSH_SECONDS", DEFAULT_FLUSH_SECONDS))


def _today() -> date:
    return timezone.now().date()


def count_checks(platform: Platform, decisions: Iterable[Decision]) -> None:
    """Count checked listings by verdict and category, and the subject terms they hit (once per listing)."""
    day = _today()
    org, plat = platform.organisation_id, platform.pk
    tally: Counter[CountKey] = Counter()
    for d in decisions:
        tally[(org, plat, day, Source.API, Metric.LISTINGS, d.verdict, strictest(h.category for h in d.hits), "")] += 1
        for term_id, category in {(h.term_id, h.category) for h in d.hits if h.category and h.term_id}:
            tally[(org, plat, day, Source.API, Metric.TERM_HITS, d.verdict, category, term_id)] += 1
    _add(tally)


def count_search(platform: Platform, intercepted: bool, campaign: str | None = None) -> None:
    """Count a checked search, its pop-up, and when the pop-up showed a campaign's message, the campaign's reach."""
    day = _today()
    org, plat = platform.organisation_id, platform.pk
    tally: Counter[CountKey] = Counter({(org, plat, day, Source.API, Metric.SEARCHES, "", "", ""): 1})
    if intercepted:
        tally[(org, plat, day, Source.API, Metric.POPUPS, "", "", "")] += 1
        if campaign:
            tally[(org, plat, day, Source.API, Metric.CAMPAIGN_POPUPS, "", "", campaign)] += 1
    _add(tally)


def campaign_reach(slug: str, start: date, end: date) -> dict[int, int]:
    """Organisation id -> the campaign's pop-ups shown on its platforms from ``start`` to ``end`` (stored counts:
    call :func:`flush` first for this process's latest)."""
    rows = (DailyCount.objects.filter(metric=Metric.CAMPAIGN_POPUPS, term_id=slug, day__gte=start, day__lte=end)
            .values("organisation_id").annotate(n=Sum("count")))
    return {r["organisation_id"]: int(r["n"]) for r in rows if r["n"]}


def _add(tally: Counter[CountKey]) -> None:
    with _buffer.lock:
        _buffer.counts.update(tally)
        due = (time.monotonic() - _buffer.last_flush >= _flush_seconds()
               or len(_buffer.counts) >= MAX_BUFFERED)
        if not due and _buffer.timer is None:  # an idle process still writes its counts within the period
            _buffer.timer = threading.Timer(_flush_seconds(), _timed_flush)
            _buffer.timer.daemon = True
            _buffer.timer.start()
    if due:
        flush()


def _timed_flush() -> None:
    with _buffer.lock:
        _buffer.timer = None
    try:
        flush()
    except Exception:  # kept in the buffer for the next flush
        log.exception("wildwatch: usage counts could not be written; they stay buffered")
    finally:
        connection.close()  # this thread's own connection


def discard() -> None:
    """Drop this process's buffered counts and its pending timed flush (for tests)."""
    with _buffer.lock:
        _buffer.counts.clear()
        _buffer.last_flush = time.monotonic()
        if _buffer.timer is not None:
            _buffer.timer.cancel()
            _buffer.timer = None


def pending() -> int:
    """Counters waiting in this process's buffer."""
    with _buffer.lock:
        return len(_buffer.counts)


def flush() -> int:
    """Write this process's buffered counts (adding to the stored ones); returns the number of counters written."""
    with _buffer.lock:
        counts, _buffer.counts = _buffer.counts, Counter()
        _buffer.last_flush = time.monotonic()
    if not counts:
        return 0
    try:
        _upsert(counts)
    except Exception:
        with _buffer.lock:  # keep them for the next flush
            _buffer.counts.update(counts)
        raise
    return len(counts)


def _upsert(counts: Mapping[CountKey, int]) -> None:
    q = connection.ops.quote_name
    table = q(DailyCount._meta.db_table)
    columns = ["organisation_id", "platform_id", "day", "source", "metric", "verdict", "category", "term_id"]
    unique = ", ".join(q(c) for c in columns[1:])
    sql = (f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}, {q('count')}) "  # noqa: S608 (quoted identifiers from the model, values as parameters)
           f"VALUES ({', '.join(['%s'] * (len(columns) + 1))}) "
           f"ON CONFLICT ({unique}) DO UPDATE SET {q('count')} = {table}.{q('count')} + excluded.{q('count')}")
    rows = [(*key, n) for key, n in counts.items() if n]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _flush_at_exit() -> None:
    try:
        flush()
    except Exception:  # the process is ending: say what was lost rather than raise
        log.exception("wildwatch: usage counts could not be written at exit (%d counters lost)", pending())


atexit.register(_flush_at_exit)


# --- counts sent by embedded engines ------------------------------------------------------------------------------


def _parse_day(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"{text!r} is not a day (YYYY-MM-DD)") from exc
    today = _today()
    if day > today or (today - day).days > 400:
        raise UsageError(f"day {text} is in the future or over 400 days old")
    return day


def _count(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 10**12:
        raise UsageError(f"{where} must be a whole number between 0 and 10^12")
    return value


#: what one day of a usage report may hold
DAY_FIELDS = {"listings", "searches", "search_popups", "term_hits", "campaign_popups"}
#: term ids and campaign slugs: what the counters' ``term_id`` holds
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,199}")


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise UsageError(f"{where} must be an object")
    return value


def _verdict_category(verdict: str, category: str, where: str) -> None:
    if verdict not in VERDICTS:
        raise UsageError(f"{where}: unknown verdict {verdict!r}")
    if category not in (*CATEGORIES, "none"):
        raise UsageError(f"{where}.{verdict}: unknown category {category!r}")


def _name(value: str, where: str) -> str:
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise UsageError(f"{where}: {str(value)[:40]!r} is not a term id or campaign slug")
    return value


def parse_days(days: Mapping[str, Any]) -> Counter[tuple[date, str, str, str, str]]:
    """The counts of a ``LocalDetector.usage()`` report as (day, metric, verdict, category, term id or campaign)
    -> count; raises :class:`UsageError` naming the first bad field."""
    out: Counter[tuple[date, str, str, str, str]] = Counter()
    for text, counts in days.items():
        day = _parse_day(text)
        counts = _mapping(counts, f"days.{text}")
        unknown = set(counts) - DAY_FIELDS
        if unknown:
            raise UsageError(f"days.{text}: unknown field {sorted(unknown)[0]!r}")
        for verdict, by_category in _mapping(counts.get("listings", {}), f"days.{text}.listings").items():
            where = f"days.{text}.listings"
            for category, n in _mapping(by_category, f"{where}.{verdict}").items():
                _verdict_category(verdict, category, where)
                out[(day, Metric.LISTINGS, verdict, category, "")] += _count(n, f"{where}.{verdict}.{category}")
        for verdict, by_category in _mapping(counts.get("term_hits", {}), f"days.{text}.term_hits").items():
            where = f"days.{text}.term_hits"
            for category, by_term in _mapping(by_category, f"{where}.{verdict}").items():
                _verdict_category(verdict, category, where)
                for term, n in _mapping(by_term, f"{where}.{verdict}.{category}").items():
                    key = (day, Metric.TERM_HITS, verdict, category, _name(term, f"{where}.{verdict}.{category}"))
                    out[key] += _count(n, f"{where}.{verdict}.{category}.{term}")
        searches = _count(counts.get("searches", 0), f"days.{text}.searches")
        popups = _count(counts.get("search_popups", 0), f"days.{text}.search_popups")
        if popups > searches:
            raise UsageError(f"days.{text}: more search pop-ups ({popups}) than searches ({searches})")
        out[(day, Metric.SEARCHES, "", "", "")] += searches
        out[(day, Metric.POPUPS, "", "", "")] += popups
        shown = 0
        for slug, n in _mapping(counts.get("campaign_popups", {}), f"days.{text}.campaign_popups").items():
            number = _count(n, f"days.{text}.campaign_popups.{slug}")
            out[(day, Metric.CAMPAIGN_POPUPS, "", "", _name(slug, f"days.{text}.campaign_popups"))] += number
            shown += number
        if shown > popups:
            raise UsageError(f"days.{text}: more campaign pop-ups ({shown}) than search pop-ups ({popups})")
    return out


@transaction.atomic
def record_report(platform: Platform, days: Mapping[str, Any], library_version: str = "",
                  api_key: Any = None) -> dict[str, Any]:
    """Add an embedded engine's daily counts to the platform's (atomic: all of a report or none of it)."""
    parsed = parse_days(days)
    org = platform.organisation_id
    counts: Counter[CountKey] = Counter({(org, platform.pk, day, Source.LOCAL, metric, verdict, category, name): n
                                         for (day, metric, verdict, category, name), n in parsed.items() if n})
    if counts:
        _upsert(counts)
    UsageReport.objects.create(platform=platform, library_version=library_version[:64], days=dict(days))
    audit("usage.report", organisation=platform.organisation, api_key=api_key, target=platform.slug,
          days=sorted(days), counters=len(counts), library_version=library_version[:64])
    return {"accepted": True, "days": len(days), "counters": len(counts)}
