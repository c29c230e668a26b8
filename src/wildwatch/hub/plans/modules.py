"""Training modules for member staff: reading a guide or passing a module's quiz records a completion (once)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import get_language

from wildwatch.hub.accounts.roles import Role
from wildwatch.hub.accounts.services import audit
from wildwatch.hub.training.models import Attempt

from .models import ModuleCompletion, ModuleKind, TrainingModule
from .services import member_companies

#: completions listed for a member admin
TEAM_LIMIT = 200


def localised(module: TrainingModule) -> tuple[str, list[str]]:
    """The module's title and paragraphs in the current language (French when written, English otherwise)."""
    french = (get_language() or "en").startswith("fr")
    title = module.title_fr if french and module.title_fr else module.title
    body = module.body_fr if french and module.body_fr else module.body
    return title, [p.strip() for p in body.split("\n\n") if p.strip()]


def team_completions(user: Any) -> list[ModuleCompletion]:
    """For a member admin: the completions of their company's staff, latest first (empty for others)."""
    companies = member_companies(user, {Role.MEMBER_ADMIN})
    return list(ModuleCompletion.objects.filter(organisation__in=companies)
                .select_related("module", "user", "organisation")[:TEAM_LIMIT])


def completed_ids(user: Any) -> set[int]:
    return set(ModuleCompletion.objects.filter(user=user).values_list("module_id", flat=True))


@transaction.atomic
def complete(user: Any, module: TrainingModule, *, attempt: Attempt | None = None) -> ModuleCompletion:
    """Record that ``user`` completed ``module`` (the first completion stays). Audited when new."""
    organisation = member_companies(user).first()
    completion, created = ModuleCompletion.objects.get_or_create(
        module=module, user=user, defaults={"organisation": organisation, "attempt": attempt})
    if created:
        audit("training.module.complete", actor=user, organisation=organisation, target=f"module:{module.slug}",
              attempt=attempt.pk if attempt else None)
    return completion


def sync_quiz_completion(user: Any, module: TrainingModule) -> ModuleCompletion | None:
    """For a quiz module: record the completion once the user has a passing attempt at its quiz."""
    if module.kind != ModuleKind.QUIZ or module.quiz_id is None:
        return None
    attempt = Attempt.objects.filter(user=user, quiz_id=module.quiz_id, passed=True).order_by("submitted_at",
                                                                                               "id").first()
    if attempt is None:
        return None
    return complete(user, module, attempt=attempt)
