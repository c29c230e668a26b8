"""The demo's reports history (March 2018 – September 2024), planned and saved by ``demo_history.History``: about
38,000 cyber-spotter reports (from the demo accounts ``spotter-01`` to ``spotter-40`` of ``demo-volunteers``) and
9,000 public reports, growing over the years, each on the case of its listing on a member platform (a few cases
have two or three reports, spelled differently; a handful are about sites that are not members).

Cases go the way the services take them: most are accepted by an analyst and referred to the member a few hours
to two days after the report (due after the member's SLA), claimed and decided by the member (a removal fitting
the platform, or "no violation" for about a quarter), most within the SLA; some are rejected at triage. Written in
bulk (``demo_history.insert_rows``: no audit entries, no mail to reporters), with their own dates.

And the model policy's history (``load_policy_history``): version 1 published on 1 March 2018, version 2 in 2021,
adopted by most platforms some months after they join (recorded by their member admin, confirmed by the demo
``analyst``) through the services, which audit them today; the history's dates are then set on the rows.
"""

from __future__ import annotations

import random
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import accumulate
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model

from wildwatch.detect.urls import canonical_url
from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import Membership, Organisation
from wildwatch.hub.accounts.roles import Role
from wildwatch.hub.library.models import Taxon
from wildwatch.hub.reports import severity
from wildwatch.hub.reports.models import Action, Case, CaseStatus, Decision, MemberSettings, Report, ReportKind

from . import policy
from .demo_history import LINES, START, UNTIL, allocate, at, insert_rows, months, next_id
from .models import ModelPolicy, PolicyAdoption

if TYPE_CHECKING:
    from .demo_history import _Platform

VOLUNTEER_REPORTS, PUBLIC_REPORTS = 38_000, 9_000
SPOTTERS = 40
#: reports per month, relative, by year (the programme grows)
GROWTH = {2018: 0.45, 2019: 0.7, 2020: 1.0, 2021: 1.15, 2022: 1.3, 2023: 1.4, 2024: 1.5}
#: (rejected at triage, no violation once decided) by the first report's kind
OUTCOMES = {ReportKind.VOLUNTEER: (0.05, 0.26), ReportKind.PUBLIC: (0.15, 0.36)}
#: removals by platform type (action, weight)
REMOVALS = {"ecommerce": ((Action.REMOVED_LISTING, 0.88), (Action.REMOVED_ACCOUNT, 0.12)),
            "social": ((Action.REMOVED_POST, 0.72), (Action.REMOVED_ACCOUNT, 0.2), (Action.REMOVED_GROUP, 0.08)),
            "messaging": ((Action.REMOVED_GROUP, 0.45), (Action.REMOVED_ACCOUNT, 0.4), (Action.REMOVED_POST, 0.15))}
PATHS = {"ecommerce": "item", "social": "p", "messaging": "g"}
TYPE_WEIGHT = {"ecommerce": 1.0, "social": 0.9, "messaging": 0.35}
DUPLICATES, NON_MEMBER = 0.025, 0.0005
OTHER_HOSTS = ["curio-bazaar.example", "exotic-pets-forum.example", "old-treasures-auction.example"]
REJECTIONS = ["Replica (resin): not a wildlife product.", "The listing was already gone.",
              "Not enough to find the listing.", "Duplicate of a report made on the platform."]
COMMENTS = {Action.REMOVED_LISTING: "Listing removed; seller warned.", Action.REMOVED_ACCOUNT:
            "Seller's account closed (repeat offender).", Action.REMOVED_POST: "Post removed.",
            Action.REMOVED_GROUP: "Group closed: it existed to trade wildlife.",
            Action.NO_VIOLATION: "Reviewed: no violation of our policy (replica or legal, documented)."}
SELLERS = ["curio", "antique_hub", "exotic", "rare_finds", "wild_treasure", "asia_art", "petshop", "collector"]
#: per trade line: (species as reported, scientific name for the library's taxon, product, text, quantities)
ITEMS: dict[str, list[tuple[str, str, str, str, list[str]]]] = {
    "ivory": [("elephant ivory", "Loxodonta africana", "ivory", "Carved ivory bangle, real tusk, {q}",
               ["2 pcs", "1 piece"]),
              ("ngà voi", "Elephas maximus", "ivory", "Vòng tay ngà voi thật, {q}", ["5 cái", "2 cái"]),
              ("ivory", "Elephantidae", "ivory", "Raw ivory tusk piece, {q}, serious buyers only", ["3 kg", "12 kg"])],
    "ivory_antique": [("antique ivory", "Loxodonta africana", "ivory", "Antique ivory figurine, pre-ban, {q}",
                       ["1 piece", "2 pcs"])],
    "ivory_substitutes": [("mammoth ivory", "Mammuthus primigenius", "ivory",
                           "Mammoth ivory carving, fossil, certificate, {q}", ["1 piece"])],
    "rhino": [("rhino horn", "Ceratotherium simum", "horn", "Rhino horn powder, {q}, fast delivery", ["200 g", "1 kg"]),
              ("sừng tê giác", "Rhinocerotidae", "horn", "Sừng tê giác châu Phi nguyên chiếc, {q}", ["1 kg"]),
              ("rhino horn cup", "Diceros bicornis", "horn", "Rhino horn libation cup, Qing style, {q}", ["1 piece"])],
    "pangolin": [("pangolin scales", "Manis javanica", "scales", "Pangolin scales {q} available, shipping to VN",
                  ["5 kg", "20 kg", "500 g"]),
                 ("vảy tê tê", "Manidae", "scales", "Vảy tê tê rang, {q}", ["1 kg", "3 kg"]),
                 ("pangolin", "Manis javanica", "meat_eggs", "Fresh pangolin meat, order ahead, {q}", ["2 kg"])],
    "tiger": [("tiger", "Panthera tigris", "bone_teeth_claws", "Tiger claw pendant, genuine, {q}", ["3 pieces"]),
              ("tiger bone wine", "Panthera tigris", "medicine_tonic", "Tiger bone wine, aged, {q}", ["2 bottles"]),
              ("răng hổ", "Panthera tigris", "bone_teeth_claws", "Răng hổ thật bọc bạc, {q}", ["1 cái"])],
    "turtle": [("hawksbill turtle", "Eretmochelys imbricata", "shell", "Hawksbill shell comb, vintage, {q}",
                ["1 piece"]),
               ("đồi mồi", "Eretmochelys imbricata", "shell", "Lược đồi mồi thật, {q}", ["2 cái"])],
    "bear": [("bear bile", "Ursus thibetanus", "medicine_tonic", "Bear bile capsules, pure, {q}", ["100 pcs"])],
    "shark_fin": [("shark fin", "Sphyrna lewini", "meat_eggs", "Dried shark fin, premium grade, {q}", ["5 kg"])],
    "exotic_skins": [("crocodile", "Crocodylus niloticus", "skin_fur", "Crocodile leather bag, no papers, {q}",
                      ["1 piece"]),
                     ("python", "Python regius", "skin_fur", "Python skin, full hide, {q}", ["3 skins"])],
    "live_parrots": [("African grey parrot", "Psittacus erithacus", "live_animal", "African grey chicks, hand fed, {q}",
                      ["2 birds", "4 birds"]),
                     ("macaw", "Ara ararauna", "live_animal", "Blue-and-gold macaw, tame, {q}", ["1 pair"]),
                     ("cockatoo", "Cacatua", "live_animal", "Cockatoo babies, wild caught, {q}", ["3 birds"])],
    "live_reptiles": [("star tortoise", "Geochelone elegans", "live_animal", "Star tortoise hatchlings, {q}",
                       ["10 pcs", "25 pcs"]),
                      ("ball python", "Python regius", "live_animal", "Ball python babies, {q}", ["5 animals"]),
                      ("chameleon", "Chamaeleonidae", "live_animal", "Panther chameleon, wild caught, {q}",
                       ["2 animals"]),
                      ("radiated tortoise", "Astrochelys radiata", "live_animal", "Radiated tortoise, no papers, {q}",
                       ["3 animals"])],
    "live_primates": [("slow loris", "Nycticebus", "live_animal", "Slow loris baby, very cute, {q}", ["1 animal"]),
                      ("gibbon", "Hylobatidae", "live_animal", "Baby gibbon for sale, {q}", ["1 animal"]),
                      ("macaque", "Macaca", "live_animal", "Pet monkey, tame, {q}", ["1 animal"])],
    "code_words": [("white plastic (ivory)", "Loxodonta africana", "ivory", "White plastic bangle, DM me, {q}",
                    ["2 pcs"]),
                   ("山甲 (pangolin)", "Manidae", "scales", "山甲片 {q}", ["1 kg"]),
                   ("🐘", "Elephantidae", "ivory", "🐘 carvings, PM for price, {q}", ["5 pcs"])],
    "code_slang": [("yellow material (ivory)", "Elephantidae", "ivory", "Yellow material carving, old, {q}",
                    ["1 piece"])],
}


@dataclass
class _Case:
    case: dict[str, Any]
    created: datetime
    platform: _Platform | None
    reports: list[dict[str, Any]] = field(default_factory=list)
    decision: dict[str, Any] | None = None


class CasePlan:
    """The planned cases, reports and decisions (rows, in memory) until ``save``."""

    def __init__(self, platforms: list[_Platform], rng: random.Random) -> None:
        self.rng = rng
        self.platforms = [p for p in platforms if p.obj.type in PATHS]
        self.taxa = {t.scientific_name: t for t in Taxon.objects.filter(
            scientific_name__in={item[1] for items in ITEMS.values() for item in items})}
        self.urls = set(Case.objects.values_list("canonical_url", flat=True))
        self.codes = set(Report.objects.exclude(tracking_code=None).values_list("tracking_code", flat=True))
        self.sla = dict(MemberSettings.objects.values_list("organisation_id", "sla_hours"))
        self.spotter_from = [START if i < 10 else START + timedelta(days=55 * (i - 9)) for i in range(SPOTTERS)]
        self.spotter_weight = [rng.uniform(0.5, 1.5) / (i + 1) ** 0.7 for i in range(SPOTTERS)]
        self.cases: list[_Case] = []
        self.number = 100_000
        self._plan()

    def _plan(self) -> None:
        rng = self.rng
        firsts = [date(d.year, d.month, 1) for d in months(START, UNTIL)]
        weights = [GROWTH[d.year] * rng.uniform(0.9, 1.1) for d in firsts]
        recent: deque[_Case] = deque(maxlen=60)
        for first, volunteer, public in zip(firsts, allocate(VOLUNTEER_REPORTS, weights),
                                            allocate(PUBLIC_REPORTS, weights), strict=True):
            last = min(date(first.year + first.month // 12, first.month % 12 + 1, 1) - timedelta(days=1), UNTIL)
            span = (last - first).days + 1
            slots = sorted((at(first + timedelta(days=rng.randrange(span)), rng.triangular(0, 24, 15)), kind)
                           for kind, n in ((ReportKind.VOLUNTEER, volunteer), (ReportKind.PUBLIC, public))
                           for _ in range(n))
            active = [p for p in self.platforms if p.obj.joined_on is not None and p.obj.joined_on <= first]
            platforms = list(accumulate(p.size * TYPE_WEIGHT[p.obj.type] for p in active))
            spotters = [i for i in range(SPOTTERS) if self.spotter_from[i] <= first]
            spotter_weights = list(accumulate(self.spotter_weight[i] for i in spotters))
            lines = {region: list(accumulate(line.level(first) * (1.0 if region is None else line.asia if region
                                                                  else line.elsewhere) for line in LINES))
                     for region in (True, False, None)}
            for when, kind in slots:
                spotter = (rng.choices(spotters, cum_weights=spotter_weights)[0] if kind == ReportKind.VOLUNTEER
                           else None)
                if rng.random() < DUPLICATES:
                    joinable = [c for c in recent if len(c.reports) < 3 and c.platform is not None
                                and when - c.created < timedelta(days=3)]
                    if joinable:
                        self._join(rng.choice(joinable), kind, when, spotter)
                        continue
                platform = None if rng.random() < NON_MEMBER else rng.choices(active, cum_weights=platforms)[0]
                line = rng.choices(LINES, cum_weights=lines[platform.asia if platform else None])[0]
                recent.append(self._new(platform, line.key, kind, when, spotter))

    def _code(self) -> str:
        while True:
            code = "WW-" + "".join(self.rng.choices("23456789ABCDEFGHJKMNPQRSTUVWXYZ", k=10))
            if code not in self.codes:
                self.codes.add(code)
                return code

    def _new(self, p: _Platform | None, line: str, kind: str, when: datetime, spotter: int | None) -> _Case:
        rng = self.rng
        species, name, product, text, quantities = rng.choice(ITEMS[line])
        quantity = rng.choice(quantities)
        taxon = self.taxa.get(name)
        while True:  # the URLs are canonical already (a duplicate's spelling is checked against them)
            self.number += rng.randint(1, 40)
            host = rng.choice(OTHER_HOSTS) if p is None else (p.obj.domains or [f"{p.obj.slug}.example"])[0]
            url = f"https://{host}/{PATHS[p.obj.type] if p else 'listing'}/{self.number}"
            if url not in self.urls:
                self.urls.add(url)
                break
        category = (taxon.category if taxon else "") or next(x.category for x in LINES if x.key == line)
        live = product == "live_animal"
        listing = text.format(q=quantity)
        points, reasons = severity.score(severity.Facts(appendix=taxon.cites_appendix if taxon else "",
                                                        category=category, live_animal=live,
                                                        quantity_text=f"{quantity} {listing}"))
        handle = f"@{rng.choice(SELLERS)}_{self.number}" if rng.random() < 0.35 else ""
        planned = _Case({"canonical_url": url, "url": url, "host": host, "platform_id": p.obj.pk if p else None,
                         "listing_text": listing, "taxon_id": taxon.pk if taxon else None, "species_text": species,
                         "product": product, "category": category, "live_animal": live, "quantity_text": quantity,
                         "seller_handle": handle, "seller_location": rng.choice(p.obj.countries or [""]) if p else "",
                         "severity": points, "severity_reasons": reasons, "created_at": when}, when, p)
        self._report(planned, kind, when, spotter, url, listing)
        self._outcome(planned, kind, when)
        self.cases.append(planned)
        return planned

    def _join(self, planned: _Case, kind: str, when: datetime, spotter: int | None) -> None:
        parts = urlsplit(planned.case["url"])
        variant = self.rng.choice([f"https://www.{parts.hostname}{parts.path}?utm_source=share",
                                   f"https://m.{parts.hostname}{parts.path}", f"{planned.case['url']}?ref=app"])
        if canonical_url(variant) != planned.case["canonical_url"]:
            raise AssertionError(f"{variant} is not a spelling of {planned.case['canonical_url']}")
        self._report(planned, kind, when, spotter, variant, "")

    def _report(self, planned: _Case, kind: str, when: datetime, spotter: int | None, url: str,
                listing: str) -> None:
        c = planned.case
        planned.reports.append({"kind": kind, "tracking_code": self._code(), "reporter_id": spotter, "url": url,
                                "species_text": c["species_text"], "product": c["product"], "listing_text": listing,
                                "seller_handle": c["seller_handle"], "created_at": when})

    def _outcome(self, planned: _Case, kind: str, when: datetime) -> None:
        rng, c, p = self.rng, planned.case, planned.platform
        rejected, no_violation = OUTCOMES[ReportKind(kind)]
        c["triaged_at"] = c["updated_at"] = when + timedelta(hours=rng.triangular(1.5, 46, 6))
        if p is None:
            c["status"] = CaseStatus.OUTREACH
        elif rng.random() < rejected:
            c["status"], c["reject_reason"] = CaseStatus.REJECTED, rng.choice(REJECTIONS)
        else:
            sla = self.sla.get(p.obj.organisation_id, 24)
            within = rng.random() < 0.8 + 0.018 * (when.year - 2018)
            hours = max(0.2, sla * rng.random() ** 0.4) if within else sla + rng.expovariate(1 / 16)
            referred = c["triaged_at"]
            c.update(status=CaseStatus.DECIDED, referred_at=referred, due_at=referred + timedelta(hours=sla),
                     decided_at=referred + timedelta(hours=hours), updated_at=referred + timedelta(hours=hours),
                     claimed_at=referred + timedelta(hours=hours * rng.uniform(0.05, 0.5)))
            if rng.random() < no_violation:
                action, category = Action.NO_VIOLATION, "allowed"
            else:
                actions = REMOVALS[p.obj.type]
                action, category = rng.choices([a for a, _ in actions], [w for _, w in actions])[0], c["category"]
            planned.decision = {"category": category, "action": action, "created_at": c["decided_at"],
                                "comment": COMMENTS[action] if rng.random() < 0.4 else ""}

    def groups_removed(self) -> dict[tuple[str, int], int]:
        """(company slug, year) -> groups removed by the planned decisions, up to the end of the history."""
        out: dict[tuple[str, int], int] = defaultdict(int)
        for planned in self.cases:
            d, p = planned.decision, planned.platform
            if (d is not None and p is not None and d["action"] == Action.REMOVED_GROUP
                    and d["created_at"].date() <= UNTIL):
                out[(p.company.org.slug, d["created_at"].year)] += 1
        return out

    def save(self, analyst: Any, admins: dict[int, Any]) -> int:
        """Create the spotters' accounts and write the cases, reports and decisions; the number of rows made."""
        programme = Organisation.objects.get(slug="demo-volunteers")
        spotters = [accounts.add_member(programme, f"spotter-{n:02d}", Role.VOLUNTEER,
                                        email=f"spotter-{n:02d}@demo.wildwatch.invalid").pk
                    for n in range(1, SPOTTERS + 1)]
        analysts = [analyst.pk, get_user_model().objects.filter(username="analyst2").values_list(
            "pk", flat=True).first() or analyst.pk]
        reviewers = {org: user.pk for org, user in admins.items() if user is not None}
        reviewers.update(Membership.objects.filter(role=Role.REVIEWER).order_by("-pk").values_list(
            "organisation_id", "user_id"))
        case_id, report_id = next_id(Case), next_id(Report)
        cases: list[dict[str, Any]] = []
        reports: list[dict[str, Any]] = []
        decisions: list[dict[str, Any]] = []
        for n, planned in enumerate(self.cases):
            c = planned.case
            c["id"], c["triaged_by_id"] = case_id + n, analysts[n % 2]
            if planned.decision is not None and planned.platform is not None:
                c["claimed_by_id"] = reviewers.get(planned.platform.obj.organisation_id)
                decisions.append({**planned.decision, "case_id": c["id"], "reviewer_id": c["claimed_by_id"]})
            cases.append(c)
            for report in planned.reports:
                spotter = report["reporter_id"]
                reports.append({**report, "id": report_id + len(reports), "case_id": c["id"],
                                "reporter_id": spotters[spotter] if spotter is not None else None})
        decision_id = next_id(Decision)
        for n, d in enumerate(decisions):
            d["id"] = decision_id + n
        made = insert_rows(Case, cases) + insert_rows(Report, reports) + insert_rows(Decision, decisions)
        return made + len(spotters)


def load_policy_history(platforms: list[_Platform], rng: random.Random, analyst: Any, admins: dict[int, Any]) -> int:
    """The model policy's versions 1 (the launch) and 2 (2021) and the platforms' adoptions, through the services
    (audited today), then dated; only when no version exists yet. The number of records made."""
    if ModelPolicy.objects.exists():
        return 0
    v1 = policy.publish(POLICY_V1, published_on=START, actor=analyst)
    v2 = policy.publish(POLICY_V2, published_on=V2_DATE, actor=analyst)
    made = 2
    for p in platforms:
        joined = p.obj.joined_on
        if joined is None or rng.random() > 0.88:
            continue
        adopted = joined + timedelta(days=rng.randint(45, 400))
        plan = [(v1, adopted)] if adopted < V2_DATE else [(v2, adopted)]
        if adopted < V2_DATE and rng.random() < 0.65:
            plan.append((v2, V2_DATE + timedelta(days=rng.randint(30, 300))))
        domain = (p.obj.domains or [f"{p.obj.slug}.example"])[0]
        for version, on in plan:
            if on > UNTIL - timedelta(days=21):
                continue
            adoption = policy.record_adoption(p.obj, version, f"https://{domain}/policies/wildlife", on,
                                              actor=admins.get(p.obj.organisation_id))
            policy.confirm_adoption(adoption, actor=analyst)
            PolicyAdoption.objects.filter(pk=adoption.pk).update(
                recorded_at=at(on, rng.uniform(8, 18)),
                confirmed_at=at(on + timedelta(days=rng.randint(2, 20)), rng.uniform(8, 18)))
            made += 1
    return made


V2_DATE = date(2021, 3, 3)
POLICY_V1 = {
    "categories_en": "Prohibited: CITES Appendix I species, their parts and derivatives; ivory, rhino horn, pangolin "
                     "scales, tiger and other big-cat parts, marine-turtle shell, bear bile. Restricted (proof of "
                     "legal origin): CITES Appendix II and III species.",
    "categories_fr": "Interdits : espèces de l'annexe I de la CITES, leurs parties et produits ; ivoire, corne de "
                     "rhinocéros, écailles de pangolin, parties de tigre et d'autres grands félins, écaille de tortue "
                     "marine, bile d'ours. Soumis à condition (preuve d'origine légale) : annexes II et III.",
    "species_groups_en": "Elephants, rhinos, pangolins, big cats, marine turtles, bears, sharks, primates, parrots, "
                         "reptiles.",
    "species_groups_fr": "Éléphants, rhinocéros, pangolins, grands félins, tortues marines, ours, requins, primates, "
                         "perroquets, reptiles.",
    "products_en": "Live animals, ivory, horn, scales, shell, skins and furs, bones, teeth and claws, meat and eggs, "
                   "medicines and tonics, trophies.",
    "products_fr": "Animaux vivants, ivoire, corne, écailles, carapaces, peaux et fourrures, os, dents et griffes, "
                   "viande et œufs, remèdes et toniques, trophées.",
}
POLICY_V2 = {**POLICY_V1,
             "categories_en": POLICY_V1["categories_en"] + " Cover products used to disguise prohibited ones "
                                                           "(mammoth ivory, 'bovine bone' carvings) go to review.",
             "categories_fr": POLICY_V1["categories_fr"] + " Les produits de couverture (ivoire de mammouth, "
                                                           "sculptures « en os de bovin ») sont vérifiés.",
             "products_en": POLICY_V1["products_en"] + " Code words and emoji standing for these products."}
