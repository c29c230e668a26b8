"""Numbered, signed, immutable releases of the library, the hub's signing key, and diffs between releases."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wildwatch.detect import library as engine
from wildwatch.detect.signing import generate_key, public_key_pem, sign_digest
from wildwatch.hub.accounts.services import audit

from ..models import Release
from .importer import export_library


def signing_key() -> bytes:
    """The hub's Ed25519 private key (PEM) from ``settings.SIGNING_KEY_PATH``; made on first use (mode 0600)."""
    path = Path(settings.SIGNING_KEY_PATH)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # made by a concurrent process meanwhile
            pass
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(generate_key())
    return path.read_bytes()


def public_key() -> bytes:
    """The hub's public key (PEM): what the engine and the SDKs verify releases with."""
    return public_key_pem(signing_key())


def term_hash(term: engine.Term) -> str:
    """SHA-256 of a term's canonical JSON: equal hashes mean the term did not change."""
    return hashlib.sha256(engine.canonical_json(dataclasses.asdict(term))).hexdigest()


@transaction.atomic
def publish_release(*, actor: Any = None, changelog: str = "") -> Release:
    """Publish the current library as the next numbered release, signed with the hub's key."""
    last = Release.objects.select_for_update().order_by("-number").first()
    number = last.number + 1 if last else 1
    version = f"{timezone.now():%Y.%m}.{number}"
    library = export_library(version)
    from wildwatch.hub.campaigns.services import for_release  # the campaigns app builds on the library's

    library.campaigns = for_release()  # running and upcoming, for embedded detectors
    digest = library.digest()
    release = Release(
        number=number, library_version=version, content_digest=digest, bundle=library.to_bundle(),
        signature=sign_digest(signing_key(), digest), changelog=changelog,
        term_snapshot={t.id: term_hash(t) for t in library.terms},
        published_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    release.save()
    audit("release.publish", actor=actor, target=f"release {number}", number=number, library_version=version,
          content_digest=digest, terms=len(library.terms), campaigns=[c.slug for c in library.campaigns],
          model=library.model["artefact"].get("name") if library.model else None)
    return release


def release_library(release: Release) -> engine.Library:
    """The engine library of a release (its bundle, checked)."""
    return engine.load_bundle(bytes(release.bundle))[0]


def _entry(term_id: str, terms: dict[str, engine.Term]) -> dict[str, str]:
    t = terms.get(term_id)
    return {"term_id": term_id, "term": t.term if t else "", "lang": t.lang if t else "",
            "kind": t.kind if t else ""}


def diff_releases(a: Release, b: Release) -> dict[str, list[dict[str, str]]]:
    """What changed from release ``a`` to release ``b``: terms added, changed and retired (gone from ``b``),
    each as ``{term_id, term, lang, kind}``, sorted by term id."""
    old: dict[str, str] = a.term_snapshot
    new: dict[str, str] = b.term_snapshot
    added = sorted(set(new) - set(old))
    retired = sorted(set(old) - set(new))
    changed = sorted(k for k in set(old) & set(new) if old[k] != new[k])
    new_terms = {t.id: t for t in release_library(b).terms} if added or changed else {}
    old_terms = {t.id: t for t in release_library(a).terms} if retired else {}
    return {
        "added": [_entry(k, new_terms) for k in added],
        "changed": [_entry(k, new_terms) for k in changed],
        "retired": [_entry(k, old_terms) for k in retired],
    }
