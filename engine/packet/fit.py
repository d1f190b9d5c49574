"""Building both PDFs so that they always fit the processor's limits.

The receipt is text and small; the service documentation carries the images. Images share what
is left of the byte budget: each is re-encoded to its share, the document is rendered and
measured, and the shares shrink until it fits. When even the smallest renditions cannot fit, the
last images are left out and the document says how many — the packet is never refused for size.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from PIL import Image

from engine.errors import DisputeEngineError
from engine.evidence import EvidenceRules
from engine.packet.documents import (
    PacketContent,
    RenderedImage,
    footer_text,
    receipt_view,
    service_view,
)
from engine.packet.fetcher import ResourceFetcher
from engine.packet.images import (
    EncodedImage,
    ImageRefused,
    encode_within,
    load_image,
    smallest_size,
)
from engine.packet.render import RenderedPdf, html_to_pdf, render_html

log = logging.getLogger("disputes.packet")

DEFAULT_FILE_LIMIT = 5_000_000
DEFAULT_TOTAL_LIMIT = 4_500_000
"""Used when a provider sets no limit (manual submission): a packet that fits Stripe's limits
also fits an email to a processor's dispute team."""
MARGIN = 0.92
"""Limits are used at 92 %: processors count sizes their own way (Stripe's total is approximate)."""
MAX_PAGES = 40
"""Stripe refuses documents of 50 pages or more; a reviewer reads far fewer."""
MAX_IMAGES = 60
MAX_IMAGE_BYTES = 700_000
"""No single image needs more than this to be legible on an A4 page."""
BASE_OVERHEAD = 90_000
PER_IMAGE_OVERHEAD = 3_000
MAX_ATTEMPTS = 6


class PacketTooLarge(DisputeEngineError):
    """Even without images the documents exceed the limits (a source sent absurd text)."""


@dataclass(frozen=True)
class PacketLimits:
    file_bytes: int
    total_bytes: int
    pages: int = MAX_PAGES

    @classmethod
    def from_rules(cls, rules: EvidenceRules | None) -> PacketLimits:
        file_limit = (rules.file_size_limit if rules else None) or DEFAULT_FILE_LIMIT
        total_limit = (rules.total_file_size_limit if rules else None) or DEFAULT_TOTAL_LIMIT
        return cls(int(file_limit * MARGIN), int(min(total_limit, 2 * file_limit) * MARGIN))


@dataclass(frozen=True)
class BuiltDocuments:
    receipt: RenderedPdf
    service_documentation: RenderedPdf
    images_shown: int
    images_omitted: int
    unreadable: dict[str, str] = field(default_factory=dict)
    """Image name → why it could not be used."""


@dataclass
class _Candidate:
    name: str
    caption: str | None
    created_at: str | None
    image: Image.Image
    smallest: int = 0


def build_documents(content: PacketContent, limits: PacketLimits) -> BuiltDocuments:
    receipt_fetcher = ResourceFetcher()
    footer = footer_text(content)
    receipt = html_to_pdf(
        render_html("receipt.html", receipt_fetcher, footer, receipt_view(content)),
        receipt_fetcher,
    )
    if len(receipt.data) > limits.file_bytes:
        raise PacketTooLarge(f"the receipt alone is {len(receipt.data)} bytes")
    candidates, unreadable = _load_candidates(content)
    service_cap = min(limits.file_bytes, limits.total_bytes - len(receipt.data))
    keep = min(len(candidates), MAX_IMAGES)
    share = 1.0
    renders = 0
    while renders < MAX_ATTEMPTS:
        room = int((service_cap - BASE_OVERHEAD - PER_IMAGE_OVERHEAD * keep) * share)
        while keep and sum(candidate.smallest for candidate in candidates[:keep]) > room:
            keep -= 1
        encoded = _encode(candidates[:keep], room)
        if encoded is None:  # the shares did not work out: one image fewer (cannot loop forever)
            keep -= 1
            continue
        renders += 1
        service = _render_service(content, candidates, encoded, footer, unreadable)
        if len(service.data) <= service_cap and service.pages <= limits.pages:
            return BuiltDocuments(receipt, service, keep, len(candidates) - keep, unreadable)
        if service.pages > limits.pages:
            keep = max(0, keep - 2 * (service.pages - limits.pages) - 1)
        else:
            share *= service_cap / len(service.data) * 0.95
        log.debug(
            "service documentation %d bytes, %d pages: retrying", len(service.data), service.pages
        )
    service = _render_service(content, candidates, [], footer, unreadable)
    if len(service.data) > service_cap or service.pages > limits.pages:
        raise PacketTooLarge(
            f"the service documentation is {len(service.data)} bytes and {service.pages} pages "
            "without any image"
        )
    return BuiltDocuments(receipt, service, 0, len(candidates), unreadable)


def _load_candidates(content: PacketContent) -> tuple[list[_Candidate], dict[str, str]]:
    candidates: list[_Candidate] = []
    unreadable: dict[str, str] = {}
    for image in content.images:
        try:
            decoded = load_image(image.path)
        except ImageRefused as error:
            unreadable[image.name] = str(error)
            continue
        candidate = _Candidate(image.name, image.caption, image.created_at, decoded)
        candidate.smallest = smallest_size(decoded)
        candidates.append(candidate)
    return candidates, unreadable


def _encode(candidates: list[_Candidate], room: int) -> list[EncodedImage] | None:
    """Each candidate within an equal share of ``room``; ``None`` when they do not fit."""
    if not candidates:
        return []
    share = min(room // len(candidates), MAX_IMAGE_BYTES)
    encoded: list[EncodedImage] = []
    spent = 0
    for index, candidate in enumerate(candidates):
        # A small image leaves part of its share unused: pass it on to the ones after it.
        remaining = len(candidates) - index
        budget = min(MAX_IMAGE_BYTES, max(share, (room - spent) // remaining))
        result = encode_within(candidate.image, budget)
        if result is None:
            return None
        encoded.append(result)
        spent += len(result.data)
    return encoded if spent <= room else None


def _render_service(
    content: PacketContent,
    candidates: list[_Candidate],
    encoded: list[EncodedImage],
    footer: str,
    unreadable: dict[str, str],
) -> RenderedPdf:
    fetcher = ResourceFetcher()
    shown = [
        RenderedImage(
            url=fetcher.add(image.data, image.mime),
            name=candidate.name,
            caption=candidate.caption,
            created_at=candidate.created_at,
        )
        for candidate, image in zip(candidates, encoded, strict=False)
    ]
    view = service_view(content, shown, omitted=len(candidates) - len(shown))
    for name, reason in unreadable.items():
        view.notes.append(f"The attachment “{name}” could not be included: {reason}.")
    return html_to_pdf(render_html("service_documentation.html", fetcher, footer, view), fetcher)
