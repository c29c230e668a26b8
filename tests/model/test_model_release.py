"""A release ships a classifier in its bundle (``library/model.json``): covered by the digest and the signature, used
by a Detector built from the bundle with the release's settings; a tampered or malformed model is refused."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from wildwatch.detect.engine import Detector
from wildwatch.detect.library import MODEL_FILE, LibraryError, load_bundle, load_starter
from wildwatch.detect.signing import generate_key, load_signed_bundle, public_key_pem, sign_digest
from wildwatch.model import Model


def _bundle(model: Model, **settings: bool) -> bytes:
    library = load_starter()
    library.model = {"artefact": model.to_dict(), "settings": settings}
    return library.to_bundle()


def test_a_bundle_carries_the_model_and_its_settings(model: Model) -> None:
    data = _bundle(model, model_may_block=True, model_may_clear=False)
    library, manifest = load_bundle(data)
    assert MODEL_FILE in manifest["files"]
    detector = Detector(library)
    assert detector.model is not None and detector.model.digest == model.digest
    assert detector.model_may_block is True and detector.model_may_clear is False
    assert "model" in detector.check("a wooden chair").to_dict()
    assert "model" not in Detector(load_starter()).check("a wooden chair").to_dict()  # without: unchanged
    key = generate_key()
    signed, _ = load_signed_bundle(data, sign_digest(key, manifest["content_digest"]), public_key_pem(key))
    assert signed.model == library.model  # the signature covers the model


def test_a_tampered_model_is_refused(model: Model) -> None:
    data = _bundle(model)
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in source.namelist():
            body = source.read(name)
            if name == MODEL_FILE:
                doc = json.loads(body)
                doc["settings"]["model_may_block"] = True  # raised without an analyst
                body = json.dumps(doc).encode()
            zf.writestr(name, body)
    with pytest.raises(LibraryError, match="altered"):
        load_bundle(out.getvalue())


def test_a_malformed_model_document_is_refused(model: Model) -> None:
    library = load_starter()
    library.model = {"settings": {}}
    with pytest.raises(LibraryError, match="artefact"):
        load_bundle(library.to_bundle())
    bad = model.to_dict()
    bad["linear"]["coef"] = bad["linear"]["coef"][:-1]
    library.model = {"artefact": bad, "settings": {}}
    library_back, _ = load_bundle(library.to_bundle())
    with pytest.raises(LibraryError):
        Detector(library_back)
