"""Demo cases for ``wildwatch hub demo``: public and volunteer reports, a forwarded one, cases in triage, in a
member's queue and decided, so that every page of the tour has something to show. Idempotent."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from . import services
from .models import Case, CaseStatus, MemberSettings

#: (kind, url, species, product, listing text, seller handle, reporter username or "")
REPORTS = [
    ("public", "https://demomarket.example/item/1001?utm_source=share", "Loxodonta africana", "ivory",
     "Antique carved ivory bangle, 2 pcs, real tusk, DM for price", "@old_curios", ""),
    ("public", "https://www.demomarket.example/item/1001", "elephant", "ivory", "", "", ""),
    ("volunteer", "https://demosocial.example/p/88231", "Manis javanica", "scales",
     "Pangolin scales 5 kg available, shipping to VN", "@scales_trader", "volunteer"),
    ("volunteer", "https://demoannonces.example/annonce/5512", "tortue imbriquée", "shell",
     "Peigne en écaille de tortue véritable, ancien", "", "volunteer2"),
    ("public", "https://demomall.example/product/771", "Panthera tigris", "bone_teeth_claws",
     "Tiger claw pendant, genuine, 3 pieces", "@scales_trader", ""),
    ("public", "https://unknown-bazaar.example/listing/42", "Psittacus erithacus", "live_animal",
     "African grey parrot chicks, 4 birds, hand fed", "", ""),
    ("public", "https://demomarket.example/item/2002", "rhino", "horn", "Rhino horn cup, libation", "", ""),
]


def train_demo_volunteers() -> None:
    """The demo volunteers have passed the cyber-spotter quiz (so that they can submit)."""
    from wildwatch.hub.training import content
    from wildwatch.hub.training import services as training

    quiz = content.install(content.CYBER_SPOTTER_BASICS)
    right = {q.pk: [c.pk for c in q.choices.all() if c.correct] for q in quiz.questions.all()}
    for user in get_user_model().objects.filter(username__in=["volunteer", "volunteer2"]):
        if not training.has_passed(user, quiz):
            training.record_attempt(user, quiz, right)


def load_demo_cases() -> int:
    """Make the demo cases once (nothing happens when they exist); returns how many cases were made."""
    train_demo_volunteers()
    if Case.objects.exists():
        return 0
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=["volunteer", "volunteer2", "analyst", "reviewer"])}
    for kind, url, species, product, text, seller, reporter in REPORTS:
        services.file_report(kind, url, species_text=species, product=product, listing_text=text,
                             seller_handle=seller, reporter=users.get(reporter),
                             email="")
    analyst, reviewer = users.get("analyst"), users.get("reviewer")
    by_url = {c.canonical_url: c for c in Case.objects.all()}
    market = by_url["https://demomarket.example/item/1001"]
    if market.platform is not None:
        MemberSettings.objects.get_or_create(organisation=market.platform.organisation)
    decided = services.accept(market, analyst)
    services.accept(by_url["https://demosocial.example/p/88231"], analyst)
    services.accept(by_url["https://unknown-bazaar.example/listing/42"], analyst)
    if reviewer is not None and decided.status == CaseStatus.REFERRED:
        Case.objects.filter(pk=decided.pk, claimed_by=None).update(claimed_by=reviewer)
        services.decide(Case.objects.get(pk=decided.pk), reviewer, "prohibited", "removed_listing",
                        "Ivory bangle: listing removed, seller warned.")
    return Case.objects.count()


def summary() -> dict[str, Any]:
    return {status: Case.objects.filter(status=status).count() for status in CaseStatus.values}
