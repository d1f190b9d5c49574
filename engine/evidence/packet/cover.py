"""The cover page opening the service documentation: the claim, its facts, the exhibit list.

No claim without backing: the claim for the dispute's reason is only made when the facts it
rests on are in the packet (else the page says plainly what the document collects), each fact
listed is one the packet holds, and the exhibit list names only what was really included —
refused images are not counted. Page numbers are WeasyPrint's own (``target-counter``), so
they are the pages the bank will see — attached PDFs included, whose pages the page counter
skips over in the rendered document before they are inserted.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.disputes.model import Reason
from engine.evidence.packet import facts as known
from engine.evidence.packet.documents import AttachedView, RenderedImage
from engine.plugins.sources import Section

IMAGES_ANCHOR = "exhibit-images"

# For each reason: the claim, and the facts that must all be present to make it.
_CLAIMS: dict[str, tuple[str, tuple[str, ...]]] = {
    Reason.FRAUDULENT: (
        "The records below tie this payment to the customer named below.",
        (known.CUSTOMER_NAME, known.PAYMENT_ID),
    ),
    Reason.UNRECOGNIZED: (
        "The payment is for the purchase described below, made by the customer named below.",
        (known.CUSTOMER_NAME, known.PRODUCT),
    ),
    Reason.PRODUCT_NOT_RECEIVED: (
        "The customer received what they paid for, as the records below show.",
        (known.PRODUCT, known.SERVICE_DATE),
    ),
    Reason.PRODUCT_UNACCEPTABLE: (
        "The customer received the product described below.",
        (known.PRODUCT,),
    ),
    Reason.DUPLICATE: (
        "This payment and the other payment below are separate purchases.",
        (known.DUPLICATE_CHARGE_ID,),
    ),
}

_COVER_FACTS = {
    **known.CUSTOMER_LABELS,
    **known.PURCHASE_LABELS,
    known.TOTAL_AMOUNT_PAID: "Total amount paid by the customer",
    known.DUPLICATE_CHARGE_ID: "The other payment",
    known.DUPLICATE_CHARGE_AMOUNT: "The other payment's amount",
    known.DUPLICATE_CHARGE_DATE: "The other payment's date",
}
"""Facts the cover lists; every fact a claim rests on is among them, so it is shown."""


@dataclass(frozen=True)
class Exhibit:
    anchor: str
    title: str
    detail: str
    numbered: bool = True
    """Whether the page number is printed (WeasyPrint's ``target-counter``). Attached PDFs are
    inserted after rendering; their separators' page counter skips the pages inserted before
    them (``base.css``), so their numbers are the final ones too."""


@dataclass(frozen=True)
class CoverView:
    claim: str
    facts: list[tuple[str, str]]
    exhibits: list[Exhibit]


def section_anchor(index: int) -> str:
    return f"exhibit-section-{index}"


def cover_view(
    reason: str,
    disputed_as: str,
    facts: dict[str, str],
    sections: list[Section],
    images: list[RenderedImage],
    images_title: str,
    attached: list[AttachedView],
) -> CoverView:
    claim, needs = _CLAIMS.get(reason, ("", ()))
    if not claim or not all(facts.get(name) for name in needs):
        claim = (
            f"This document collects the records of the payment disputed as {disputed_as}."
            if disputed_as
            else "This document collects the records of the disputed payment."
        )
    shown = [(label, facts[key]) for key, label in _COVER_FACTS.items() if facts.get(key)]
    exhibits = [
        Exhibit(section_anchor(index), section.title, _section_detail(section))
        for index, section in enumerate(sections, start=1)
        if section.paragraphs or len(section.rows) > 1
    ]
    if images:
        count = len(images)
        exhibits.append(Exhibit(IMAGES_ANCHOR, images_title, f"{count} image{_s(count)}"))
    exhibits.extend(
        Exhibit(
            item.anchor,
            item.name,
            f"attached document {item.number}: a cover sheet, then its {item.pages} "
            f"page{_s(item.pages)}",
        )
        for item in attached
    )
    return CoverView(claim=claim, facts=shown, exhibits=exhibits)


def _section_detail(section: Section) -> str:
    rows = max(0, len(section.rows) - 1)
    if rows:
        return f"{rows} row{_s(rows)}"
    count = len(section.paragraphs)
    return f"{count} paragraph{_s(count)}"


def _s(count: int) -> str:
    return "" if count == 1 else "s"
