"""Request bodies of the API (pydantic, through ninja): validated before any handler runs."""

from __future__ import annotations

import binascii
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, BaseModel, field_validator, model_validator

from wildwatch.detect.categories import CATEGORIES

MAX_IMAGES = 4
MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_BATCH = 1000
#: base64 of MAX_IMAGE_BYTES, with room for line breaks: longer texts are refused before decoding
_MAX_IMAGE_B64 = (MAX_IMAGE_BYTES + 2) // 3 * 4 + 4096


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain the NUL character")
    return value


#: text the hub stores or looks up in its database: PostgreSQL's text cannot hold NUL (a 500 there, not on SQLite)
StoredText = Annotated[str, AfterValidator(_no_nul)]

VerdictTaken = Literal["removed_listing", "removed_account", "removed_post", "removed_group", "no_violation"]
PolicyName = Literal[CATEGORIES]  # type: ignore[valid-type]


def check_images(images: list[str]) -> list[str]:
    """Base64 images, each at most ``MAX_IMAGE_BYTES`` once decoded (a ``ValueError`` names the first bad one)."""
    for n, image in enumerate(images):
        if len(image) > _MAX_IMAGE_B64:
            raise ValueError(f"image {n} is over {MAX_IMAGE_BYTES} bytes")
        decode_image(image, n)
    return images


def decode_image(image: str, n: int = 0) -> bytes:
    """The bytes of a base64 image (validated as ``check_images`` does)."""
    try:
        data = binascii.a2b_base64(image.encode("ascii"), strict_mode=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError(f"image {n} is not valid base64") from exc
    if len(data) > MAX_IMAGE_BYTES:
        raise ValueError(f"image {n} is over {MAX_IMAGE_BYTES} bytes")
    return data


class Seller(Schema):
    id: str = Field(min_length=1, max_length=200)
    contacts: list[str] = Field(default_factory=list, max_length=100)


class CheckItem(Schema):
    """A listing or post: ``text``, or ``title`` and ``description``."""

    id: StoredText = Field(min_length=1, max_length=200)  # echoed, and stored with an Idempotency-Key
    text: str | None = None
    title: str | None = None
    description: str | None = None
    lang: str | None = Field(default=None, max_length=35)
    url: str | None = Field(default=None, max_length=4096)
    seller: Seller | None = None
    image_urls: list[str] = Field(default_factory=list, max_length=100)
    images: list[str] = Field(default_factory=list, max_length=MAX_IMAGES,
                              description=f"base64 images, at most {MAX_IMAGES}, each at most {MAX_IMAGE_BYTES} bytes")

    @field_validator("images")
    @classmethod
    def _images(cls, images: list[str]) -> list[str]:
        return check_images(images)

    @model_validator(mode="after")
    def _has_text(self) -> CheckItem:
        if not self.text and (self.title is None or self.description is None):
            raise ValueError("'text', or 'title' and 'description', is required")
        return self

    def listing(self) -> dict[str, str]:
        """What the engine reads."""
        return {"text": self.text or "", "title": self.title or "", "description": self.description or ""}


class Batch(Schema):
    items: list[dict[str, object]] = Field(max_length=MAX_BATCH)


class SearchQuery(Schema):
    query: str = Field(max_length=4096)
    lang: str | None = Field(default=None, max_length=35)


class RemovedContent(BaseModel):
    """What was removed, to share as signals (hashes only): images, the listing's text, the seller's contacts.
    A plain pydantic model: a ninja ``Schema`` reads attributes off any object, so it would take ``0`` for an
    empty content."""

    images: list[str] = Field(default_factory=list, max_length=MAX_IMAGES)
    image_urls: list[str] = Field(default_factory=list, max_length=MAX_IMAGES)
    text: StoredText | None = Field(default=None, max_length=100_000)
    contacts: list[StoredText] = Field(default_factory=list, max_length=20)

    @field_validator("images")
    @classmethod
    def _images(cls, images: list[str]) -> list[str]:
        return check_images(images)


class DecisionIn(Schema):
    id: StoredText = Field(min_length=1, max_length=200)
    verdict_taken: VerdictTaken
    policy: PolicyName
    terms_confirmed: list[StoredText] = Field(default_factory=list, max_length=1000)
    terms_rejected: list[StoredText] = Field(default_factory=list, max_length=1000)
    #: with a removal, shared as signals when the member company shares signals
    content: RemovedContent | None = None
