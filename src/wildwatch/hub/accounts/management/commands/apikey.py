"""``wildwatch hub apikey create --org SLUG [--platform SLUG] [--role engineer]``: prints a new key, alone on the
last line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wildwatch.hub.accounts import services
from wildwatch.hub.accounts.roles import Role


class Command(BaseCommand):
    help = "Create (or list) API keys of a member company's platform."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a key and print it, alone on the last line")
        create.add_argument("--org", required=True, help="organisation slug (a member company)")
        create.add_argument("--platform", help="platform slug (default: the company's first platform)")
        create.add_argument("--role", default=Role.ENGINEER, choices=[Role.ENGINEER, Role.MEMBER_ADMIN,
                                                                       Role.REVIEWER])
        create.add_argument("--name", default="", help="a label for the key")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            key, plaintext = services.create_api_key(options["org"], options["platform"], options["role"],
                                                     name=options["name"])
        except services.AccountsError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(f"created key {key.prefix} for platform {key.platform.slug} ({key.role}); "
                          "it is shown once:")
        self.stdout.write(plaintext)
