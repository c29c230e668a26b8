"""Synthetic, deterministic photo-like images for the signal tests (no image files in the repository)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter


def make_photo(seed: int, size: tuple[int, int] = (800, 600)) -> Image.Image:
    """Smooth colour gradients and waves, a dozen filled shapes, sensor-like noise, a slight blur."""
    rng = np.random.default_rng(seed)
    width, height = size
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    pixels = np.zeros((height, width, 3))
    for channel in range(3):
        a, b, phase = rng.uniform(-1, 1, 3)
        pixels[..., channel] = (128 + 60 * (a * x / width + b * y / height)
                                + 30 * np.sin(x / width * rng.uniform(2, 8) + phase))
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        x1, y1 = x0 + int(rng.integers(40, width // 2)), y0 + int(rng.integers(40, height // 2))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse([x0, y0, x1, y1], fill=colour)
        else:
            draw.rectangle([x0, y0, x1, y1], fill=colour)
    noisy = np.asarray(image).astype(np.float64) + rng.normal(0, 8, (height, width, 3))
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.2))


def encode(image: Image.Image, fmt: str = "JPEG", **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


@pytest.fixture(scope="session")
def photo() -> Callable[..., Image.Image]:
    return make_photo


@pytest.fixture(scope="session")
def encoded() -> Callable[..., bytes]:
    return encode
