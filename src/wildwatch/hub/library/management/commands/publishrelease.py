"""``wildwatch hub publishrelease --changelog TEXT [--user USERNAME]``: publish the library as the next release."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from wildwatch.hub.library.services import publish_release


class Command(BaseCommand):
    help = "Publish the current library as the next numbered, signed release."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--changelog", required=True, help="what changed since the last release")
        parser.add_argument("--user", default=None, help="the publishing user (recorded and audited)")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options["user"]:
            user_model = get_user_model()
            actor = user_model._default_manager.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"no user {options['user']!r}")
        release = publish_release(actor=actor, changelog=options["changelog"])
        self.stdout.write(f"Published release {release.number} (library {release.library_version}, "
                          f"{release.content_digest}, {len(release.term_snapshot)} terms)")
