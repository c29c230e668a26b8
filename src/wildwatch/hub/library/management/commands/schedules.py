"""``wildwatch hub schedules``: register the task queue's periodic jobs (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from wildwatch.hub.library.tasks import SCHEDULES, ensure_schedules


class Command(BaseCommand):
    help = "Register the periodic jobs of the task queue."

    def handle(self, *args: Any, **options: Any) -> None:
        created = ensure_schedules()
        for name in SCHEDULES:
            self.stdout.write(f"{name}: {'created' if name in created else 'present'}")
