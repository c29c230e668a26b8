"""The classifier that the next releases ship (``library/model.json`` in the bundle, covered by its signature): a
``wildwatch.model`` artefact checked before it is kept, with the per-release settings that let it turn a rules
``review`` into ``block`` (``model_may_block``) or ``allow`` (``model_may_clear``); both off unless an analyst
raises them. Kept as the library document ``model``; every change is audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction

from wildwatch.hub.accounts.services import audit
from wildwatch.model import ModelError, load_model

from ..models import LibraryDocument

KEY = "model"


def current() -> dict[str, Any] | None:
    found = LibraryDocument.objects.filter(key=KEY).values_list("value", flat=True).first()
    return found if isinstance(found, dict) and found else None


@transaction.atomic
def set_model(source: str | Path | bytes, *, may_block: bool = False, may_clear: bool = False,
              actor: Any = None) -> dict[str, Any]:
    """Ship this artefact (a path or its bytes) in the next releases; ``ModelError`` when it is not a valid one."""
    model = load_model(source)
    value = {"artefact": model.to_dict(),
             "settings": {"model_may_block": bool(may_block), "model_may_clear": bool(may_clear)}}
    LibraryDocument.objects.update_or_create(key=KEY, defaults={"value": value})
    audit("release_model.set", actor=actor, target=model.name, digest=model.digest, model_may_block=may_block,
          model_may_clear=may_clear, training=model.training.get("files", []))
    return value


@transaction.atomic
def set_settings(*, may_block: bool, may_clear: bool, actor: Any = None) -> dict[str, Any]:
    """Change what the shipped model may do (``ModelError`` when no model is set)."""
    found = LibraryDocument.objects.select_for_update().filter(key=KEY).first()
    if found is None or not isinstance(found.value, dict) or not found.value:
        raise ModelError("no model is set: upload one first")
    value = {**found.value, "settings": {"model_may_block": bool(may_block), "model_may_clear": bool(may_clear)}}
    found.value = value
    found.save(update_fields=["value"])
    audit("release_model.settings", actor=actor, target=str(value["artefact"].get("name", "model")),
          model_may_block=may_block, model_may_clear=may_clear)
    return value


@transaction.atomic
def clear_model(*, actor: Any = None) -> bool:
    """Ship no classifier from the next release on; False when none was set."""
    deleted, _ = LibraryDocument.objects.filter(key=KEY).delete()
    if deleted:
        audit("release_model.clear", actor=actor, target="model")
    return bool(deleted)


__all__ = ["KEY", "ModelError", "clear_model", "current", "set_model", "set_settings"]
