"""The task queue on the real database: a release build through django-q2, and the periodic schedules."""

from __future__ import annotations

from typing import Any

import pytest
from django_q.models import Schedule, Task

from wildwatch.hub.library.models import Release
from wildwatch.hub.library.services import import_starter
from wildwatch.hub.library.tasks import SCHEDULES, enqueue_release, ensure_schedules

pytestmark = pytest.mark.django_db


def test_a_release_build_runs_through_the_queue(role_users: dict[str, Any]) -> None:
    import_starter()
    task_id = enqueue_release(role_users["analyst"].pk, "queued build", sync=True)
    task = Task.objects.get(id=task_id)
    assert task.success, task.result
    assert Release.objects.get(number=task.result).changelog == "queued build"


def test_a_failing_build_surfaces_its_error(db: Any) -> None:
    from django_q.tasks import async_task

    # in sync mode django-q2 runs the task at once and re-raises what the worker would have retried
    with pytest.raises(ValueError):
        async_task("wildwatch.hub.library.tasks.build_release", "not-an-id", "bad", sync=True)
    assert not Release.objects.exists()


def test_schedules_are_idempotent(db: Any) -> None:
    assert ensure_schedules() == list(SCHEDULES)
    assert ensure_schedules() == []
    assert Schedule.objects.filter(name="purge expired sessions", schedule_type=Schedule.DAILY).count() == 1
