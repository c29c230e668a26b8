"""Demo campaigns for ``wildwatch hub demo``: one running now (elephants) and the next World Pangolin Day; and the
past campaigns of the demo's history (``load_past_campaigns``, called by the metrics demo)."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone, translation
from django.utils.text import slugify

from . import dates, services
from .models import Campaign


def load_demo_campaigns() -> int:
    """Create the demo campaigns that are missing; returns how many were made."""
    today = timezone.now().date()
    pangolin_day = dates.world_pangolin_day(today.year)
    if pangolin_day < today:
        pangolin_day = dates.world_pangolin_day(today.year + 1)
    wanted = [
        ("demo-elephants-now", "Ivory kills elephants (demo)", today - timedelta(days=2), today + timedelta(days=5),
         ["elephants"], {"en": {"title": "Ivory kills elephants",
                                "body": "Every ivory trinket costs an elephant its life. Buying or selling it is a crime "
                                        "in most countries."},
                         "fr": {"title": "L'ivoire tue les éléphants",
                                "body": "Chaque bibelot en ivoire coûte la vie à un éléphant. L'acheter ou le vendre est "
                                        "un délit dans la plupart des pays."}}),
        (f"world-pangolin-day-{pangolin_day.year}", f"World Pangolin Day {pangolin_day.year}",
         pangolin_day - timedelta(days=3), pangolin_day + timedelta(days=3), ["pangolins"],
         {"en": {"title": "World Pangolin Day", "body": "Pangolins are the most trafficked mammals in the world."},
          "fr": {"title": "Journée mondiale du pangolin",
                 "body": "Le pangolin est le mammifère le plus braconné au monde."}}),
    ]
    made = 0
    for slug, name, start, end, groups, messages in wanted:
        if Campaign.objects.filter(slug=slug).exists():
            continue
        Campaign.objects.create(slug=slug, name=name, start=start, end=end, groups=groups, messages=messages,
                                learn_more_url="https://cites.org/eng/disc/species.php")
        made += 1
    services.forget()
    return made


#: the wildlife days of the demo's past campaigns: (key of ``dates.WILDLIFE_DAYS``, species groups, (French title,
#: English message, French message))
PAST = [
    ("pangolin", ["pangolins"], ("Journée mondiale du pangolin",
                                 "Pangolins are the most trafficked mammals in the world.",
                                 "Le pangolin est le mammifère le plus braconné au monde.")),
    ("tiger", ["big_cats"], ("Journée mondiale du tigre",
                             "Fewer than 5,000 tigers live in the wild. Their parts are not medicine.",
                             "Il reste moins de 5 000 tigres à l'état sauvage. Leurs os ne soignent rien.")),
    ("elephant", ["elephants"], ("Journée mondiale de l'éléphant", "Every ivory trinket costs an elephant its life.",
                                 "Chaque bibelot en ivoire coûte la vie à un éléphant.")),
]


def load_past_campaigns(start: date, end: date) -> list[Campaign]:
    """The campaigns the coalition ran on World Pangolin Day, Global Tiger Day and World Elephant Day from ``start``
    to ``end`` (the demo's history; each one a week around its day), making those missing. By start."""
    found = []
    for year in range(start.year, end.year + 1):
        for key, groups, (title_fr, en, fr) in PAST:
            wildlife_day = dates.WILDLIFE_DAYS[key]
            day = wildlife_day.on(year)
            if day - timedelta(days=3) < start or day + timedelta(days=3) > end:
                continue
            with translation.override("en"):
                name = str(wildlife_day.name)
            campaign, _ = Campaign.objects.get_or_create(
                slug=f"{slugify(name)}-{year}", defaults={
                    "name": f"{name} {year}", "start": day - timedelta(days=3), "end": day + timedelta(days=3),
                    "groups": groups, "learn_more_url": "https://cites.org/eng/disc/species.php",
                    "messages": {"en": {"title": name, "body": en}, "fr": {"title": title_fr, "body": fr}}})
            found.append(campaign)
    services.forget()
    return sorted(found, key=lambda c: (c.start, c.slug))
