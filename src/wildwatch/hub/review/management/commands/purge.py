"""``wildwatch hub purge [--dry-run]``: erase the personal data whose retention period is over
(``review.retention``), and print the counts per kind. ``--dry-run`` counts only: nothing changes, nothing is
audited. The task queue runs the same purge daily (``library.tasks.SCHEDULES``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from wildwatch.hub.review.retention import period, purge


class Command(BaseCommand):
    help = "Erase the personal data whose retention period is over; print the counts per kind."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count what is due; change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = bool(options["dry_run"])
        counts = purge(dry_run=dry_run)
        days = ", ".join(f"{kind} {period(kind).days} days" for kind in ("reporter_email", "case_content",
                                                                          "volunteer", "login_failure"))
        self.stdout.write(f"{'dry run: would purge' if dry_run else 'purged'} (retention: {days})")
        for kind, count in counts.as_dict().items():
            self.stdout.write(f"{kind}: {count}")
