"""The wildlife days that coalition campaigns are run on, and their date in a given year."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The ``n``-th (1-based) ``weekday`` (Monday is 0) of a month: ``nth_weekday(2027, 2, calendar.SATURDAY, 3)``
    is the third Saturday of February 2027."""
    first = date(year, month, 1)
    day = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    if day.month != month:
        raise ValueError(f"there is no weekday {weekday} number {n} in {year}-{month:02}")
    return day


def world_wildlife_day(year: int) -> date:
    return date(year, 3, 3)


def world_pangolin_day(year: int) -> date:
    """The third Saturday of February."""
    return nth_weekday(year, 2, calendar.SATURDAY, 3)


def world_sea_turtle_day(year: int) -> date:
    return date(year, 6, 16)


def global_tiger_day(year: int) -> date:
    return date(year, 7, 29)


def world_elephant_day(year: int) -> date:
    return date(year, 8, 12)


@dataclass(frozen=True)
class WildlifeDay:
    key: str
    name: str | Promise
    on: Callable[[int], date]
    #: the species groups the day is about (the library's group names), to prefill a campaign
    groups: tuple[str, ...] = ()

    def next(self, today: date) -> date:
        """The day's next date, today included."""
        this_year = self.on(today.year)
        return this_year if this_year >= today else self.on(today.year + 1)


WILDLIFE_DAYS: dict[str, WildlifeDay] = {d.key: d for d in (
    WildlifeDay("pangolin", _("World Pangolin Day"), world_pangolin_day, ("pangolins",)),
    WildlifeDay("wildlife", _("World Wildlife Day"), world_wildlife_day),
    WildlifeDay("sea-turtle", _("World Sea Turtle Day"), world_sea_turtle_day, ("marine_turtles",)),
    WildlifeDay("tiger", _("Global Tiger Day"), global_tiger_day, ("big_cats",)),
    WildlifeDay("elephant", _("World Elephant Day"), world_elephant_day, ("elephants",)),
)}


def upcoming_days(today: date) -> list[tuple[WildlifeDay, date]]:
    """Each wildlife day with its next date, soonest first."""
    return sorted(((d, d.next(today)) for d in WILDLIFE_DAYS.values()), key=lambda pair: pair[1])
