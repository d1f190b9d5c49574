"""The seller's letterhead at the top of each evidence document.

The logo goes through the same decode-and-re-encode as contributed images and is served to
WeasyPrint by the :class:`ResourceFetcher` like everything else: a logo file is never embedded
as given, and a broken one costs the letterhead its picture, not the packet.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from engine.evidence.packet.fetcher import ResourceFetcher
from engine.evidence.packet.images import (
    EncodedImage,
    ImageRefused,
    encode_jpeg,
    fit_edge,
    load_image,
)
from engine.merchant import MerchantIdentity

LOGO_EDGE = 360
"""Pixels on the long edge: sharp at the letterhead's printed size, a few kilobytes."""
LOGO_QUALITY = 85


@dataclass(frozen=True)
class Letterhead:
    name: str
    lines: list[str]
    logo_url: str | None


def letterhead(merchant: MerchantIdentity, fetcher: ResourceFetcher) -> Letterhead | None:
    """What the template prints, or ``None`` when no seller is configured (nothing to claim)."""
    if not merchant.is_set:
        return None
    name = merchant.name or merchant.legal_name or ""
    logo = _logo(merchant.logo_file, _mtime(merchant.logo_file)) if merchant.logo_file else None
    url = fetcher.add(logo.data, logo.mime) if logo else None
    return Letterhead(name=name, lines=merchant.contact_lines(), logo_url=url)


def _mtime(path: Path | None) -> float:
    try:
        return path.stat().st_mtime if path else 0.0
    except OSError:
        return 0.0


@functools.lru_cache(maxsize=4)
def _logo(path: Path, mtime: float) -> EncodedImage | None:
    """The re-encoded logo, cached per file version (every packet renders it several times)."""
    del mtime  # part of the cache key only
    try:
        return encode_jpeg(fit_edge(load_image(str(path)), LOGO_EDGE), LOGO_QUALITY)
    except ImageRefused:
        return None
