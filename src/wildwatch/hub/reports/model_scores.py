"""The hub's classifier, for ordering review queues by uncertainty (active learning): the artefact named by
``settings.WILDWATCH_MODEL`` (a path; ``wildwatch model train --from-hub -o …`` makes one), re-read when the file
changes. Without it, cases carry no score and every queue is ordered by urgency."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from django.conf import settings

log = logging.getLogger(__name__)
_lock = threading.Lock()
_loaded: dict[str, Any] = {"key": None, "model": None}


def hub_model() -> Any:
    """The classifier (``wildwatch.model.Model``) or None; a broken artefact is logged and ignored."""
    path = getattr(settings, "WILDWATCH_MODEL", None)
    if not path:
        return None
    try:
        stat = Path(path).stat()
    except OSError as exc:
        log.warning("WILDWATCH_MODEL %s cannot be read: %s", path, exc)
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _lock:
        if _loaded["key"] != key:
            from wildwatch.model import ModelError, load_model

            try:
                _loaded["model"] = load_model(path)
            except ModelError as exc:
                log.warning("WILDWATCH_MODEL %s refused: %s", path, exc)
                _loaded["model"] = None
            _loaded["key"] = key
        return _loaded["model"]


def probability(text: str) -> float | None:
    """The classifier's probability for a listing text, or None without a model or a text."""
    model = hub_model()
    if model is None or not text.strip():
        return None
    return round(float(model.score([text])[0]), 4)
