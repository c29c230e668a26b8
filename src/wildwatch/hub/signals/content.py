"""From a listing's content (base64 images, image URLs, text, seller contacts) to what the bank stores and
matches: PDQ and SHA-256 hashes of the images, the text's MinHash, the contacts normalised (then HMAC'd by the
services with the hub's key). An image that cannot be read or fetched is skipped with a reason, never fatal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from wildwatch.hub.accounts.models import Platform
from wildwatch.hub.checks.schemas import decode_image
from wildwatch.hub.enforcement.identifiers import region_of
from wildwatch.signals.contacts import contact_values
from wildwatch.signals.images import MIN_QUALITY, ImageError, ImageHash, hash_image, pdq_to_hex
from wildwatch.signals.texts import TextFingerprint, text_fingerprint

from . import fetch
from .models import Kind
from .services import Content


@dataclass
class Found:
    images: list[ImageHash] = field(default_factory=list)
    text: TextFingerprint | None = None
    contacts: set[tuple[str, str]] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    @property
    def content(self) -> Content:
        """What a contribution stores: images of too low a PDQ quality share their exact hash only."""
        hashes: list[tuple[str, str]] = []
        for image in self.images:
            if image.quality >= MIN_QUALITY:
                hashes.append((Kind.IMAGE_PDQ, pdq_to_hex(image.pdq)))
            hashes.append((Kind.IMAGE_SHA256, image.sha256))
        if self.text is not None:
            hashes.append((Kind.TEXT, self.text.to_base64()))
        return Content(hashes=hashes, contacts=set(self.contacts))


def build(platform: Platform, *, images: Sequence[str] = (), image_urls: Sequence[str] = (), text: str | None = None,
          contacts: Sequence[str] = (), fingerprint_text: bool = True, contacts_in_text: bool = True) -> Found:
    """Hash what the item holds (``images`` in base64, already validated; ``image_urls`` fetched from allow-listed
    hosts only, at most ``fetch.MAX_URLS``). A check passes ``fingerprint_text`` / ``contacts_in_text`` False when
    the bank holds no text signal / no contact signal: the text's fingerprint or its contacts could match nothing,
    and they are most of a check's cost."""
    found = Found()
    raw: list[tuple[str, bytes]] = [(f"image {n}", decode_image(image, n)) for n, image in enumerate(images)]
    if image_urls:
        allowed = fetch.allowed_hosts(platform.domains or [])
        for n, url in enumerate(image_urls[:fetch.MAX_URLS]):
            try:
                raw.append((f"image_urls[{n}]", fetch.fetch(url, allowed)))
            except fetch.FetchError as exc:
                found.problems.append(f"image_urls[{n}]: {exc}")
        if len(image_urls) > fetch.MAX_URLS:
            found.problems.append(f"only the first {fetch.MAX_URLS} image URLs are fetched")
    for name, data in raw:
        try:
            found.images.append(hash_image(data))
        except ImageError as exc:
            found.problems.append(f"{name}: {exc}")
    if text and fingerprint_text:
        found.text = text_fingerprint(text)
    found.contacts = contact_values(texts=[text] if text and contacts_in_text else [], contacts=contacts,
                                    region=region_of(platform.countries or []))
    return found
