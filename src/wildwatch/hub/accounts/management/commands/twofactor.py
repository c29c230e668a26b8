"""Two-factor authentication of the hub's accounts (see ``wildwatch.hub.accounts.twofactor``)::

    wildwatch hub twofactor status                       # who has it, and who must set it up but has not
    wildwatch hub twofactor reset USER --reason TEXT     # a lost phone and lost codes: the next sign-in sets up anew

A reset is audited with its reason (how the person's identity was checked before it)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from wildwatch.hub.accounts import twofactor


class Command(BaseCommand):
    help = "List two-factor authentication status, or reset a user's devices."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["status", "reset"])
        parser.add_argument("username", nargs="?")
        parser.add_argument("--reason", default="", help="reset: how the person's identity was checked")

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model().objects.filter(is_active=True).order_by("username")
        if options["action"] == "status":
            for user in users:
                enabled, required = twofactor.enabled_for(user), twofactor.required_for(user)
                state = "on" if enabled else "MISSING (required)" if required else "off"
                codes = f", {twofactor.recovery_codes_left(user)} recovery codes left" if enabled else ""
                self.stdout.write(f"{user.username}: {state}{codes}")
            return
        if not options["username"]:
            raise CommandError("reset needs a user name")
        person = users.filter(username=options["username"]).first()
        if person is None:
            raise CommandError(f"no active user {options['username']!r}")
        try:
            removed = twofactor.reset(person, reason=options["reason"])
        except twofactor.TwoFactorError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{person.username}: {removed} devices removed; the next sign-in sets up a new one")
