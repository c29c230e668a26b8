"""Ed25519 signatures over a library's content digest.

The hub signs the content digest of every release (``sha256:…``, see ``docs/library-format.md``); the engine and the
SDKs verify it with the hub's public key before they use a bundle. The digest covers every content file, and
:func:`wildwatch.detect.library.load_bundle` checks the files against it, so one signature covers the whole library.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .library import Library, LibraryError, load_bundle


def generate_key() -> bytes:
    """A new Ed25519 private key, as unencrypted PKCS#8 PEM."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _private(private_pem: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(private_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise LibraryError(f"not a usable private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise LibraryError("the signing key is not an Ed25519 key")
    return key


def _public(public_pem: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(public_pem)
    except (ValueError, TypeError) as exc:
        raise LibraryError(f"not a usable public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise LibraryError("the public key is not an Ed25519 key")
    return key


def public_key_pem(private_pem: bytes) -> bytes:
    """The public key (SubjectPublicKeyInfo PEM) of a private key."""
    return _private(private_pem).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def sign_digest(private_pem: bytes, content_digest: str) -> str:
    """The base64 Ed25519 signature of a content digest (the ``sha256:…`` string, UTF-8)."""
    return base64.b64encode(_private(private_pem).sign(content_digest.encode("utf-8"))).decode("ascii")


def verify_digest(public_pem: bytes, content_digest: str, signature_b64: str) -> None:
    """Raise ``LibraryError("bad signature")`` unless the signature of the digest is valid for the key."""
    key = _public(public_pem)
    try:
        signature = base64.b64decode(signature_b64.encode("ascii"), validate=True)
        key.verify(signature, content_digest.encode("utf-8"))
    except (InvalidSignature, binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise LibraryError("bad signature") from exc


def load_signed_bundle(data: bytes, signature_b64: str, public_pem: bytes) -> tuple[Library, dict[str, Any]]:
    """Load a bundle (checking its file digests and content digest), then verify the signature of its content
    digest. A bundle is used only after both checks pass."""
    library, manifest = load_bundle(data)
    verify_digest(public_pem, str(manifest.get("content_digest", "")), signature_b64)
    return library, manifest


def load_private_key(private_pem: bytes) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM; :class:`LibraryError` names what is wrong."""
    return _private(private_pem)


def load_public_key(public_pem: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM; :class:`LibraryError` names what is wrong."""
    return _public(public_pem)
