"""The coalition's model policy: versions (published by coalition analysts), adoptions (recorded by a member
admin for one of the company's platforms) and their confirmation by a coalition analyst. "Policy in place" is a
confirmed adoption. Every write is atomic and audited."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wildwatch.hub.accounts.models import Platform
from wildwatch.hub.accounts.services import audit

from .models import ModelPolicy, PolicyAdoption


class PolicyError(Exception):
    """A step that is not allowed (the message, translated, says why)."""


@transaction.atomic
def publish(texts: dict[str, str], *, published_on: date | None = None, actor: Any = None) -> ModelPolicy:
    """A new version of the model policy (the next number): ``texts`` has the ``categories``, ``species_groups``
    and ``products`` texts in English and French (``categories_en``, ``categories_fr``, ...)."""
    last = ModelPolicy.objects.select_for_update().order_by("-version").first()
    policy = ModelPolicy.objects.create(version=(last.version + 1) if last else 1,
                                        published_on=published_on or timezone.now().date(), created_by=actor,
                                        **{k: texts.get(k, "").strip() for k in TEXT_FIELDS})
    audit("model_policy.publish", actor=actor, target=f"v{policy.version}")
    return policy


TEXT_FIELDS = ("categories_en", "categories_fr", "species_groups_en", "species_groups_fr", "products_en",
               "products_fr")


@transaction.atomic
def record_adoption(platform: Platform, policy: ModelPolicy, public_url: str, adopted_on: date, *,
                    actor: Any = None) -> PolicyAdoption:
    if platform.organisation.kind != "member":
        raise PolicyError(_("Only member platforms adopt the model policy."))
    if PolicyAdoption.objects.filter(platform=platform, policy=policy).exists():
        raise PolicyError(_("This platform's adoption of this version is already recorded."))
    adoption = PolicyAdoption.objects.create(platform=platform, policy=policy, public_url=public_url,
                                             adopted_on=adopted_on, recorded_by=actor)
    audit("model_policy.adopt", actor=actor, organisation=platform.organisation, target=platform.slug,
          version=policy.version, public_url=public_url)
    return adoption


@transaction.atomic
def confirm_adoption(adoption: PolicyAdoption, *, actor: Any = None) -> PolicyAdoption:
    current = PolicyAdoption.objects.select_for_update().get(pk=adoption.pk)
    if current.confirmed_at is not None:
        raise PolicyError(_("This adoption is already confirmed."))
    current.confirmed_by, current.confirmed_at = actor, timezone.now()
    current.save(update_fields=["confirmed_by", "confirmed_at"])
    audit("model_policy.confirm", actor=actor, organisation=current.platform.organisation,
          target=current.platform.slug, version=current.policy.version)
    return current


def in_place(platform: Platform, on: date | None = None) -> bool:
    """Whether the platform has a confirmed adoption (by ``on``, when given)."""
    qs = PolicyAdoption.objects.filter(platform=platform, confirmed_at__isnull=False)
    if on is not None:
        qs = qs.filter(confirmed_at__date__lte=on)
    return qs.exists()
