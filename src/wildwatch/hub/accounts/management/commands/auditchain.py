"""The audit log's hash chain (see ``wildwatch.hub.accounts.auditchain``)::

    wildwatch hub auditchain seal                      # append the unsealed entries to the chain
    wildwatch hub auditchain anchor [--anchors FILE]   # seal, then append the head to the anchors file
    wildwatch hub auditchain verify [--anchors FILE]   # recompute the chain against the anchored heads

``verify`` exits with status 1 and lists the problems when the chain or an anchor does not match."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wildwatch.hub.accounts import auditchain


class Command(BaseCommand):
    help = "Seal, anchor or verify the audit log's hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["seal", "anchor", "verify"])
        parser.add_argument("--anchors", type=Path, help="the anchors file (default: WILDWATCH_AUDIT_ANCHORS)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path | None = options["anchors"]
        if options["action"] == "seal":
            self.stdout.write(f"sealed {auditchain.seal()} entries")
            return
        if options["action"] == "anchor":
            record = auditchain.anchor(path)
            self.stdout.write(f"anchored entry {record['seq']} ({record['hash']}) in {path or auditchain.anchors_path()}")
            return
        result = auditchain.verify(path)
        summary = (f"{result.checked} entries checked up to entry {result.head_seq}, {result.anchors} anchors, "
                   f"{result.unsealed} not yet sealed")
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(f"the audit chain does not verify ({summary})", returncode=1)
        self.stdout.write(f"audit chain verified: {summary}")
