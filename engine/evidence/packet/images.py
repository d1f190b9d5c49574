"""Turning contributed images into small, safe JPEGs for the service documentation.

Every image is decoded and re-encoded (never embedded as given): that strips metadata, drops
anything that is not really an image, and lets the packet fit the processor's byte limits.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SOURCE_PIXELS = 60_000_000
"""Larger images are refused before decoding (decompression bombs)."""
MAX_EDGE = 1400
"""Long edge in pixels at full budget: about 180 dpi across an A4 column, plenty for a bank."""
EDGE_LADDER = (1400, 1100, 850, 640, 480, 360, 260)
QUALITY_LADDER = (80, 58)
SMALLEST_QUALITY = 40


class ImageRefused(ValueError):
    """The file is not an image Pillow can decode safely."""


@dataclass(frozen=True)
class EncodedImage:
    data: bytes
    width: int
    height: int
    mime: str = "image/jpeg"


def load_image(path: str) -> Image.Image:
    """Decode ``path`` into an upright RGB image, or raise :class:`ImageRefused`."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                width, height = opened.size
                if width * height > MAX_SOURCE_PIXELS:
                    raise ImageRefused(f"{width}x{height} pixels is too large to embed")
                opened.load()
                image = ImageOps.exif_transpose(opened)
    except (UnidentifiedImageError, Image.DecompressionBombWarning, OSError) as error:
        raise ImageRefused(f"not a readable image: {error}") from None
    except Image.DecompressionBombError as error:
        raise ImageRefused(str(error)) from None
    if image.mode in {"RGBA", "LA", "P", "PA"}:
        # Transparent designs go on white, as they would appear printed.
        rgba = image.convert("RGBA")
        flattened = Image.new("RGB", rgba.size, (255, 255, 255))
        flattened.paste(rgba, mask=rgba.getchannel("A"))
        return flattened
    return image.convert("RGB")


def fit_edge(image: Image.Image, edge: int) -> Image.Image:
    """``image`` shrunk to ``edge`` pixels on its long side. Bicubic: for the gentle downscales
    the ladder makes it looks the same as Lanczos at 70 % of the time (``bench.packet``)."""
    if max(image.size) <= edge:
        return image
    copy = image.copy()
    copy.thumbnail((edge, edge), Image.Resampling.BICUBIC)
    return copy


def encode_jpeg(image: Image.Image, quality: int) -> EncodedImage:
    """Baseline JPEG: progressive and optimised Huffman tables save about 8 % of the bytes but
    take six times as long to encode, and the ladder encodes every image at least twice."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return EncodedImage(buffer.getvalue(), image.width, image.height)


def best_rendition(image: Image.Image) -> EncodedImage:
    """The first rung of :func:`encode_within`'s ladder: what it returns whenever that fits the
    budget (computed ahead, in parallel, by the packet builder)."""
    return encode_jpeg(fit_edge(image, EDGE_LADDER[0]), QUALITY_LADDER[0])


def encode_within(
    image: Image.Image, budget: int, best: EncodedImage | None = None
) -> EncodedImage | None:
    """The best-looking JPEG of ``image`` not larger than ``budget`` bytes, or ``None`` when
    even the smallest rendition is larger. Shrinks the edge first, then the quality. ``best``
    is :func:`best_rendition` of ``image`` when already made (the same bytes, not made twice)."""
    if best is not None and len(best.data) <= budget:
        return best
    current = image
    for edge in EDGE_LADDER:
        current = fit_edge(current, edge)
        for quality in QUALITY_LADDER:
            if best is not None and (edge, quality) == (EDGE_LADDER[0], QUALITY_LADDER[0]):
                continue  # known not to fit
            encoded = encode_jpeg(current, quality)
            if len(encoded.data) <= budget:
                return encoded
    smallest = encode_jpeg(current, SMALLEST_QUALITY)
    return smallest if len(smallest.data) <= budget else None


def smallest_size(image: Image.Image) -> int:
    """Bytes of the smallest rendition :func:`encode_within` can make."""
    return len(encode_jpeg(fit_edge(image, EDGE_LADDER[-1]), SMALLEST_QUALITY).data)
