"""Demo progress data: the coalition's history from its launch (March 2018) to September 2024, rich enough for the
dashboard, the members page and the progress report to look real.

``load_demo_metrics`` (after ``wildwatch hub demo``) gives the demo companies and platforms their join dates, adds
member companies ``demo-member-NN`` (21 companies at the launch, 40 and 50+ platforms by 2024), and for each member
company and year an attestation of its figures, entered and submitted by the company's member admin and accepted by
the demo ``analyst`` (the real workflow), with training sessions matching the staff it attests as trained.
``demo_history`` adds what the hub itself recorded over those years (usage counters, cyber-spotter and public reports
with their cases and decisions, the model policy's adoptions) and completes the attestations with the figures that
follow from it (search pop-ups, at least the hub's count; redirects; groups removed; library use where attested).

The attested totals from 2018-03-01 to 2024-09-30 follow the coalition's published report: 24.1 million listings,
posts and accounts removed or blocked at posting, 3,050 staff trained, a user base of about 11 billion accounts.
Figures are yearly (no row per listing) and deterministic (a seeded random generator). Idempotent: once loaded, a
second call does nothing and returns 0.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import Organisation, Platform
from wildwatch.hub.accounts.roles import Role

from . import attestations, demo_history
from .demo_history import allocate as _allocate
from .models import Attestation

SEED = 20180301
LAUNCH = date(2018, 3, 1)
#: the last day of the demo history (the report's "September 2024")
UNTIL = date(2024, 9, 30)
YEARS = range(2018, 2025)
#: marks the demo attestations (and so whether the demo metrics are loaded)
NOTE = "Demo figures (wildwatch hub demo)."

#: attested flows over the whole history, and which platform types a company needs to attest each one
TOTALS: dict[str, tuple[int, tuple[str, ...]]] = {
    "listings_removed": (9_400_000, ("ecommerce",)),
    "blocked_at_posting": (11_600_000, ("ecommerce",)),
    "posts_removed": (1_400_000, ("social", "messaging")),
    "accounts_removed": (1_700_000, ()),
    "staff_trained": (3_050, ()),
}
#: the coalition's attested user base in 2024 (a stock: each company's latest level)
USER_ACCOUNTS = 11_000_000_000
#: the user base of each year, as a share of 2024's
USER_GROWTH = {2018: 0.52, 2019: 0.6, 2020: 0.71, 2021: 0.8, 2022: 0.88, 2023: 0.95, 2024: 1.0}
#: how busy a year was (per full year of membership)
ACTIVITY = {2018: 1.0, 2019: 1.25, 2020: 1.55, 2021: 1.5, 2022: 1.4, 2023: 1.3, 2024: 1.25}

#: the demo command's member companies and platforms: join dates
EXISTING_ORGANISATIONS = {"demo-market": LAUNCH, "demo-social": LAUNCH, "demo-classifieds": LAUNCH,
                          "demo-asia": LAUNCH}
EXISTING_PLATFORMS = {"demo-market-shop": LAUNCH, "demo-social-network": LAUNCH, "demo-social-chat": date(2020, 5, 12),
                      "demo-classifieds-ads": LAUNCH, "demo-asia-mall": LAUNCH, "demo-asia-search": date(2021, 2, 1)}
#: the companies of the demo command that are large (weights of the random sizes)
LARGE = {"demo-market": 9.0, "demo-social": 7.0, "demo-asia": 6.0, "demo-classifieds": 2.0}

NAMES = [
    "Astra Bazaar", "Baobab Trading", "Cobalt Auctions", "Dunes Marketplace", "Ember Social", "Fjord Classifieds",
    "Gecko Shop", "Harbour Listings", "Indigo Mall", "Jade Exchange", "Kestrel Chat", "Lotus Commerce",
    "Mango Deals", "Nimbus Search", "Orca Marketplace", "Pampas Ads", "Quokka Social", "Rattan Store",
    "Savanna Market", "Tundra Trade", "Umber Auctions", "Vireo Messenger", "Wadi Souk", "Xylem Shop",
    "Yarrow Classifieds", "Zephyr Social", "Atlas Finds", "Bamboo Bazaar", "Cedar Listings", "Delta Deals",
    "Egret Market", "Fennec Chat", "Granite Search", "Heron Exchange", "Ibis Commerce", "Juniper Ads",
]
COUNTRIES = ["US", "GB", "FR", "DE", "ES", "IT", "NL", "CN", "JP", "KR", "SG", "MY", "TH", "VN", "ID", "PH", "IN",
             "BR", "MX", "KE", "ZA", "NG", "AU", "CA", "AE"]
#: companies 01–17 join at the launch (21 with the demo command's four); the others later, in this order
LATER_JOINS = [date(2018, 6, 14), date(2018, 11, 5), date(2019, 2, 20), date(2019, 5, 9), date(2019, 9, 24),
               date(2019, 12, 2), date(2020, 3, 3), date(2020, 7, 15), date(2020, 11, 30), date(2021, 3, 3),
               date(2021, 6, 21), date(2021, 10, 12), date(2022, 3, 3), date(2022, 6, 7), date(2022, 11, 16),
               date(2023, 3, 3), date(2023, 9, 19), date(2024, 3, 4), date(2024, 6, 11)]
EXTRA = 17 + len(LATER_JOINS)  # 36: 40 member companies in all
PLATFORM_SUFFIX = {"ecommerce": "shop", "social": "social", "messaging": "chat", "search": "search"}
TOPICS = ["Identifying illegal wildlife products", "Coded language in listings", "Species groups at risk",
          "Escalating to law enforcement"]
TRAINERS = ["demo-ngo", "demo-ngo-2", "demo-ngo-3"]


@dataclass
class _Company:
    org: Organisation
    joined_on: date
    size: float
    types: set[str] = field(default_factory=set)


def load_demo_metrics() -> int:
    """Load the demo progress data (see the module); returns the number of records created, 0 when loaded."""
    if Attestation.objects.filter(note=NOTE).exists():
        return 0
    user_model = get_user_model()
    analyst = user_model.objects.filter(username="analyst").first()
    trainers = {o.slug: o for o in Organisation.objects.filter(slug__in=TRAINERS)}
    if analyst is None or len(trainers) != len(TRAINERS):
        raise RuntimeError("load the demo organisations and accounts first (wildwatch hub demo)")
    rng = random.Random(SEED)  # noqa: S311 (demo data, not a secret)
    with transaction.atomic():
        companies, made = _companies(rng)
        cells = [(c, year) for c in companies for year in YEARS if _period(c, year) is not None]
        figures: dict[tuple[str, int], dict[str, int]] = {(c.org.slug, year): {} for c, year in cells}
        noise = {(c.org.slug, year): rng.uniform(0.8, 1.2) for c, year in cells}
        for key, (total, types) in TOTALS.items():
            eligible = [(c, y) for c, y in cells if not types or c.types & set(types)]
            weights = [_weight(c, y, noise[(c.org.slug, y)]) for c, y in eligible]
            for (c, y), value in zip(eligible, _allocate(total, weights), strict=True):
                if value:
                    figures[(c.org.slug, y)][key] = value
        levels = _allocate(USER_ACCOUNTS, [c.size * rng.uniform(0.7, 1.3) for c in companies])
        for c, level in zip(companies, levels, strict=True):
            for year in YEARS:
                if (c.org.slug, year) in figures:
                    figures[(c.org.slug, year)]["user_accounts"] = int(round(level * USER_GROWTH[year], -3))
        history = demo_history.History(companies, figures)  # its own random generator: the figures stay as they were
        history.add_figures()
        for c, year in cells:
            made += _attest(c, year, figures[(c.org.slug, year)], analyst, trainers, rng)
        made += history.save(analyst, {c.org.pk: _member_admin(c.org) for c in companies})
    return made


def _companies(rng: random.Random) -> tuple[list[_Company], int]:
    """The member companies with their join dates (the demo command's and the ``demo-member-NN``), creating those
    missing; and how many organisations and platforms it created."""
    made = 0
    companies: list[_Company] = []
    for slug, joined in EXISTING_ORGANISATIONS.items():
        org = Organisation.objects.filter(slug=slug, kind="member").first()
        if org is None:
            continue
        _join(org, joined)
        companies.append(_Company(org, org.joined_on or joined, LARGE.get(slug, 1.0)))
    for platform in Platform.objects.filter(slug__in=EXISTING_PLATFORMS):
        _join(platform, EXISTING_PLATFORMS[platform.slug])
    for n in range(1, EXTRA + 1):
        slug = f"demo-member-{n:02d}"
        joined = LAUNCH if n <= 17 else LATER_JOINS[n - 18]
        existed = Organisation.objects.filter(slug=slug).exists()
        country = rng.choice(COUNTRIES)
        org = accounts.create_organisation(slug, f"{NAMES[n - 1]} (demo)", "member", country=country)
        made += 0 if existed else 1
        _join(org, joined)
        size = rng.lognormvariate(0.0, 0.9)
        types = ["ecommerce", "ecommerce", "social", "messaging", "search"]
        first = "ecommerce" if n % 3 else rng.choice(types)
        kinds = [first] + ([rng.choice([t for t in types if t != first])] if n % 5 in (0, 2, 4) else [])
        for index, ptype in enumerate(kinds):
            pslug = f"{slug}-{PLATFORM_SUFFIX[ptype]}"
            countries = sorted({country, *rng.sample(COUNTRIES, rng.randint(1, 4))})
            existed = Platform.objects.filter(slug=pslug).exists()
            platform = accounts.add_platform(org, pslug, NAMES[n - 1].split()[0] + (" " + ptype.title() if index
                                                                                   else ""),
                                             ptype, countries, domains=[f"{pslug}.example"])
            made += 0 if existed else 1
            later = joined + timedelta(days=rng.randint(120, 900)) if index else joined
            _join(platform, min(later, date(2024, 6, 30)))
        companies.append(_Company(org, org.joined_on or joined, size))
    for c in companies:
        c.types = set(Platform.objects.filter(organisation=c.org).values_list("type", flat=True))
    return companies, made


def _join(obj: Organisation | Platform, joined: date) -> None:
    """Set the join date unless one is recorded already."""
    if obj.joined_on is None:
        obj.joined_on = joined
        obj.save(update_fields=["joined_on"])


def _period(c: _Company, year: int) -> tuple[date, date] | None:
    """The company's attested period in ``year``: from its join date, up to the end of the history."""
    start, end = max(date(year, 1, 1), c.joined_on), min(date(year, 12, 31), UNTIL)
    return (start, end) if start <= end else None


def _weight(c: _Company, year: int, noise: float) -> float:
    period = _period(c, year)
    assert period is not None
    days = (period[1] - period[0]).days + 1
    return c.size * ACTIVITY[year] * days / 365 * noise


def _member_admin(org: Organisation) -> Any:
    """The company's member admin: its first one, or a new account (no usable password) for the demo."""
    user_model = get_user_model()
    existing = user_model.objects.filter(memberships__organisation=org, memberships__role=Role.MEMBER_ADMIN).order_by(
        "pk").first()
    if existing is not None:
        return existing
    return accounts.add_member(org, f"{org.slug}-admin", Role.MEMBER_ADMIN,
                               email=f"{org.slug}-admin@demo.wildwatch.invalid")


def _attest(c: _Company, year: int, figures: dict[str, int], analyst: Any, trainers: dict[str, Organisation],
            rng: random.Random) -> int:
    """The company's accepted attestation for ``year`` and its training sessions; the number of records made."""
    from wildwatch.hub.plans import services as plans

    period = _period(c, year)
    assert period is not None
    admin = _member_admin(c.org)
    draft = attestations.create(c.org, period[0], period[1], figures, note=NOTE, actor=admin)
    attestations.review(attestations.submit(draft, actor=admin), accept=True, actor=analyst)
    made = 1
    staff = figures.get("staff_trained", 0)
    sessions = 1 if staff < 40 else 2
    span = (period[1] - period[0]).days
    for n, share in enumerate(_allocate(staff, [1.0] * sessions)):
        if share:
            day = period[0] + timedelta(days=rng.randint(0, span))
            plans.record_session(c.org, date=day, topic=TOPICS[(year + n) % len(TOPICS)],
                                 trainer=trainers[TRAINERS[(year + n) % len(TRAINERS)]], staff_trained=share,
                                 notes=NOTE, actor=analyst)
            made += 1
    return made
