"""``wildwatch hub backup [PATH] [--with-keys] [--no-media]``: a portable backup archive (see ``ops/backup.py``).

PATH is the archive to write, or a folder (a ``wildwatch-backup-<UTC time>.zip`` is made in it); by default
``$WILDWATCH_VAR/backups/``. The archive is written with mode 0600. Keys (signing, hold and contact-signal keys) are
included with ``--with-keys`` only. The last line printed is the archive's path and SHA-256."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from wildwatch.hub.ops.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Write a backup archive of the hub's database (portable across SQLite and PostgreSQL) and files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", type=Path, help="archive file or folder (default: $WILDWATCH_VAR/backups/)")
        parser.add_argument("--with-keys", action="store_true",
                            help="include the signing, hold and contact-signal keys (secrets: keep the archive safe)")
        parser.add_argument("--no-media", action="store_true", help="leave out the uploads (report screenshots)")
        parser.add_argument("--database", default="default", help="database alias (default: default)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path | None = options["path"]
        if path is None:
            path = Path(settings.VAR_DIR) / "backups"
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if path.is_dir() or str(path).endswith(os.sep):
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            path = path / f"wildwatch-backup-{timezone.now():%Y%m%dT%H%M%SZ}.zip"
        try:
            result = create_backup(path.resolve(), with_keys=options["with_keys"], media=not options["no_media"],
                                   using=options["database"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] >= 1:
            for label, count in result.counts.items():
                if count:
                    self.stdout.write(f"  {label}: {count}")
            self.stdout.write(f"{sum(result.counts.values())} rows of {len(result.counts)} models; files: "
                              + ", ".join(f"{k} {v}" for k, v in result.files.items())
                              + ("" if options["with_keys"] else " (keys left out: --with-keys includes them)"))
        self.stdout.write(f"{result.path} sha256={result.sha256}")
