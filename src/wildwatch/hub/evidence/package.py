"""Evidence packages as files: write one, and verify one anywhere.

This module needs neither Django nor the hub's database: only the standard library and ``cryptography``, so that
a prosecutor's office, a court expert or a platform can check a package with nothing but the hub's public key.

A package is a ZIP file::

    manifest.json       case id, when, who exported it, the hub's version, and every other file's SHA-256 and size
    manifest.sig        base64 Ed25519 signature of the exact bytes of manifest.json, by the hub's key
    case.json           the case's facts (URL, platform, seller, severity, status and its dates)
    listing.txt         the listing text as reported
    reports.json        every report about the listing (never the reporters' e-mail addresses or accounts)
    decisions.json      every decision of the platform's reviewers, with its time (reopened ones marked)
    screenshots/<report id>-<name>

Changing any file changes its hash; recomputing that hash in the manifest breaks the signature; a file added or
removed shows against the manifest's list. The entries are written in a fixed order with fixed times and modes,
so that the same content makes the same bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import re
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from wildwatch.detect import signing
from wildwatch.detect.library import LibraryError
from wildwatch.detect.signing import public_key_pem

FORMAT = "wildwatch-evidence/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
RESERVED = frozenset({MANIFEST, SIGNATURE})
_HEX64 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 16


class EvidenceError(ValueError):
    """A package cannot be written or checked at all (an unusable key, a path that is not a file)."""


# --- keys and signatures -------------------------------------------------------------------------------------------


def _private_key(private_pem: bytes) -> Ed25519PrivateKey:
    try:
        return signing.load_private_key(private_pem)
    except LibraryError as exc:
        raise EvidenceError(str(exc)) from exc


def load_public_key(public_pem: bytes) -> Ed25519PublicKey:
    try:
        return signing.load_public_key(public_pem)
    except LibraryError as exc:
        raise EvidenceError(str(exc)) from exc


def key_fingerprint(public_pem: bytes) -> str:
    """``sha256:…`` of the public key's raw 32 bytes: names the key a package was signed with."""
    raw = load_public_key(public_pem).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def sign(private_pem: bytes, data: bytes) -> str:
    """The base64 Ed25519 signature of ``data`` (the exact bytes)."""
    return base64.b64encode(_private_key(private_pem).sign(data)).decode("ascii")


def signature_valid(public_pem: bytes, data: bytes, signature_b64: str | bytes) -> bool:
    """Whether ``signature_b64`` is a valid signature of ``data`` for the key (an unusable key raises)."""
    key = load_public_key(public_pem)
    try:
        text = signature_b64.decode("ascii") if isinstance(signature_b64, bytes) else signature_b64
        key.verify(base64.b64decode(text.strip(), validate=True), data)
    except (InvalidSignature, binascii.Error, ValueError, UnicodeError):
        return False
    return True


def digest(data: bytes) -> str:
    """``sha256:<hex>``: how the hub names a manifest (the audit log and the custody log keep it)."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


# --- writing -------------------------------------------------------------------------------------------------------


def canonical_json(value: Any) -> bytes:
    """JSON with sorted keys, two-space indents and a final newline (UTF-8): the same value, the same bytes."""
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


@dataclass(frozen=True)
class Written:
    data: bytes  #: the ZIP file
    manifest: bytes  #: the exact bytes of manifest.json
    signature: str  #: base64, as in manifest.sig
    manifest_digest: str  #: ``sha256:…`` of manifest.json


def write_package(files: Mapping[str, bytes], header: Mapping[str, Any], private_pem: bytes,
                  created_at: datetime) -> Written:
    """A signed package of ``files`` (path → bytes). ``header`` goes into the manifest beside the file list
    (case id, created_at, exported_by, ...). Deterministic: the same arguments make the same bytes."""
    for path in files:
        if path in RESERVED or not path or path.startswith("/") or ".." in path.split("/") or "\\" in path:
            raise EvidenceError(f"not a file name a package may hold: {path!r}")
    public_pem = public_key_pem(private_pem)
    entries = [{"path": path, "sha256": hashlib.sha256(files[path]).hexdigest(), "bytes": len(files[path])}
               for path in sorted(files)]
    manifest = canonical_json({**header, "format": FORMAT, "hash": "sha256", "files": entries,
                               "signature": {"algorithm": "Ed25519", "file": SIGNATURE,
                                             "public_key": key_fingerprint(public_pem)}})
    signature = sign(private_pem, manifest)
    when = max(created_at.timetuple()[:6], (1980, 1, 1, 0, 0, 0))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path, data in [(MANIFEST, manifest), (SIGNATURE, (signature + "\n").encode("ascii")),
                           *((p, files[p]) for p in sorted(files))]:
            info = zipfile.ZipInfo(path, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            zf.writestr(info, data)
    return Written(buffer.getvalue(), manifest, signature, digest(manifest))


# --- verifying -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a package. ``kind``: ``unreadable`` (not a ZIP), ``no_manifest``, ``bad_manifest``,
    ``no_signature``, ``bad_signature``, ``changed``, ``missing``, ``extra`` or ``duplicate``."""

    kind: str
    path: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind.upper().replace('_', ' ')} {self.path}: {self.detail}"


@dataclass
class Verification:
    problems: list[Problem] = field(default_factory=list)
    manifest: dict[str, Any] | None = None
    manifest_digest: str = ""
    signature_valid: bool = False
    files_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and self.signature_valid

    def add(self, kind: str, path: str, detail: str) -> None:
        self.problems.append(Problem(kind, path, detail))


def _hash_member(zf: zipfile.ZipFile, name: str) -> tuple[str, int]:
    sha, size = hashlib.sha256(), 0
    with zf.open(name) as f:
        while chunk := f.read(_CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


def _files_of(manifest: Any, result: Verification) -> dict[str, tuple[str, int]] | None:
    """The manifest's file list (path → (sha256, bytes)), or None (and a problem) when it is malformed."""
    entries = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(entries, list):
        result.add("bad_manifest", MANIFEST, "it has no list of files")
        return None
    listed: dict[str, tuple[str, int]] = {}
    for entry in entries:
        path = entry.get("path") if isinstance(entry, dict) else None
        sha = entry.get("sha256") if isinstance(entry, dict) else None
        size = entry.get("bytes") if isinstance(entry, dict) else None
        if (not isinstance(path, str) or path in RESERVED or not isinstance(sha, str) or not _HEX64.fullmatch(sha)
                or not isinstance(size, int) or isinstance(size, bool) or size < 0):
            result.add("bad_manifest", MANIFEST, f"a malformed file entry: {json.dumps(entry)[:200]}")
            return None
        if path in listed:
            result.add("bad_manifest", MANIFEST, f"{path} is listed twice")
            return None
        listed[path] = (sha, size)
    return listed


def verify_package(source: bytes | str | Path | IO[bytes], public_pem: bytes) -> Verification:
    """Check a package: the signature of manifest.json with ``public_pem``, then every file against the manifest
    (changed, missing, extra). Every problem found is reported, not only the first. An unusable key or a path that
    cannot be read raises ``EvidenceError``; anything wrong with the package itself is a ``Problem``."""
    load_public_key(public_pem)  # a bad key is the caller's error, not the package's
    result = Verification()
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    try:
        zf = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile) as exc:
        if isinstance(source, (str, Path)) and not isinstance(exc, zipfile.BadZipFile):
            raise EvidenceError(f"cannot read {source}: {exc}") from exc
        result.add("unreadable", str(source) if isinstance(source, (str, Path)) else "package",
                   f"not a ZIP file ({exc})")
        return result
    with zf:
        names = [info.filename for info in zf.infolist()]
        for name in sorted({n for n in names if names.count(n) > 1}):
            result.add("duplicate", name, "the package holds two entries of this name")
        _verify_members(zf, set(names), public_pem, result)
    return result


def _read(zf: zipfile.ZipFile, name: str, result: Verification) -> bytes | None:
    try:
        return zf.read(name)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
        result.add("changed", name, f"its bytes in the ZIP are damaged ({exc})")
        return None


def _verify_members(zf: zipfile.ZipFile, names: set[str], public_pem: bytes, result: Verification) -> None:
    if MANIFEST not in names:
        result.add("no_manifest", MANIFEST, "the package has no manifest")
        return
    manifest_bytes = _read(zf, MANIFEST, result)
    if manifest_bytes is None:
        return
    result.manifest_digest = digest(manifest_bytes)
    if SIGNATURE not in names:
        result.add("no_signature", SIGNATURE, "the package has no signature of its manifest")
    else:
        signature = _read(zf, SIGNATURE, result)
        if signature is not None:
            result.signature_valid = signature_valid(public_pem, manifest_bytes, signature)
            if not result.signature_valid:
                result.add("bad_signature", SIGNATURE, "the manifest's signature does not verify with the public "
                                                       "key: the manifest was changed, or another key signed it")
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        result.add("bad_manifest", MANIFEST, f"not JSON ({exc})")
        return
    result.manifest = manifest if isinstance(manifest, dict) else None
    listed = _files_of(manifest, result)
    if listed is None:
        return
    for path in sorted(listed):
        want_sha, want_size = listed[path]
        if path not in names:
            result.add("missing", path, "listed in the manifest, not in the package")
            continue
        try:
            sha, size = _hash_member(zf, path)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
            result.add("changed", path, f"its bytes in the ZIP are damaged ({exc})")
            continue
        result.files_checked += 1
        if sha != want_sha or size != want_size:
            result.add("changed", path, f"SHA-256 {sha} ({size} bytes), the manifest says {want_sha} "
                                        f"({want_size} bytes)")
    for name in sorted(names - set(listed) - RESERVED):
        result.add("extra", name, "in the package, not in the manifest")
