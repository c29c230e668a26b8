"""``wildwatch hub releasemodel set FILE [--may-block] [--may-clear] | clear | show``: the classifier that the next
releases ship (see ``library.services.release_model``). A model trained on ``shared/eval`` must never be set here:
those sets are for evaluation only."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wildwatch.hub.library.services import release_model


class Command(BaseCommand):
    help = "Set, clear or show the classifier that the next library releases ship."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["set", "clear", "show"])
        parser.add_argument("file", nargs="?", help="the model artefact (wildwatch model train -o ...)")
        parser.add_argument("--may-block", action="store_true", help="the model may turn a rules review into block")
        parser.add_argument("--may-clear", action="store_true", help="the model may turn a rules review into allow")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "set":
            if not options["file"]:
                raise CommandError("give the model artefact to ship")
            try:
                value = release_model.set_model(options["file"], may_block=options["may_block"],
                                                may_clear=options["may_clear"])
            except (release_model.ModelError, OSError) as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"the next releases ship {value['artefact']['name']} ({value['artefact']['digest']}),"
                              f" settings {value['settings']}")
        elif options["action"] == "clear":
            self.stdout.write("no model is shipped from the next release on" if release_model.clear_model()
                              else "no model was set")
        else:
            found = release_model.current()
            self.stdout.write("no model is set" if found is None else
                              f"{found['artefact']['name']} ({found['artefact']['digest']}), {found['settings']}")
