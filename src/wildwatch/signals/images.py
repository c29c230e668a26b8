"""Image signals: the PDQ perceptual hash and the SHA-256 of the raw bytes, from untrusted image data.

PDQ (Meta's open perceptual hash, the one the industry's hash-sharing programmes use) turns an image into 256 bits
that stay close under the edits a re-poster makes: re-encoding, resizing, light cropping, brightness changes.
Two hashes are compared by their Hamming distance (`hamming`); `PDQ_RADIUS` is the match distance. The SHA-256
finds the very same file whatever its PDQ quality.

Decoding is defensive, since the bytes come from anyone: only the formats of `FORMATS`; at most `MAX_BYTES` and
`MAX_PIXELS` (checked from the header, before any pixel is decoded: a small file can declare a huge image); broken
files raise `ImageError`. The EXIF orientation is applied, transparency is flattened on white, every mode becomes
RGB, and the image is reduced to at most `HASH_SIDE` pixels a side before hashing (PDQ reduces it to 64×64 anyway).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import io
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import numpy as np
import pdqhash
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

__all__ = [
    "FORMATS",
    "HASH_SIDE",
    "MAX_BYTES",
    "MAX_PIXELS",
    "MIN_QUALITY",
    "PDQ_BYTES",
    "PDQ_RADIUS",
    "ImageError",
    "ImageHash",
    "decode_image",
    "hamming",
    "hash_image",
    "pdq_from_base64",
    "pdq_from_hex",
    "pdq_to_base64",
    "pdq_to_hex",
]

#: A PDQ hash is 256 bits.
PDQ_BYTES: Final = 32
#: The match distance: two PDQ hashes at most this many bits apart are the same picture. It is the threshold PDQ's
#: authors recommend (ThreatExchange's PDQ documentation: "31 or less"), which keeps false matches between unrelated
#: photos very rare (random hashes are ~128 bits apart) while catching re-encoded, resized and lightly cropped copies.
PDQ_RADIUS: Final = 31
#: Below this PDQ quality (0–100: how much gradient the image has) the hash is unreliable: flat or nearly blank
#: images (a logo on white, a blank frame) all hash alike. Such hashes are neither contributed nor matched; their
#: SHA-256 still is. 50 is the cut-off PDQ's authors suggest.
MIN_QUALITY: Final = 50
#: Largest decoded image accepted (width × height): ~50 megapixels, beyond any marketplace photo; a decompression
#: bomb (a few kilobytes declaring a giant image) is refused from its header.
MAX_PIXELS: Final = 50_000_000
#: Largest file accepted.
MAX_BYTES: Final = 50 * 1024 * 1024
#: Images are reduced to at most this many pixels a side before hashing (PDQ works on a 64×64 reduction).
HASH_SIDE: Final = 512
#: The formats decoded (Pillow's names; the JPEG decoder also opens phones' multi-picture JPEGs, MPO).
FORMATS: Final[tuple[str, ...]] = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")

# what Pillow's decoders raise on broken or hostile input
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error, IndexError, KeyError, TypeError,
                  ZeroDivisionError, Image.DecompressionBombError)


class ImageError(ValueError):
    """The data is not an image this module accepts (not an image, an unsupported format, too large, broken)."""


@dataclass(frozen=True, slots=True)
class ImageHash:
    """The signals of one image: its PDQ hash (32 bytes) and quality, and the SHA-256 (hex) of the raw bytes."""

    pdq: bytes
    quality: int
    sha256: str

    @property
    def usable(self) -> bool:
        """Whether the PDQ hash is reliable enough to contribute or match (quality ≥ `MIN_QUALITY`)."""
        return self.quality >= MIN_QUALITY

    @property
    def pdq_hex(self) -> str:
        return pdq_to_hex(self.pdq)


def hash_image(data: bytes) -> ImageHash:
    """PDQ hash, PDQ quality and SHA-256 of an encoded image; `ImageError` when it cannot be decoded safely."""
    image = decode_image(data)
    digest = hashlib.sha256(data).hexdigest()
    pixels = np.ascontiguousarray(np.asarray(image, dtype=np.uint8))
    bits, quality = pdqhash.compute(pixels)
    pdq = np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes()
    return ImageHash(pdq=pdq, quality=int(quality), sha256=digest)


def decode_image(data: bytes) -> Image.Image:
    """Decode untrusted image bytes to an RGB image, oriented by its EXIF tag, at most `HASH_SIDE` a side.

    Raises `ImageError` for data that is not an image of `FORMATS`, is larger than `MAX_BYTES` or `MAX_PIXELS`,
    or fails to decode.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ImageError(f"image data must be bytes, not {type(data).__name__}")
    if len(data) == 0:
        raise ImageError("empty image data")
    if len(data) > MAX_BYTES:
        raise ImageError(f"image file too large: {len(data):,} bytes (at most {MAX_BYTES:,})")
    try:
        opened = Image.open(io.BytesIO(bytes(data)), formats=FORMATS)
    except UnidentifiedImageError:
        raise ImageError(f"not an image in a supported format ({', '.join(FORMATS)})") from None
    except Image.DecompressionBombError:  # Pillow's own limit (far above ours) fired while reading the header
        raise ImageError(f"image too large (at most {MAX_PIXELS:,} pixels)") from None
    except _DECODE_ERRORS as exc:
        raise ImageError(f"unreadable image: {exc}") from None
    try:
        width, height = opened.size
        if width <= 0 or height <= 0:
            raise ImageError(f"invalid image size {width}×{height}")
        if width * height > MAX_PIXELS:
            raise ImageError(f"image too large: {width}×{height} pixels (at most {MAX_PIXELS:,})")
        if opened.format in ("JPEG", "MPO"):
            # decode JPEGs directly at a reduced scale (1/2, 1/4, 1/8) when they are much larger than needed
            opened.draft("RGB", (HASH_SIDE, HASH_SIDE))
        with _truncated_refused():
            opened.load()
        image = ImageOps.exif_transpose(opened)
        image = _to_rgb(image)
        image.thumbnail((HASH_SIDE, HASH_SIDE), Image.Resampling.BILINEAR)
    except ImageError:
        raise
    except _DECODE_ERRORS as exc:
        raise ImageError(f"unreadable image: {exc}") from None
    return image


@contextlib.contextmanager
def _truncated_refused() -> Iterator[None]:
    """Pillow's ``ImageFile.LOAD_TRUNCATED_IMAGES`` is process-wide, and WeasyPrint sets it on import (the hub
    renders PDFs in the same process): a truncated upload must still be refused, so it is off while we decode."""
    with _TRUNCATED_LOCK:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


_TRUNCATED_LOCK = threading.Lock()


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB from any mode: transparency flattened on white, 16-bit and float greys scaled to 8 bits."""
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if mode in ("I", "F") or mode.startswith("I;16"):
        values = np.asarray(image, dtype=np.float64)
        top = float(values.max()) if values.size else 0.0
        scale = 255.0 / 65535.0 if top > 255.0 else 1.0
        grey = np.clip(values * scale, 0, 255).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    return image.convert("RGB")


def hamming(a: bytes, b: bytes) -> int:
    """The number of differing bits between two hashes of the same length."""
    if len(a) != len(b):
        raise ValueError(f"hashes of different lengths: {len(a)} and {len(b)} bytes")
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).bit_count()


def _check(pdq: bytes) -> bytes:
    if not isinstance(pdq, bytes | bytearray) or len(pdq) != PDQ_BYTES:
        raise ValueError(f"a PDQ hash is {PDQ_BYTES} bytes")
    return bytes(pdq)


def pdq_to_hex(pdq: bytes) -> str:
    """The 64-character lowercase hex form (PDQ's own text form, as ThreatExchange writes it)."""
    return _check(pdq).hex()


def pdq_from_hex(text: str) -> bytes:
    """The 32 bytes of a hex PDQ hash; `ValueError` unless it is exactly 64 hex digits."""
    if not isinstance(text, str) or len(text) != 2 * PDQ_BYTES:
        raise ValueError(f"a PDQ hash in hex is {2 * PDQ_BYTES} hex digits")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ValueError("a PDQ hash in hex is 64 hex digits") from None


def pdq_to_base64(pdq: bytes) -> str:
    """The 44-character standard base64 form."""
    return base64.b64encode(_check(pdq)).decode("ascii")


def pdq_from_base64(text: str) -> bytes:
    """The 32 bytes of a base64 PDQ hash; `ValueError` unless it decodes to exactly 32 bytes."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise ValueError("not valid base64") from None
    return _check(raw)
