"""Evidence packages from the command line::

    wildwatch hub evidence verify FILE.zip [--public-key PEM]

``verify`` checks the signature of the package's manifest (with the hub's own public key unless ``--public-key``
names another) and every file against the manifest. Each problem is printed on its own line (which file changed,
which are missing or extra, a bad signature); the exit code is 0 when the package is intact, 1 when anything is
wrong with it, and 2 when it cannot be checked at all (no such file, an unusable key)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from wildwatch.hub.evidence.package import EvidenceError, Verification, key_fingerprint, verify_package


class Command(BaseCommand):
    help = "Check an evidence package: its signature and every file's hash."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="check a package's signature and files; exit 1 on any problem")
        verify.add_argument("file", type=Path, help="the package (ZIP)")
        verify.add_argument("--public-key", type=Path, default=None,
                            help="the signer's public key, PEM (default: this hub's own key)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if options["public_key"] is not None:
            try:
                public_pem = options["public_key"].read_bytes()
            except OSError as exc:
                raise CommandError(f"cannot read the public key: {exc}", returncode=2) from exc
        else:
            from wildwatch.hub.library.services import public_key

            public_pem = public_key()
        if not path.is_file():
            raise CommandError(f"no such file: {path}", returncode=2)
        try:
            fingerprint = key_fingerprint(public_pem)
            result = verify_package(path, public_pem)
        except EvidenceError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        for problem in result.problems:
            self.stdout.write(str(problem))
        if not result.ok:
            raise CommandError(f"{path}: NOT VERIFIED, {len(result.problems)} problem(s) (key {fingerprint})",
                               returncode=1)
        self.stdout.write(self._summary(path, result, fingerprint))
        known = self._known(result.manifest_digest)
        if known:
            self.stdout.write(known)

    @staticmethod
    def _summary(path: Path, result: Verification, fingerprint: str) -> str:
        manifest = result.manifest or {}
        by = manifest.get("exported_by") or {}
        who = f"{by.get('username', '?')}" + (f" ({by['organisation']})" if by.get("organisation") else "")
        return (f"OK {path}: case {manifest.get('case_id')}, {result.files_checked} files unchanged, signature valid "
                f"(key {fingerprint}); exported by {who} at {manifest.get('created_at')}; "
                f"manifest {result.manifest_digest}")

    @staticmethod
    def _known(manifest_digest: str) -> str:
        """Whether this hub exported the package (its custody log then says who else saw it)."""
        from wildwatch.hub.evidence.models import Package

        try:
            package = Package.objects.filter(manifest_digest=manifest_digest).first()
        except DatabaseError:
            return ""
        if package is None:
            return "this hub has no record of exporting this package"
        return (f"this hub exported this package (case {package.case_id}); "
                f"{package.custody.count()} custody entries")
