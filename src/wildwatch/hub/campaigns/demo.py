"""Demo campaigns for ``wildwatch hub demo``: one running now (elephants) and the next World Pangolin Day."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

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
