"""API keys from the command line (a member admin does the same in the hub's pages)::

    wildwatch hub apikey create --org SLUG [--platform SLUG] [--role engineer] [--name NAME]
    wildwatch hub apikey list --org SLUG
    wildwatch hub apikey rotate PREFIX [--grace-hours H]
    wildwatch hub apikey revoke PREFIX

``create`` and ``rotate`` print the new key, alone on the last line of stdout (it is shown once)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wildwatch.hub.accounts import services
from wildwatch.hub.accounts.models import ApiKey, Organisation
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
        listing = sub.add_parser("list", help="list a company's keys (never their secrets)")
        listing.add_argument("--org", required=True)
        rotate = sub.add_parser("rotate", help="replace a key; the old one stops now or after --grace-hours")
        rotate.add_argument("prefix")
        rotate.add_argument("--grace-hours", type=float, default=0.0)
        revoke = sub.add_parser("revoke", help="revoke a key now")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            return self._list(options["org"])
        if action in ("rotate", "revoke"):
            key = ApiKey.objects.select_related("platform").filter(prefix=options["prefix"]).first()
            if key is None:
                raise CommandError(f"no key {options['prefix']!r}")
            if action == "revoke":
                services.revoke_api_key(key)
                self.stderr.write(f"revoked key {key.prefix}")
                return None
            try:
                new, plaintext = services.rotate_api_key(key, grace=timedelta(hours=options["grace_hours"]))
            except services.AccountsError as exc:
                raise CommandError(str(exc)) from exc
            self.stderr.write(f"key {key.prefix} replaced by {new.prefix}; the new key is shown once:")
            self.stdout.write(plaintext)
            return None
        try:
            key, plaintext = services.create_api_key(options["org"], options["platform"], options["role"],
                                                     name=options["name"])
        except services.AccountsError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(f"created key {key.prefix} for platform {key.platform.slug} ({key.role}); "
                          "it is shown once:")
        self.stdout.write(plaintext)

    def _list(self, org_slug: str) -> None:
        org = Organisation.objects.filter(slug=org_slug).first()
        if org is None:
            raise CommandError(f"no organisation {org_slug!r}")
        for key in services.keys_of_organisation(org):
            used = key.last_used_at.isoformat(timespec="seconds") if key.last_used_at else "never used"
            self.stdout.write(f"{key.prefix}\t{key.platform.slug}\t{key.role}\t{key.state}\t{used}\t{key.name}")
