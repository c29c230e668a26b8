"""``wildwatch hub signalkey list|rotate``: the HMAC keys of contact signals (see ``signals.keys``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from wildwatch.hub.accounts.services import audit
from wildwatch.hub.signals import keys
from wildwatch.hub.signals.models import Kind, Signal


class Command(BaseCommand):
    help = "List the contact-signal HMAC keys (ids and how many signals use each), or rotate to a new one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "rotate"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rotate":
            key_id = keys.rotate()
            audit("signals.key_rotate", target=key_id)
            self.stdout.write(f"new current key: {key_id} (older keys stay: their signals keep matching)")
            return
        current, _ = keys.current()
        for key_id in keys.all_keys():
            used = Signal.objects.filter(kind=Kind.CONTACT, key_id=key_id).count()
            self.stdout.write(f"{key_id}{' (current)' if key_id == current else ''}: {used} contact signal(s)")
