"""What the two PDFs show, assembled from the dispute and the sources' contributions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from engine.disputes.model import DisputeState, Reason
from engine.disputes.money import format_amount
from engine.evidence.packet import facts as known
from engine.evidence.packet.letterhead import Letterhead
from engine.merchant import MerchantIdentity

if TYPE_CHECKING:
    from engine.evidence.packet.cover import CoverView
from engine.plugins.sources import Section

DISPUTED_AS: dict[str, str] = {
    Reason.FRAUDULENT: "fraudulent",
    Reason.UNRECOGNIZED: "unrecognized",
    Reason.PRODUCT_NOT_RECEIVED: "a product not received",
    Reason.PRODUCT_UNACCEPTABLE: "a product that was unacceptable",
    Reason.SUBSCRIPTION_CANCELED: "a subscription that was canceled",
    Reason.CREDIT_NOT_PROCESSED: "a credit that was not processed",
    Reason.DUPLICATE: "a duplicate charge",
}
"""How the documents and texts name a dispute's neutral reason (``general`` goes unnamed)."""

MAX_TABLE_ROWS = 400
"""Rows kept per table: an activity log of thousands of lines helps nobody and costs pages."""
MAX_PARAGRAPH_CHARS = 20_000


@dataclass(frozen=True)
class PacketImage:
    """An image the pipeline resolved: ``path`` is the source's local working copy."""

    name: str
    path: str
    caption: str | None
    created_at: str | None


@dataclass(frozen=True)
class PacketDocument:
    """A PDF a source contributed: ``path`` is the source's local working copy, untrusted."""

    name: str
    path: str
    caption: str | None
    provenance: str
    source: str
    """The contributing source, so the evidence record can say what became of it."""
    index: int
    """Its position among that source's attachments."""


@dataclass(frozen=True)
class PacketContent:
    """Everything the packet is built from."""

    dispute: DisputeState
    provider_name: str
    version: int
    generated_at: datetime
    facts: dict[str, str]
    sections: tuple[Section, ...] = ()
    images: tuple[PacketImage, ...] = ()
    images_title: str = "What the customer received"
    documents: tuple[PacketDocument, ...] = ()
    """PDFs whose pages follow the rendered content, each after a separator page."""
    notes: tuple[str, ...] = ()
    """Notes for the reader (images that could not be read…)."""
    merchant: MerchantIdentity = field(default_factory=MerchantIdentity)
    """The seller, for the letterhead."""
    send_by_hand: bool = False
    """The processor has no evidence API: the documentation opens with how to send it."""


@dataclass(frozen=True)
class RenderedImage:
    url: str
    name: str
    caption: str | None
    created_at: str | None


@dataclass(frozen=True)
class AttachedView:
    """The separator page in front of an attached document's pages."""

    anchor: str
    number: int
    name: str
    caption: str | None
    provenance: str
    pages: int


@dataclass
class ReceiptView:
    dispute_id: str
    provider_name: str
    generated_at: str
    customer: list[tuple[str, str]]
    purchase: list[tuple[str, str]]
    total_paid: str | None
    other_facts: list[tuple[str, str]]
    letterhead: Letterhead | None = None


@dataclass
class ServiceView:
    dispute_id: str
    provider_name: str
    generated_at: str
    customer_label: str
    sections: list[Section]
    images: list[RenderedImage]
    images_title: str
    notes: list[str] = field(default_factory=list)
    disputed_as: str = ""
    attached: list[AttachedView] = field(default_factory=list)
    letterhead: Letterhead | None = None
    cover: CoverView | None = None
    facts: dict[str, str] = field(default_factory=dict)
    reason: str = ""
    send_by_hand: bool = False


def footer_text(content: PacketContent) -> str:
    """Text for the page footer, which sits in CSS: only characters that cannot break out."""
    dispute = content.dispute.dispute_id
    raw = f"{content.provider_name} dispute {dispute} · evidence v{content.version}"
    return re.sub(r"[^A-Za-z0-9 ._:/·-]", "", raw)[:120]


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def merged_facts(content: PacketContent) -> dict[str, str]:
    """Source facts, completed from the dispute where a source said nothing."""
    dispute = content.dispute
    defaults = {
        known.CUSTOMER_NAME: dispute.customer_name,
        known.CUSTOMER_EMAIL: dispute.customer_email,
        known.CUSTOMER_ID: dispute.customer_id,
        known.PAYMENT_ID: dispute.payment_id,
        known.AMOUNT_CHARGED: f"{dispute.money.currency} {format_amount(dispute.money.amount)}",
    }
    merged = {name: value for name, value in defaults.items() if value}
    merged.update({name: value for name, value in content.facts.items() if value})
    return merged


def receipt_view(content: PacketContent) -> ReceiptView:
    values = merged_facts(content)
    return ReceiptView(
        dispute_id=content.dispute.dispute_id,
        provider_name=content.provider_name,
        generated_at=_stamp(content.generated_at),
        customer=[
            (label, values[key]) for key, label in known.CUSTOMER_LABELS.items() if key in values
        ],
        purchase=[
            (label, values[key]) for key, label in known.PURCHASE_LABELS.items() if key in values
        ],
        total_paid=values.get(known.TOTAL_AMOUNT_PAID),
        other_facts=[
            (known.label_for(key), value)
            for key, value in sorted(values.items())
            if key not in known.KNOWN
        ],
    )


def _trim_section(section: Section) -> tuple[Section, str | None]:
    paragraphs = tuple(
        text if len(text) <= MAX_PARAGRAPH_CHARS else text[:MAX_PARAGRAPH_CHARS] + " […]"
        for text in section.paragraphs
    )
    rows = section.rows
    note = None
    if len(rows) > MAX_TABLE_ROWS + 1:
        note = f"“{section.title}”: the first {MAX_TABLE_ROWS} of {len(rows) - 1} rows are shown."
        rows = rows[: MAX_TABLE_ROWS + 1]
    return Section(title=section.title, paragraphs=paragraphs, rows=rows), note


def service_view(
    content: PacketContent, images: list[RenderedImage], omitted: int, unreadable: int = 0
) -> ServiceView:
    values = merged_facts(content)
    notes = list(content.notes)
    sections = []
    for section in content.sections:
        trimmed, note = _trim_section(section)
        sections.append(trimmed)
        if note:
            notes.append(note)
    if omitted:
        total = len(images) + omitted
        notes.append(
            f"{omitted} of {total} images were left out so that the documents fit the "
            f"processor's size limits; {len(images)} are shown below."
        )
    customer = values.get(known.CUSTOMER_NAME) or values.get(known.CUSTOMER_EMAIL) or ""
    return ServiceView(
        dispute_id=content.dispute.dispute_id,
        provider_name=content.provider_name,
        generated_at=_stamp(content.generated_at),
        customer_label=customer,
        sections=sections,
        images=images,
        images_title=content.images_title,
        notes=notes,
        disputed_as=DISPUTED_AS.get(content.dispute.reason, ""),
        facts=values,
        reason=content.dispute.reason,
        send_by_hand=content.send_by_hand,
    )
