"""Background work on the task queue (django-q2, the database as broker, with retries).

``enqueue_release`` queues a release build; ``ensure_schedules`` registers the periodic jobs (idempotent):
``wildwatch hub schedules`` calls it, and ``wildwatch hub demo`` too.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_q.models import Schedule
from django_q.tasks import async_task

from .services import publish_release

#: name -> (function path, schedule type, minutes between runs)
SCHEDULES: dict[str, tuple[str, str, int]] = {
    "purge expired sessions": ("wildwatch.hub.library.tasks.purge_sessions", Schedule.DAILY, 0),
    "purge stored idempotent answers": ("wildwatch.hub.checks.idempotency.purge", Schedule.DAILY, 0),
    "release idle review claims": ("wildwatch.hub.review.tasks.expire_claims", Schedule.MINUTES, 10),
    "expire shared signals": ("wildwatch.hub.signals.services.expire", Schedule.HOURLY, 0),
    "seal and anchor the audit chain": ("wildwatch.hub.accounts.auditchain.seal_and_anchor", Schedule.MINUTES, 5),
    "purge expired personal data": ("wildwatch.hub.review.retention.purge_task", Schedule.DAILY, 0),
}


def build_release(user_id: int | None, changelog: str) -> int:
    """The release build, run by a worker: returns the new release's number."""
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return publish_release(actor=user, changelog=changelog).number


def enqueue_release(user_id: int | None, changelog: str, *, sync: bool = False) -> str:
    """Queue a release build; the worker retries it if it fails. Returns the task id."""
    return str(async_task("wildwatch.hub.library.tasks.build_release", user_id, changelog,
                          task_name=f"release build: {changelog[:60]}", sync=sync))


def purge_sessions() -> None:
    call_command("clearsessions")


def ensure_schedules() -> list[str]:
    """Create the periodic schedules that are missing; returns their names."""
    created = []
    for name, (func, schedule_type, minutes) in SCHEDULES.items():
        _, new = Schedule.objects.get_or_create(
            name=name, defaults={"func": func, "schedule_type": schedule_type, "minutes": minutes or None})
        if new:
            created.append(name)
    return created
