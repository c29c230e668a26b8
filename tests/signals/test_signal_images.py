"""PDQ and SHA-256 of images: robustness to a re-poster's edits, distinctness, safe decoding."""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Callable
from itertools import combinations

import pytest
from PIL import Image, ImageEnhance

from wildwatch.signals import images
from wildwatch.signals.images import (
    MIN_QUALITY,
    PDQ_RADIUS,
    ImageError,
    hamming,
    hash_image,
    pdq_from_base64,
    pdq_from_hex,
    pdq_to_base64,
    pdq_to_hex,
)

Photo = Callable[..., Image.Image]
Encode = Callable[..., bytes]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_edited_copies_stay_within_the_radius(seed: int, photo: Photo, encoded: Encode) -> None:
    base = photo(seed)
    width, height = base.size
    original = hash_image(encoded(base, quality=95))
    assert original.quality >= MIN_QUALITY and original.usable
    copies = {
        "jpeg q70": encoded(base, quality=70),
        "resized to 50%": encoded(base.resize((width // 2, height // 2), Image.Resampling.LANCZOS), quality=85),
        "cropped 1% each side": encoded(base.crop((8, 6, width - 8, height - 6)), quality=85),
        "brightened 10%": encoded(ImageEnhance.Brightness(base).enhance(1.1), quality=85),
        "png": encoded(base, "PNG"),
        "webp q75": encoded(base, "WEBP", quality=75),
    }
    distances = {name: hamming(original.pdq, hash_image(data).pdq) for name, data in copies.items()}
    assert all(d <= PDQ_RADIUS for d in distances.values()), distances
    # the exact hash tells the copies apart from the original
    assert all(hash_image(data).sha256 != original.sha256 for data in copies.values())


def test_unrelated_images_do_not_match(photo: Photo, encoded: Encode) -> None:
    hashes = [hash_image(encoded(photo(100 + i), quality=90)) for i in range(20)]
    assert all(h.usable for h in hashes)
    distances = [hamming(a.pdq, b.pdq) for a, b in combinations(hashes, 2)]
    assert len(distances) == 190
    assert min(distances) > PDQ_RADIUS, min(distances)


def test_the_same_bytes_give_the_same_hashes(photo: Photo, encoded: Encode) -> None:
    data = encoded(photo(4), quality=90)
    first, second = hash_image(data), hash_image(data)
    assert first == second
    assert first.sha256 == hashlib.sha256(data).hexdigest()
    assert len(first.pdq) == 32


@pytest.mark.parametrize("mode", ["L", "P", "CMYK", "RGBA"])
def test_modes_are_converted_to_rgb(mode: str, photo: Photo, encoded: Encode) -> None:
    base = photo(5)
    original = hash_image(encoded(base, "PNG"))
    converted = base.quantize(256) if mode == "P" else base.convert(mode)
    data = encoded(converted, "JPEG", quality=95) if mode == "CMYK" else encoded(converted, "PNG")
    assert images.decode_image(data).mode == "RGB"
    assert hamming(original.pdq, hash_image(data).pdq) <= PDQ_RADIUS


def test_transparency_is_flattened_on_white(photo: Photo, encoded: Encode) -> None:
    base = photo(6)
    half = base.width // 2
    on_white = base.copy()
    on_white.paste((255, 255, 255), (0, 0, half, base.height))
    transparent = base.convert("RGBA")
    transparent.paste((0, 0, 0, 0), (0, 0, half, base.height))  # black, but fully transparent
    assert hamming(hash_image(encoded(on_white, "PNG")).pdq, hash_image(encoded(transparent, "PNG")).pdq) <= 4


def test_exif_orientation_is_applied(photo: Photo, encoded: Encode) -> None:
    base = photo(7)
    upright = hash_image(encoded(base, quality=95))
    stored = base.transpose(Image.Transpose.ROTATE_90)  # as a phone stores a picture taken sideways
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    tagged = hash_image(encoded(stored, quality=95, exif=exif))
    untagged = hash_image(encoded(stored, quality=95))
    assert hamming(upright.pdq, tagged.pdq) <= PDQ_RADIUS
    assert hamming(upright.pdq, untagged.pdq) > PDQ_RADIUS


def test_large_jpegs_are_decoded_reduced(photo: Photo, encoded: Encode) -> None:
    big = photo(8, size=(3200, 2400))
    decoded = images.decode_image(encoded(big, quality=90))
    assert max(decoded.size) <= images.HASH_SIDE
    small = hash_image(encoded(big.resize((800, 600), Image.Resampling.LANCZOS), quality=90))
    assert hamming(hash_image(encoded(big, quality=90)).pdq, small.pdq) <= PDQ_RADIUS


def test_a_flat_image_has_a_low_quality(encoded: Encode) -> None:
    flat = hash_image(encoded(Image.new("RGB", (400, 300), (200, 180, 160)), "PNG"))
    assert flat.quality < MIN_QUALITY and not flat.usable


@pytest.mark.parametrize("data", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "a string"])
def test_invalid_data_is_refused(data: object) -> None:
    with pytest.raises(ImageError):
        hash_image(data)  # type: ignore[arg-type]


def test_truncated_image_is_refused(photo: Photo, encoded: Encode) -> None:
    data = encoded(photo(9), "PNG")
    with pytest.raises(ImageError):
        hash_image(data[: len(data) // 2])


@pytest.mark.parametrize("fmt", ["PPM", "TGA", "ICO", "PCX"])
def test_unsupported_formats_are_refused(fmt: str, encoded: Encode) -> None:
    data = encoded(Image.new("RGB", (64, 64), (10, 20, 30)), fmt)
    with pytest.raises(ImageError, match="supported format"):
        hash_image(data)


def _png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares a huge image (a decompression bomb's first step)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    header = struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    idat = zlib.compress(b"\x00" * 64)
    body = struct.pack(">I", len(idat)) + b"IDAT" + idat + struct.pack(">I", zlib.crc32(b"IDAT" + idat))
    end = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    return b"\x89PNG\r\n\x1a\n" + header + body + end


def test_images_over_the_pixel_limit_are_refused_from_the_header() -> None:
    assert images.MAX_PIXELS < 7100 * 7100
    with pytest.raises(ImageError, match="too large"):
        hash_image(_png_declaring(7100, 7100))
    with pytest.raises(ImageError, match="too large"):
        hash_image(_png_declaring(40_000, 40_000))  # beyond Pillow's own bomb limit too


def test_the_pixel_limit_is_ours(monkeypatch: pytest.MonkeyPatch, encoded: Encode) -> None:
    monkeypatch.setattr(images, "MAX_PIXELS", 100 * 100)
    hash_image(encoded(Image.new("RGB", (100, 100)), "PNG"))
    with pytest.raises(ImageError, match="too large"):
        hash_image(encoded(Image.new("RGB", (101, 100)), "PNG"))


def test_files_over_the_byte_limit_are_refused(monkeypatch: pytest.MonkeyPatch, encoded: Encode) -> None:
    data = encoded(Image.new("RGB", (64, 64)), "PNG")
    monkeypatch.setattr(images, "MAX_BYTES", len(data) - 1)
    with pytest.raises(ImageError, match="too large"):
        hash_image(data)


def test_image_error_is_a_value_error() -> None:
    assert issubclass(ImageError, ValueError)


def test_hamming() -> None:
    zero = bytes(32)
    assert hamming(zero, zero) == 0
    assert hamming(zero, b"\xff" * 32) == 256
    assert hamming(zero, bytes(31) + b"\x07") == 3
    with pytest.raises(ValueError):
        hamming(zero, bytes(31))


def test_hex_and_base64_forms() -> None:
    pdq = bytes(range(32))
    text = pdq_to_hex(pdq)
    assert text == pdq.hex() and len(text) == 64
    assert pdq_from_hex(text) == pdq
    assert pdq_from_hex(text.upper()) == pdq
    assert pdq_from_base64(pdq_to_base64(pdq)) == pdq
    for bad in ["", text[:-2], text + "00", "zz" * 32]:
        with pytest.raises(ValueError):
            pdq_from_hex(bad)
    for bad_b64 in ["", "AAAA", "!!!!" * 11]:
        with pytest.raises(ValueError):
            pdq_from_base64(bad_b64)
    with pytest.raises(ValueError):
        pdq_to_hex(bytes(31))


def test_truncated_images_are_refused_even_after_weasyprint_loads(photo: Photo, encoded: Encode) -> None:
    """WeasyPrint turns Pillow's process-wide LOAD_TRUNCATED_IMAGES on when imported (the hub renders PDFs)."""
    import weasyprint  # noqa: F401 - imported for its side effect
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    data = encoded(photo(9), "PNG")
    with pytest.raises(ImageError):
        hash_image(data[: len(data) // 2])
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # left as it was
