"""``wildwatch hub restore ARCHIVE [--force]``: restore a backup archive (see ``ops/restore.py``).

The database must be empty of hub data; ``--force`` deletes its content first (and replaces files and keys that
differ from the archive's). Prints the rows restored per model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wildwatch.hub.ops.backup import BackupError
from wildwatch.hub.ops.restore import restore_backup


class Command(BaseCommand):
    help = "Restore a backup archive into an empty database (SQLite or PostgreSQL) and this hub's folders."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--force", action="store_true",
                            help="delete the database's content first, and replace files and keys that differ")
        parser.add_argument("--database", default="default", help="database alias (default: default)")

    def handle(self, *args: Any, **options: Any) -> None:
        log = self.stdout.write if options["verbosity"] >= 1 else (lambda _: None)
        try:
            result = restore_backup(options["archive"], force=options["force"], using=options["database"], log=log)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        if options["verbosity"] >= 1:
            for label, count in result.counts.items():
                self.stdout.write(f"  {label}: {count}")
        extra = f"; {result.migrated_after} newer migration(s) applied" if result.migrated_after else ""
        self.stdout.write(f"restored {sum(result.counts.values())} rows of {len(result.counts)} models; files: "
                          + ", ".join(f"{k} {v}" for k, v in result.files.items()) + extra)
