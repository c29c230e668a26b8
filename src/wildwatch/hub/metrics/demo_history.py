"""The demo's computed history (March 2018 – September 2024): the usage counters here; the cyber-spotter and public
reports with their cases and decisions, and the model policy's adoptions, in ``demo_reports``. ``metrics.demo``
plans it before the yearly attestations (which it completes: search pop-ups, redirects, groups removed, library use)
and saves it after them, inside its idempotency guard: a second ``wildwatch hub demo`` adds nothing.

**Usage counters** (``DailyCount``) are monthly: one row per counter per platform per month, dated the **15th**
(the campaign pop-ups are dated on the campaign's wildlife day), from each member platform's join date. They mirror
the rows real checks leave: ``listings`` by verdict and strictest category (``"none"`` without a hit, as
``usage.services.count_checks`` and the embedded engines' reports), ``term_hits`` by verdict, category and term
(real term ids of the loaded starter library), ``searches``, ``search_popups`` and ``campaign_popups``
(``term_id`` is the slug of a past campaign: ``campaigns.demo.load_past_campaigns``). Source ``api``, or ``local``
once a platform runs the embedded engine (whose usage reports hold the same counters). The trade moves: pangolin
scales rise in 2019 and early 2020 then fall, ivory's share declines while its cover-ups grow, live parrots and
reptiles rise from 2021, code words appear from mid-2020. The listings a company blocked at posting in a year are
50–85% of the figure it attests (its own count includes the hub's); the pop-ups the hub counted for it stay below
the pop-ups it attests.

Bulk history bypasses the services and writes no audit entries: ``insert_rows`` writes each table in batches with
one prepared ``INSERT`` (rather than ``bulk_create``, three times slower here), keeping the history's own dates
(``created_at`` and the other ``auto_now_add``/``auto_now`` fields included). Deterministic (seeded).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from itertools import pairwise
from typing import Any, Protocol

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max

from wildwatch.hub.accounts.models import Organisation, Platform

from . import indicators

SEED = 20240930
START, UNTIL = date(2018, 3, 1), date(2024, 9, 30)
BATCH = 5000
ASIA = frozenset({"CN", "JP", "KR", "SG", "MY", "TH", "VN", "ID", "PH", "IN"})
#: where listings in a language are seen (English and emoji: everywhere)
LANG_COUNTRIES = {"vi": {"VN"}, "id": {"ID", "MY"}, "zh": {"CN", "SG", "MY", "TH", "VN"}}
#: more listings before holidays
SEASON = {1: 1.05, 2: 1.1, 3: 0.95, 4: 0.92, 5: 0.95, 6: 0.97, 7: 0.93, 8: 0.9, 9: 0.98, 10: 1.02, 11: 1.18,
          12: 1.25}
#: listings flagged a month per unit of platform size where a platform only sends them to review (times ``ACTIVITY``)
REVIEW_RATE = 2_000.0
#: searches checked a month per unit of platform size, by platform type (times ``ACTIVITY``)
SEARCHES = {"search": 9_000_000.0, "ecommerce": 2_500_000.0, "social": 1_200_000.0}
#: (verdict, share) of a line's flagged listings, by (category, whether the platform blocks at posting)
SPLIT = {("prohibited", True): (("block", 0.6), ("review", 0.3), ("allow", 0.1)),
         ("prohibited", False): (("review", 0.85), ("allow", 0.15)),
         **{(category, blocking): (("review", review), ("allow", round(1 - review, 2)))
            for category, review in (("restricted", 0.75), ("cover", 0.65)) for blocking in (True, False)}}


@dataclass(frozen=True)
class Line:
    """A kind of trade: its policy category, its trend (level at (year, month) anchors, straight lines between),
    how much more of it Asian / other platforms see, and its library terms (id, weight)."""

    key: str
    category: str
    anchors: tuple[tuple[int, int, float], ...]
    asia: float
    elsewhere: float
    terms: tuple[tuple[str, float], ...]

    def level(self, day: date) -> float:
        month = day.year * 12 + day.month
        points = [(y * 12 + m, v) for y, m, v in self.anchors]
        if month <= points[0][0]:
            return points[0][1]
        for (m0, v0), (m1, v1) in pairwise(points):
            if month <= m1:
                return v0 + (v1 - v0) * (month - m0) / (m1 - m0)
        return points[-1][1]


LINES = (
    Line("ivory", "prohibited", ((2018, 3, 1.0), (2019, 6, 0.75), (2021, 1, 0.55), (2024, 9, 0.35)), 1.3, 1.0,
         (("t-product-ivory-carving-en", 3), ("t-product-ivory-bangle-en", 2), ("t-product-nga-voi-vi", 2),
          ("t-product-gading-gajah-id", 1))),
    Line("ivory_antique", "prohibited", ((2018, 3, 0.3), (2021, 1, 0.4), (2024, 9, 0.5)), 0.8, 1.5,
         (("t-cover-antique-ivory-en", 2), ("t-cover-pre-ban-ivory-en", 1))),
    Line("ivory_substitutes", "cover", ((2018, 3, 0.25), (2024, 9, 0.45)), 1.0, 1.3,
         (("t-cover-mammoth-ivory-en", 2), ("t-cover-bovine-bone-en", 1))),
    Line("rhino", "prohibited", ((2018, 3, 0.35), (2019, 6, 0.42), (2024, 9, 0.26)), 1.6, 0.7,
         (("t-product-rhino-horn-en", 3), ("t-product-rhino-horn-powder-en", 1), ("t-cover-rhino-horn-cup-en", 1),
          ("t-product-sung-te-giac-vi", 2))),
    Line("pangolin", "prohibited", ((2018, 3, 0.2), (2019, 3, 0.4), (2020, 2, 1.0), (2020, 9, 0.7), (2021, 6, 0.35),
                                    (2024, 9, 0.2)), 2.2, 0.5,
         (("t-product-pangolin-scales-en", 3), ("t-product-vay-te-te-vi", 3), ("t-product-sisik-trenggiling-id", 1),
          ("t-product-pangolin-meat-en", 1))),
    Line("tiger", "prohibited", ((2018, 3, 0.3), (2024, 9, 0.25)), 1.5, 0.8,
         (("t-product-tiger-claw-en", 2), ("t-product-tiger-bone-wine-en", 1), ("t-product-rang-ho-vi", 1))),
    Line("turtle", "prohibited", ((2018, 3, 0.2), (2024, 9, 0.18)), 1.3, 0.9,
         (("t-product-hawksbill-turtle-shell-en", 1), ("t-product-doi-moi-vi", 2), ("t-product-sisik-penyu-id", 1))),
    Line("bear", "prohibited", ((2018, 3, 0.12), (2024, 9, 0.1)), 2.0, 0.4, (("t-product-bear-bile-en", 1),)),
    Line("shark_fin", "prohibited", ((2018, 3, 0.12), (2024, 9, 0.12)), 1.5, 0.8, (("t-product-shark-fin-en", 1),)),
    Line("exotic_skins", "restricted", ((2018, 3, 0.2), (2024, 9, 0.22)), 1.0, 1.0,
         (("t-product-crocodile-leather-en", 2), ("t-product-python-skin-en", 2))),
    Line("live_parrots", "restricted", ((2018, 3, 0.08), (2020, 12, 0.09), (2022, 6, 0.3), (2024, 9, 0.5)), 0.8, 1.5,
         (("t-product-parrot-eggs-en", 2), ("t-product-african-grey-eggs-en", 1), ("t-product-macaw-eggs-en", 1),
          ("t-emoji-parrot-und", 1))),
    Line("live_reptiles", "restricted", ((2018, 3, 0.06), (2020, 12, 0.07), (2022, 6, 0.25), (2024, 9, 0.42)), 1.0,
         1.4, (("t-product-baby-crocodile-en", 2), ("t-product-baby-alligator-en", 1))),
    Line("live_primates", "prohibited", ((2018, 3, 0.04), (2020, 12, 0.05), (2022, 6, 0.12), (2024, 9, 0.2)), 1.5,
         0.8, (("t-emoji-monkey-und", 2), ("t-emoji-orangutan-und", 1))),
    Line("code_words", "prohibited", ((2020, 6, 0.0), (2021, 6, 0.15), (2023, 1, 0.35), (2024, 9, 0.45)), 1.2, 1.0,
         (("t-cover-white-plastic-en", 2), ("t-cover-u63ee935b-zh", 2), ("t-cover-ud8903afa-zh", 1),
          ("t-emoji-elephant-und", 1))),
    Line("code_slang", "cover", ((2021, 3, 0.0), (2022, 3, 0.1), (2024, 9, 0.25)), 1.2, 1.0,
         (("t-cover-yellow-material-en", 1), ("t-cover-u6b70a13b-zh", 1))),
)


class Company(Protocol):
    """What the history needs of a member company (``demo._Company``)."""

    org: Organisation
    joined_on: date
    size: float


def allocate(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` shared in proportion to ``weights`` in whole numbers that add up to it (largest remainder)."""
    whole = sum(weights)
    if not weights or whole <= 0:
        return [0] * len(weights)
    exact = [total * w / whole for w in weights]
    out = [int(x) for x in exact]
    for i in sorted(range(len(exact)), key=lambda i: out[i] - exact[i])[:total - sum(out)]:
        out[i] += 1
    return out


def months(start: date, end: date) -> list[date]:
    """The 15th of every month whose 15th lies in ``[start, end]``."""
    out, day = [], date(start.year, start.month, 15)
    while day <= end:
        if day >= start:
            out.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 15)
    return out


def at(day: date, hours: float) -> datetime:
    """``day`` 00:00 UTC plus ``hours``."""
    return datetime.combine(day, time.min, tzinfo=UTC) + timedelta(hours=hours)


def insert_rows(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> int:
    """Write ``rows`` (field attname -> value; the fields' defaults for the rest) in batches with one prepared
    ``INSERT`` (``executemany``): ``bulk_create`` spends some 5 µs a value compiling its SQL, 15 s for the history.
    Rows with an ``id`` keep it (and the table's id sequence is moved past them); dates are stored as given."""
    if not rows:
        return 0
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and "id" not in rows[0])]
    plan = []
    for f in fields:
        if isinstance(f, models.DateTimeField):
            convert: Any = connection.ops.adapt_datetimefield_value
        elif isinstance(f, models.DateField):
            convert = connection.ops.adapt_datefield_value
        elif isinstance(f, models.JSONField | models.FileField):
            convert = partial(f.get_db_prep_save, connection=connection)
        else:
            convert = None
        default = f.get_default()
        plan.append((f.attname, convert, convert(default) if convert and default is not None else default))
    q = connection.ops.quote_name
    sql = (f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "  # noqa: S608 (quoted identifiers from the model, values as parameters)
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    with connection.cursor() as cursor:
        for i in range(0, len(rows), BATCH):
            cursor.executemany(sql, [tuple(
                (convert(row[name]) if convert and row[name] is not None else row[name]) if name in row else default
                for name, convert, default in plan) for row in rows[i:i + BATCH]])
        if "id" in rows[0]:
            for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
                cursor.execute(statement)
    return len(rows)


def next_id(model: type[models.Model]) -> int:
    """The first id after the table's largest."""
    return int(model._default_manager.aggregate(n=Max("pk"))["n"] or 0) + 1


@dataclass
class _Platform:
    obj: Platform
    company: Company
    size: float
    asia: bool
    local_from: date | None
    terms: dict[str, list[tuple[str, str, float]]] = field(default_factory=dict)  # line -> (term id, category, w)


class History:
    """The planned history (in memory) until ``save``."""

    def __init__(self, companies: Sequence[Company], figures: dict[tuple[str, int], dict[str, int]]) -> None:
        from wildwatch.hub.library.models import Term

        self.rng = random.Random(SEED)  # noqa: S311 (demo data, not a secret)
        self.companies, self.figures = list(companies), figures
        self.rows: list[dict[str, Any]] = []  # DailyCount rows
        self.popups: dict[tuple[str, int], int] = defaultdict(int)
        self.monthly_popups: dict[tuple[int, date], tuple[str, int]] = {}  # (platform id, 15th): (source, pop-ups)
        by_org = {c.org.pk: c for c in self.companies}
        wanted = [t for line in LINES for t, _ in line.terms]
        terms = {t.term_id: t for t in Term.objects.filter(status=Term.Status.ACTIVE, term_id__in=wanted)
                 .select_related("taxon")}
        self.platforms: list[_Platform] = []
        for n, p in enumerate(Platform.objects.filter(organisation__in=list(by_org), joined_on__isnull=False)
                              .order_by("organisation_id", "joined_on", "pk")):
            c = by_org[p.organisation_id]
            first = not any(q.company is c for q in self.platforms)
            local = p.slug == "demo-asia-mall" or (p.type != "search" and n % 5 == 3)
            switch = date(2022, 1, 1) if p.slug == "demo-asia-mall" else date(2019 + n % 4, 1 + n % 12, 1)
            plat = _Platform(p, c, c.size * (1.0 if first else self.rng.uniform(0.25, 0.6)),
                             bool(ASIA & {x.upper() for x in p.countries or []}), switch if local else None)
            countries = {x.upper() for x in p.countries or []}
            for line in LINES:
                usable = [(t, w) for t, w in line.terms if t in terms and self._lang_ok(t, countries)]
                chosen = [u for i, u in enumerate(usable) if i == 0 or self.rng.random() < 0.4]
                plat.terms[line.key] = [(t, _category(terms[t], line), w) for t, w in chosen]
            self.platforms.append(plat)
        self._plan_usage()
        from .demo_reports import CasePlan

        self.cases = CasePlan(self.platforms, self.rng)

    @staticmethod
    def _lang_ok(term_id: str, countries: set[str]) -> bool:
        lang = term_id.rsplit("-", 1)[-1]
        return lang not in LANG_COUNTRIES or bool(LANG_COUNTRIES[lang] & countries)

    # --- usage ------------------------------------------------------------------------------------------------

    def _plan_usage(self) -> None:
        for c in self.companies:
            plats = [p for p in self.platforms if p.company is c]
            for year in range(START.year, UNTIL.year + 1):
                cell = self.figures.get((c.org.slug, year))
                if cell is None:
                    continue
                active = [(p, d) for p in plats for d in months(date(year, 1, 1), min(date(year, 12, 31), UNTIL))
                          if p.obj.joined_on is not None and p.obj.joined_on <= d]
                target = round(cell.get("blocked_at_posting", 0) * self.rng.uniform(0.5, 0.85))
                block: dict[tuple[int, date], int] = {}
                if target:
                    cells = ([(p, d) for p, d in active if p.obj.type == "ecommerce"]
                             or [(p, d) for p, d in active if p.obj.type == "social"]
                             or [(p, d) for p, d in active if p.obj.type != "search"])
                    shares = allocate(target, [p.size * SEASON[d.month] * self.rng.uniform(0.85, 1.15)
                                               for p, d in cells])
                    block = {(p.obj.pk, d): n for (p, d), n in zip(cells, shares, strict=True)}
                for p, d in active:
                    self._platform_month(p, d, block.get((p.obj.pk, d)), year)

    def _platform_month(self, p: _Platform, day: date, blocked: int | None, year: int) -> None:
        from wildwatch.hub.usage.models import Metric, Source

        source = Source.LOCAL if p.local_from is not None and day >= p.local_from else Source.API
        rng, ptype = self.rng, p.obj.type

        def row(metric: str, count: int, verdict: str = "", category: str = "", term_id: str = "") -> None:
            if count > 0:
                self.rows.append({"organisation_id": p.obj.organisation_id, "platform_id": p.obj.pk, "day": day,
                                  "source": source, "metric": metric, "verdict": verdict, "category": category,
                                  "term_id": term_id, "count": count})

        if ptype in ("ecommerce", "social") or blocked:
            weights = [line.level(day) * (line.asia if p.asia else line.elsewhere) for line in LINES]
            whole = sum(weights)
            shares = [w / whole for w in weights]
            blocking = blocked is not None
            prohibited = sum(s for s, line in zip(shares, LINES, strict=True) if line.category == "prohibited")
            activity = _activity(year)
            flagged = (blocked / (0.6 * prohibited) if blocking and blocked else
                       p.size * REVIEW_RATE * activity * SEASON[day.month] * rng.uniform(0.85, 1.15))
            line_blocks = allocate(blocked or 0, [s if line.category == "prohibited" else 0.0
                                                  for s, line in zip(shares, LINES, strict=True)])
            listings: dict[tuple[str, str], int] = defaultdict(int)
            for line, share, line_block in zip(LINES, shares, line_blocks, strict=True):
                for verdict, part in SPLIT[(line.category, blocking)]:
                    n = line_block if verdict == "block" else round(flagged * share * part * rng.uniform(0.9, 1.1))
                    listings[(verdict, line.category)] += n
                    terms = p.terms.get(line.key) or []
                    if not n or not terms or (verdict, line.category) == ("allow", "prohibited"):
                        continue
                    hits = round(n * rng.uniform(1.0, 1.25))
                    for (term_id, category, _), k in zip(terms, allocate(hits, [w for *_, w in terms]), strict=True):
                        row(Metric.TERM_HITS, k, verdict, category, term_id)
            for (verdict, category), n in sorted(listings.items()):
                row(Metric.LISTINGS, n, verdict, category)
            row(Metric.LISTINGS, round(flagged * rng.uniform(250, 450)), "allow", "none")
        if ptype in SEARCHES:
            searches = round(p.size * SEARCHES[ptype] * _activity(year) * SEASON[day.month]
                             * rng.uniform(0.85, 1.15))
            rate = 0.0006 + 0.0001 * (day.year - START.year) + rng.uniform(-0.00005, 0.00005)
            popups = round(searches * rate)
            row(Metric.SEARCHES, searches)
            row(Metric.POPUPS, popups)
            self.popups[(p.company.org.slug, year)] += popups
            self.monthly_popups[(p.obj.pk, day)] = (source, popups)

    def _campaign_rows(self) -> None:
        """Campaign pop-ups of the past wildlife-day campaigns: a share of the month's pop-ups, on the day."""
        from wildwatch.hub.campaigns.demo import load_past_campaigns
        from wildwatch.hub.usage.models import Metric

        for campaign in load_past_campaigns(START, UNTIL):
            day = campaign.start + timedelta(days=(campaign.end - campaign.start).days // 2)
            for p in self.platforms:
                source, popups = self.monthly_popups.get((p.obj.pk, date(day.year, day.month, 15)), ("", 0))
                count = round(popups * self.rng.uniform(0.04, 0.12))
                if count:
                    self.rows.append({"organisation_id": p.obj.organisation_id, "platform_id": p.obj.pk, "day": day,
                                      "source": source, "metric": Metric.CAMPAIGN_POPUPS, "verdict": "",
                                      "category": "", "term_id": campaign.slug, "count": count})

    # --- attested figures that follow the history --------------------------------------------------------------

    def add_figures(self) -> None:
        """Complete each company's yearly figures: search pop-ups (at least the hub's count), redirects, groups
        removed (social and messaging companies) and, when attested, the keyword library's use."""
        keys = set(indicators.ATTESTED_KEYS)
        groups = self.cases.groups_removed()
        integrated = {c.org.slug for c in self.companies if self.rng.random() < 0.85}
        for (slug, year), cell in sorted(self.figures.items()):
            company = next(c for c in self.companies if c.org.slug == slug)
            popups = self.popups.get((slug, year), 0)
            if popups and "search_popups" in keys:
                cell["search_popups"] = -(-popups * 100 // round(self.rng.uniform(72, 92)))
                if "redirects" in keys:
                    cell["redirects"] = round(cell["search_popups"] * self.rng.uniform(0.03, 0.08))
            posts = cell.get("posts_removed", 0)
            if (posts or groups.get((slug, year))) and "groups_removed" in keys:
                cell["groups_removed"] = (groups.get((slug, year), 0) * self.rng.randint(3, 6)
                                          + round(posts * self.rng.uniform(0.001, 0.004)))
            if "library_integrated" in keys and slug in integrated and year > company.joined_on.year:
                cell["library_integrated"] = 1  # most companies, from the year after they join

    # --- writing ----------------------------------------------------------------------------------------------

    def save(self, analyst: Any, admins: dict[int, Any]) -> int:
        """Write the history (``admins``: organisation id -> its member admin); the number of rows made."""
        from wildwatch.hub.usage.models import DailyCount

        from .demo_reports import load_policy_history

        self._campaign_rows()
        return (insert_rows(DailyCount, self.rows) + self.cases.save(analyst, admins)
                + load_policy_history(self.platforms, self.rng, analyst, admins))


def _category(term: Any, line: Line) -> str:
    """The policy category a hit of the term is counted under: the term's, else its taxon's, else the line's."""
    taxon = term.taxon
    return str(term.category or (taxon.category if taxon is not None else "") or line.category)


def _activity(year: int) -> float:
    """How busy the year was (the attestations' ``ACTIVITY``)."""
    from .demo import ACTIVITY

    return ACTIVITY.get(year, 1.0)
