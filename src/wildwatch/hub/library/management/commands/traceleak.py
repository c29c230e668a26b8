"""``wildwatch hub traceleak FILE``: name the most likely source of a leaked copy of the library."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from wildwatch.hub.library.services import trace_leak


class Command(BaseCommand):
    help = ("Rank the organisations whose canary terms appear in a leaked copy (a bundle, any zip, JSON or text), "
            "most likely source first.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="the leaked file")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        ranked = trace_leak(data)
        if not ranked:
            self.stdout.write("No canary term found: the file does not name a source.")
            return
        for org, score in ranked:
            self.stdout.write(f"{score:6.0%}  {org.slug:<24} {org.name}")
