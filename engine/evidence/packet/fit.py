"""Building both PDFs so that they always fit the processor's limits.

The receipt is text and small; the service documentation carries the images and, after them,
the pages of contributed PDFs (:mod:`engine.evidence.packet.appendix`), which are chosen first
against the measured room and then leave the images at least half of what remains. Images share what
is left of the byte budget: each is re-encoded to its share, the document is rendered and
measured, and the shares shrink until it fits. When even the smallest renditions cannot fit, the
last images are left out and the document says how many — the packet is never refused for size.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from PIL import Image

from engine.errors import DisputeEngineError
from engine.evidence.model import EvidenceRules
from engine.evidence.packet import appendix
from engine.evidence.packet.cover import cover_view
from engine.evidence.packet.documents import (
    PacketContent,
    PacketImage,
    RenderedImage,
    footer_text,
    receipt_view,
    service_view,
)
from engine.evidence.packet.fetcher import ResourceFetcher
from engine.evidence.packet.images import (
    EncodedImage,
    ImageRefused,
    best_rendition,
    encode_within,
    load_image,
    smallest_size,
)
from engine.evidence.packet.letterhead import letterhead
from engine.evidence.packet.render import RenderedPdf, html_to_pdf, render_html

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
MAX_PREPARE_THREADS = min(4, os.cpu_count() or 1)
"""Images decoded side by side at most (each holds a full decoded bitmap in memory)."""


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
    documents: tuple[appendix.DocumentOutcome, ...] = ()
    """What became of each contributed PDF: the readable ones in contribution order, then the
    refused ones and those too large to consider."""


@dataclass
class _Candidate:
    name: str
    caption: str | None
    created_at: str | None
    image: Image.Image
    smallest: int = 0
    best: EncodedImage | None = None
    """The first rung of the encoding ladder, made while loading (see ``_prepare``)."""


def build_documents(content: PacketContent, limits: PacketLimits) -> BuiltDocuments:
    # The images are decoded and encoded in worker threads (Pillow releases the GIL) while
    # this thread lays out the receipt.
    with ThreadPoolExecutor(MAX_PREPARE_THREADS, thread_name_prefix="packet-image") as pool:
        preparing = [pool.submit(_prepare, image) for image in content.images]
        receipt_fetcher = ResourceFetcher()
        footer = footer_text(content)
        receipt_doc = receipt_view(content)
        receipt_doc.letterhead = letterhead(content.merchant, receipt_fetcher)
        receipt = html_to_pdf(
            render_html("receipt.html", receipt_fetcher, footer, receipt_doc), receipt_fetcher
        )
        if len(receipt.data) > limits.file_bytes:
            for future in preparing:
                future.cancel()
            raise PacketTooLarge(f"the receipt alone is {len(receipt.data)} bytes")
        candidates, unreadable = _candidates(content, [f.result() for f in preparing])
    service_cap = min(limits.file_bytes, limits.total_bytes - len(receipt.data))
    prepared, unusable = appendix.prepare(content.documents, service_cap, limits.pages)
    chosen, left = _choose_documents(
        content, candidates, unreadable, footer, prepared, service_cap, limits.pages
    )
    while True:
        # Documents never cost the packet: when the rest does not fit beside them, the last
        # one goes, down to none — and with none this is the image fitting as it always was.
        attached = _Attached(chosen, left, unusable, len(prepared), limits.pages)
        try:
            service, keep = _fit_service(
                content,
                candidates,
                unreadable,
                footer,
                attached,
                service_cap - _appended_bytes(chosen),
                limits.pages - sum(item.clean.pages for item in chosen),
            )
            merged = appendix.append_documents(service, chosen)
            if len(merged.data) <= service_cap and merged.pages <= limits.pages:
                break
        except PacketTooLarge:
            if not chosen:
                raise
        left = sorted(
            [chosen.pop(), *left], key=lambda item: content.documents.index(item.document)
        )
    outcomes = appendix.outcomes_for(chosen, left, _LEFT_OUT_REASON) + unusable
    return BuiltDocuments(
        receipt, merged, keep, len(candidates) - keep, unreadable, tuple(outcomes)
    )


def _appended_bytes(chosen: list[appendix.Prepared]) -> int:
    """What inserting the documents adds to the rendered PDF (their separators are in it)."""
    if not chosen:
        return 0
    return sum(len(item.clean.data) for item in chosen) + appendix.MERGE_OVERHEAD


_LEFT_OUT_REASON = "it does not fit the processor's page and size limits beside the rest"


@dataclass(frozen=True)
class _Attached:
    chosen: list[appendix.Prepared]
    left: list[appendix.Prepared]
    unusable: list[appendix.DocumentOutcome]
    readable: int
    pages: int

    def notes(self) -> list[str]:
        notes = [
            f"The document “{outcome.name}” could not be included: {outcome.reason}."
            for outcome in self.unusable
            if outcome.state == appendix.REFUSED
        ]
        too_large = sum(1 for outcome in self.unusable if outcome.state == appendix.LEFT_OUT)
        if self.left or too_large:
            left = len(self.left) + too_large
            notes.append(appendix.left_out_note(left, self.readable + too_large, self.pages))
        return notes


def _choose_documents(
    content: PacketContent,
    candidates: list[_Candidate],
    unreadable: dict[str, str],
    footer: str,
    prepared: list[appendix.Prepared],
    service_cap: int,
    pages: int,
) -> tuple[list[appendix.Prepared], list[appendix.Prepared]]:
    """The documents that fit beside the rendered content without images (measured), leaving
    the images half of what remains when there are any."""
    if not prepared:
        return [], []
    empty = _Attached([], [], [], 0, pages)
    base = _render_service(content, candidates, [], footer, unreadable, empty)
    room_bytes = service_cap - len(base.data) - appendix.MERGE_OVERHEAD
    room_pages = pages - base.pages
    if candidates:
        room_bytes //= 2
        room_pages -= min((len(candidates) + 1) // 2, room_pages // 2)
    return appendix.choose(prepared, room_bytes, room_pages)


def _fit_service(
    content: PacketContent,
    candidates: list[_Candidate],
    unreadable: dict[str, str],
    footer: str,
    attached: _Attached,
    service_cap: int,
    pages: int,
) -> tuple[RenderedPdf, int]:
    """The rendered documentation within ``service_cap`` bytes and ``pages`` pages, with as
    many images as fit; returns it and how many images it shows."""
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
        service = _render_service(content, candidates, encoded, footer, unreadable, attached)
        if len(service.data) <= service_cap and service.pages <= pages:
            return service, keep
        if service.pages > pages:
            keep = max(0, keep - 2 * (service.pages - pages) - 1)
        else:
            share *= service_cap / len(service.data) * 0.95
        log.debug(
            "service documentation %d bytes, %d pages: retrying", len(service.data), service.pages
        )
    service = _render_service(content, candidates, [], footer, unreadable, attached)
    if len(service.data) > service_cap or service.pages > pages:
        raise PacketTooLarge(
            f"the service documentation is {len(service.data)} bytes and {service.pages} pages "
            "without any image"
        )
    return service, 0


def _prepare(image: PacketImage) -> _Candidate | ImageRefused:
    """Decode one image and make its smallest and best renditions. Pillow releases the GIL
    while decoding, resizing and encoding, so images are prepared side by side."""
    try:
        decoded = load_image(image.path)
    except ImageRefused as error:
        return error
    candidate = _Candidate(image.name, image.caption, image.created_at, decoded)
    candidate.smallest = smallest_size(decoded)
    candidate.best = best_rendition(decoded)
    return candidate


def _candidates(
    content: PacketContent, prepared: list[_Candidate | ImageRefused]
) -> tuple[list[_Candidate], dict[str, str]]:
    """The readable images in order, and why each other one is not."""
    candidates: list[_Candidate] = []
    unreadable: dict[str, str] = {}
    for image, outcome in zip(content.images, prepared, strict=True):
        if isinstance(outcome, ImageRefused):
            unreadable[image.name] = str(outcome)
        else:
            candidates.append(outcome)
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
        result = encode_within(candidate.image, budget, candidate.best)
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
    attached: _Attached,
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
    view.notes.extend(attached.notes())
    view.attached = appendix.separators(attached.chosen)
    view.letterhead = letterhead(content.merchant, fetcher)
    view.cover = cover_view(
        view.reason,
        view.disputed_as,
        view.facts,
        view.sections,
        view.images,
        view.images_title,
        view.attached,
    )
    return html_to_pdf(render_html("service_documentation.html", fetcher, footer, view), fetcher)
