"""Screenshots sent with public reports: a cap on the upload, a check of the content with Pillow, and a short-lived
copy kept while the reporter corrects another field (a browser cannot fill a file input again)."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import Any

from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
#: decoding a bigger picture would take too much memory (a screenshot is far smaller)
MAX_PIXELS = 40_000_000
#: Pillow's format name -> (file extension, content type)
FORMATS: dict[str, tuple[str, str]] = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}
ACCEPT = ",".join(ct for _, ct in FORMATS.values())
KEEP_SECONDS = 3600
_PREFIX = "wildwatch:reports:screenshot:"


class BadScreenshot(ValueError):
    """A file that cannot be a report's screenshot; the message is for the reporter, translated."""


class OversizedUpload(SimpleUploadedFile):
    """Stands for a file over the cap: its bytes past the cap were never stored. ``size`` is what was received."""

    def __init__(self, name: str, content_type: str, received: int) -> None:
        super().__init__(name or "upload", b"", content_type)
        self.size = received


class CappedUploadHandler(FileUploadHandler):
    """First among the upload handlers: passes at most ``MAX_BYTES`` of a file on to the others and drops the rest,
    so that a huge upload never reaches the disk, while the fields after it are still read."""

    def __init__(self, request: Any = None, limit: int = MAX_BYTES) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        return raw_data if self.received <= self.limit else None

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if self.received > self.limit:
            return OversizedUpload(self.file_name or "", self.content_type or "", self.received)
        return None  # the next handler has the whole file


@dataclass(frozen=True)
class Screenshot:
    """A checked image: its bytes, the format Pillow found, the name it is stored under, and its SHA-256."""

    data: bytes
    format: str
    sha256: str
    original_name: str

    @property
    def name(self) -> str:
        return f"screenshot.{FORMATS[self.format][0]}"

    @property
    def size(self) -> int:
        return len(self.data)

    def upload(self) -> SimpleUploadedFile:
        """A fresh file to hand to ``file_report`` (named after its real format, whatever the sender called it)."""
        return SimpleUploadedFile(self.name, self.data, FORMATS[self.format][1])


def too_big_message(size: int) -> str:
    return _("The screenshot is %(size)s: the limit is %(limit)s. Send a smaller image.") % {
        "size": filesizeformat(size), "limit": filesizeformat(MAX_BYTES)}


def check(upload: UploadedFile) -> Screenshot:
    """The upload as a checked screenshot, or :class:`BadScreenshot`: over ``MAX_BYTES``, not PNG, JPEG, WebP or
    GIF by its content (the name and the declared type are not believed), damaged, or too many pixels."""
    size = upload.size or 0
    if isinstance(upload, OversizedUpload) or size > MAX_BYTES:
        raise BadScreenshot(too_big_message(size))
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise BadScreenshot(too_big_message(len(data)))
    not_image = _("This file is not an image in a format we accept (PNG, JPEG, WebP or GIF), or it is damaged.")
    if not data:
        raise BadScreenshot(not_image)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
                found = str(image.format)
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise BadScreenshot(_("This image is too large in pixels: send a screenshot of the listing."))
                image.verify()
            with Image.open(io.BytesIO(data), formats=[found]) as image:
                image.load()  # a truncated or corrupt picture fails here (verify reads only PNG's checksums)
    except BadScreenshot:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, TypeError, EOFError, IndexError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise BadScreenshot(not_image) from exc
    if found not in FORMATS:
        raise BadScreenshot(not_image)
    return Screenshot(data, found, hashlib.sha256(data).hexdigest(), (upload.name or "")[-100:])


# --- kept while the reporter corrects the form -------------------------------------------------------------------


def keep(nonce: str, shot: Screenshot) -> None:
    caches["default"].set(_PREFIX + nonce, {"data": shot.data, "format": shot.format, "sha256": shot.sha256,
                                           "original_name": shot.original_name}, timeout=KEEP_SECONDS)


def kept(nonce: str) -> Screenshot | None:
    value = caches["default"].get(_PREFIX + nonce)
    if not isinstance(value, dict) or value.get("format") not in FORMATS or not isinstance(value.get("data"), bytes):
        return None
    data: bytes = value["data"]
    if hashlib.sha256(data).hexdigest() != value.get("sha256"):
        return None
    return Screenshot(data, str(value["format"]), str(value["sha256"]), str(value.get("original_name", "")))


def drop(nonce: str) -> None:
    caches["default"].delete(_PREFIX + nonce)
