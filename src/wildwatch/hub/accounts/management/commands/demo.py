"""``wildwatch hub demo``: loads the starter library and the demo data set. Safe to run again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from wildwatch.hub.accounts import services
from wildwatch.hub.accounts.roles import TWO_FACTOR_REQUIRED, Role

DEMO_PASSWORD = "wildwatch-demo-2026"  # noqa: S105 (the demo accounts' documented password; `make run` prints it)

#: (slug, name, kind, country)
ORGANISATIONS = [
    ("demo-ngo", "Wild Futures Coalition (demo NGO)", "ngo", "GB"),
    ("demo-ngo-2", "Pangolin Watch Asia (demo NGO)", "ngo", "VN"),
    ("demo-ngo-3", "Ivory Free Africa (demo NGO)", "ngo", "KE"),
    ("demo-market", "Demo Market Inc.", "member", "US"),
    ("demo-social", "Demo Social Ltd.", "member", "IE"),
    ("demo-classifieds", "Demo Classifieds SA", "member", "FR"),
    ("demo-asia", "Demo Asia Commerce", "member", "SG"),
    ("demo-police", "Demo Wildlife Crime Unit", "agency", "GB"),
    ("demo-volunteers", "Cyber Spotters (demo)", "volunteers", "GB"),
]
#: (organisation, slug, name, type, countries, web hosts) — hosts under .example, which never resolve
PLATFORMS = [
    ("demo-market", "demo-market-shop", "DemoMarket", "ecommerce", ["US", "GB", "DE"], ["demomarket.example"]),
    ("demo-social", "demo-social-network", "DemoSocial", "social", ["IE", "FR", "VN", "ID"], ["demosocial.example"]),
    ("demo-social", "demo-social-chat", "DemoChat", "messaging", ["VN", "TH"], ["chat.demosocial.example"]),
    ("demo-classifieds", "demo-classifieds-ads", "DemoAnnonces", "ecommerce", ["FR", "BE"],
     ["demoannonces.example"]),
    ("demo-asia", "demo-asia-mall", "DemoMall", "ecommerce", ["SG", "MY", "TH"], ["demomall.example"]),
    ("demo-asia", "demo-asia-search", "DemoSearch", "search", ["SG", "ID"], ["demosearch.example"]),
]
#: (username, organisation, role)
USERS = [
    ("analyst", "demo-ngo", Role.ANALYST),
    ("analyst2", "demo-ngo-2", Role.ANALYST),
    ("coalition-admin", "demo-ngo", Role.COALITION_ADMIN),
    ("reviewer", "demo-market", Role.REVIEWER),
    ("member-admin", "demo-market", Role.MEMBER_ADMIN),
    ("engineer", "demo-market", Role.ENGINEER),
    ("social-reviewer", "demo-social", Role.REVIEWER),
    ("officer", "demo-police", Role.OFFICER),
    ("volunteer", "demo-volunteers", Role.VOLUNTEER),
    ("volunteer2", "demo-volunteers", Role.VOLUNTEER),
]


class Command(BaseCommand):
    help = "Load the starter library and the demo organisations, platforms and accounts (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-library", action="store_true", help="skip the starter library")

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            orgs = {slug: services.create_organisation(slug, name, kind, country=country)
                    for slug, name, kind, country in ORGANISATIONS}
            for org, slug, name, ptype, countries, domains in PLATFORMS:
                services.add_platform(orgs[org], slug, name, ptype, countries, domains=domains)
            for username, org, role in USERS:
                services.add_member(orgs[org], username, role, password=DEMO_PASSWORD,
                                    email=f"{username}@demo.wildwatch.invalid")
        if not options["no_library"]:
            from wildwatch.hub.campaigns.demo import load_demo_campaigns

            load_demo_campaigns()  # before the first release, which ships them
            self._library()
            from wildwatch.hub.reports.demo import load_demo_cases

            made = load_demo_cases()
            if made:
                self.stdout.write(f"Demo cases: {made}")
            from wildwatch.hub.plans.demo import load_demo_plans

            load_demo_plans()
            from wildwatch.hub.metrics.demo import load_demo_metrics

            if load_demo_metrics():
                self.stdout.write("Demo metrics: 40 member companies since March 2018, attested figures 2018-2024")
            from wildwatch.hub.signals.demo import load_demo_signals

            shared = load_demo_signals()
            if shared:
                self.stdout.write(f"Demo shared signals: {shared} (the demo members share signals)")
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for username, org, role in USERS:
            second = "  (sets up two-factor authentication at first sign-in)" if role in TWO_FACTOR_REQUIRED else ""
            self.stdout.write(f"  {username:<16} {role:<16} {org}{second}")
        self.stdout.write("Two-factor codes: any authenticator app, or `python tools/totp.py KEY` with the key the "
                          "set-up page shows")

    def _library(self) -> None:
        try:
            from wildwatch.hub.library import services as library_services
        except ImportError:  # pragma: no cover - the library services are optional while being built
            return
        import_starter = getattr(library_services, "import_starter", None)
        if import_starter is None:  # pragma: no cover
            return
        counts = import_starter()
        self.stdout.write("Starter library: " + ", ".join(
            f"{table} {sum(c.values())}" for table, c in counts.items()))
        from wildwatch.hub.library.tasks import ensure_schedules

        ensure_schedules()
        from wildwatch.hub.library.models import Release

        if not Release.objects.exists():
            release = library_services.publish_release(actor=None, changelog="Starter library")
            self.stdout.write(f"Published release {release.number} ({release.content_digest})")
