"""Ed25519 signatures over the content digest: the engine verifies a bundle before it uses it."""

from __future__ import annotations

import base64
import io
import json
import zipfile

import pytest

from wildwatch.detect.engine import Detector
from wildwatch.detect.library import Library, LibraryError, canonical_json
from wildwatch.detect.signing import (
    generate_key,
    load_signed_bundle,
    public_key_pem,
    sign_digest,
    verify_digest,
)


@pytest.fixture(scope="module")
def key() -> bytes:
    return generate_key()


def test_round_trip(key: bytes, tiny: Library) -> None:
    assert key.startswith(b"-----BEGIN PRIVATE KEY-----")
    public = public_key_pem(key)
    assert public.startswith(b"-----BEGIN PUBLIC KEY-----")
    digest = tiny.digest()
    signature = sign_digest(key, digest)
    assert len(base64.b64decode(signature)) == 64
    verify_digest(public, digest, signature)  # no exception
    library, manifest = load_signed_bundle(tiny.to_bundle(), signature, public)
    assert manifest["content_digest"] == digest
    assert Detector(library).check("carved ivory for sale").verdict == "block"


def test_tampered_digest_is_refused(key: bytes, tiny: Library) -> None:
    digest = tiny.digest()
    signature = sign_digest(key, digest)
    tampered = digest[:-1] + ("0" if digest[-1] != "0" else "1")
    with pytest.raises(LibraryError, match="bad signature"):
        verify_digest(public_key_pem(key), tampered, signature)


def test_tampered_bundle_is_refused(key: bytes, tiny: Library) -> None:
    """A consistent re-digested bundle (files and manifest rewritten) still fails: the signature is over the
    original digest."""
    signature = sign_digest(key, tiny.digest())
    changed = Library(version=tiny.version, taxa=tiny.taxa, terms=[t for t in tiny.terms if t.term != "ivory"],
                      rules=tiny.rules, profiles=tiny.profiles, messages=tiny.messages)
    with pytest.raises(LibraryError, match="bad signature"):
        load_signed_bundle(changed.to_bundle(), signature, public_key_pem(key))
    # and a bundle altered without updating the manifest never gets as far as the signature
    src = zipfile.ZipFile(io.BytesIO(tiny.to_bundle()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "library/terms.json":
                data = canonical_json(json.loads(data)[1:])
            dst.writestr(name, data)
    with pytest.raises(LibraryError, match="digest mismatch"):
        load_signed_bundle(out.getvalue(), signature, public_key_pem(key))


def test_wrong_key_is_refused(key: bytes, tiny: Library) -> None:
    signature = sign_digest(key, tiny.digest())
    other = public_key_pem(generate_key())
    with pytest.raises(LibraryError, match="bad signature"):
        verify_digest(other, tiny.digest(), signature)
    with pytest.raises(LibraryError, match="bad signature"):
        load_signed_bundle(tiny.to_bundle(), signature, other)


@pytest.mark.parametrize("garbage", ["", "not base64!", base64.b64encode(b"x" * 64).decode(), "é", "AAAA"])
def test_garbage_signature_is_refused(key: bytes, tiny: Library, garbage: str) -> None:
    with pytest.raises(LibraryError, match="bad signature"):
        verify_digest(public_key_pem(key), tiny.digest(), garbage)


def test_garbage_keys_are_refused(tiny: Library) -> None:
    with pytest.raises(LibraryError):
        public_key_pem(b"not a key")
    with pytest.raises(LibraryError):
        verify_digest(b"not a key", tiny.digest(), "AAAA")


@pytest.mark.parametrize(("field", "value"), [("library_version", "9999.1.1"), ("copy_for", "someone-else")])
def test_the_signature_covers_the_version_and_the_copy_owner(tiny: Library, field: str, value: str) -> None:
    key = generate_key()
    data = tiny.to_bundle({"copy_for": "demo-market"})
    signature = sign_digest(key, tiny.digest(copy_for="demo-market"))
    load_signed_bundle(data, signature, public_key_pem(key))  # intact: loads
    src = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(src.read("manifest.json"))
    manifest[field] = value
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, json.dumps(manifest) if name == "manifest.json" else src.read(name))
    with pytest.raises(LibraryError, match="digest mismatch"):
        load_signed_bundle(out.getvalue(), signature, public_key_pem(key))
