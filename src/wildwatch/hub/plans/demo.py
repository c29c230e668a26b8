"""Demo action plans, training sessions and modules for ``wildwatch hub demo`` (call ``load_demo_plans()`` once the
demo organisations exist). Idempotent: a plan or session already there is left alone."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from wildwatch.hub.accounts.models import Organisation

from . import services
from .content import install_modules
from .models import ActionPlan, ItemStatus, TrainingSession

#: (member company, partner NGO, platform type, assessment answers, items done, items in progress)
PLANS = [
    ("demo-market", "demo-ngo", "ecommerce", {"high_volume": True, "search": True, "private_messaging": True,
                                              "live_animals": True, "in_app_payment": True}, 3, 2),
    ("demo-social", "demo-ngo-2", "social", {"private_messaging": True, "cross_border": True,
                                             "past_incidents": True}, 1, 1),
]
#: (member company, trainer, days ago, topic, staff trained)
SESSIONS = [
    ("demo-market", "demo-ngo", 75, "Recognising ivory and its imitations", 14),
    ("demo-market", "demo-ngo", 20, "The coalition's keyword library for reviewers", 9),
    ("demo-social", "demo-ngo-2", 40, "Pangolin products on social media", 22),
    ("demo-asia", "demo-ngo-3", 10, "Live-animal listings: what to look for", 6),
]


def load_demo_plans() -> int:
    """Install the training modules, the demo plans (with some progress) and sessions. Returns what was made."""
    install_modules()
    orgs = {o.slug: o for o in Organisation.objects.filter(slug__startswith="demo-")}
    analyst = get_user_model().objects.filter(username="analyst").first()
    made = 0
    for member, partner, ptype, answers, done, doing in PLANS:
        if member not in orgs or partner not in orgs:
            continue
        if ActionPlan.objects.filter(organisation=orgs[member], platform_type=ptype).exists():
            continue
        plan = services.create_plan(orgs[member], orgs[partner], ptype, answers, actor=analyst)
        for n, item in enumerate(plan.items.all()[:done + doing]):
            services.update_item(item, owner="Trust & Safety", due_date=item.due_date,
                                 status=ItemStatus.DONE if n < done else ItemStatus.IN_PROGRESS, notes="",
                                 actor=analyst)
        made += 1
    today = timezone.localdate()
    for member, trainer, days, topic, staff in SESSIONS:
        if member not in orgs or trainer not in orgs:
            continue
        day = today - timedelta(days=days)
        if TrainingSession.objects.filter(organisation=orgs[member], date=day, topic=topic).exists():
            continue
        services.record_session(orgs[member], date=day, topic=topic, trainer=orgs[trainer], staff_trained=staff,
                                actor=analyst)
        made += 1
    return made
