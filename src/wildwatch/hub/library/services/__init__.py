"""Every write to the library goes through these functions; each one is atomic and audited."""

from __future__ import annotations

from .importer import export_library, import_library, import_starter
from .releases import diff_releases, public_key, publish_release, release_library, signing_key, term_hash
from .terms import EDITABLE_FIELDS, create_term, reactivate_term, retire_term, update_term
from .watermark import CANARIES_PER_ORG, canaries_for, record_download, trace_leak, watermarked_bundle

__all__ = [
    "CANARIES_PER_ORG",
    "EDITABLE_FIELDS",
    "canaries_for",
    "create_term",
    "diff_releases",
    "export_library",
    "import_library",
    "import_starter",
    "public_key",
    "publish_release",
    "reactivate_term",
    "record_download",
    "release_library",
    "retire_term",
    "signing_key",
    "term_hash",
    "trace_leak",
    "update_term",
    "watermarked_bundle",
]
