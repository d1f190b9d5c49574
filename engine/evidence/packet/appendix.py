"""Contributed PDFs appended to the service documentation, within the processor's limits.

Each readable document gets a separator page in the rendered documentation (its name, caption
and provenance; WeasyPrint also makes it a bookmark) and its cleaned pages are inserted right
after it. What does not fit the page and byte room is left out whole — in source order, then
contribution order, so the same sources always give the same packet — and every document's fate
is reported so the evidence record can say why one is missing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter

from engine.evidence.packet.contributed import CleanPdf, PdfRefused, PdfTooLarge, clean_pdf
from engine.evidence.packet.documents import AttachedView, PacketDocument
from engine.evidence.packet.render import RenderedPdf

SEPARATOR_BYTES = 6_000
"""What one separator page adds to the rendered documentation (text in an embedded font)."""
MERGE_OVERHEAD = 30_000
"""Rewriting the rendered PDF with the documents' pages costs a little over their own sizes."""
MAX_CAPTION_CHARS = 1_500
MAX_LABEL_CHARS = 300
"""Separator text is cut so that a separator always stays one page."""

INCLUDED = "included"
REFUSED = "refused"
LEFT_OUT = "left_out"


@dataclass(frozen=True)
class DocumentOutcome:
    """What became of one contributed PDF."""

    source: str
    index: int
    name: str
    state: str
    """``included``, ``refused`` (unsafe or unreadable) or ``left_out`` (does not fit)."""
    reason: str | None = None
    pages: int = 0


@dataclass(frozen=True)
class Prepared:
    document: PacketDocument
    clean: CleanPdf

    @property
    def cost_bytes(self) -> int:
        return len(self.clean.data) + SEPARATOR_BYTES

    @property
    def cost_pages(self) -> int:
        return self.clean.pages + 1


def anchor_for(number: int) -> str:
    return f"attached-document-{number}"


def prepare(
    documents: tuple[PacketDocument, ...], max_bytes: int, max_pages: int
) -> tuple[list[Prepared], list[DocumentOutcome]]:
    """Clean every document (parsing stops once no more could fit); the ones that cannot be
    used come back as outcomes."""
    prepared: list[Prepared] = []
    outcomes: list[DocumentOutcome] = []
    most = max_pages // 2  # a separator and at least one page each: no more can ever fit
    for document in documents:
        if len(prepared) >= most:
            reason = f"it does not fit: no more than {most} documents fit in {max_pages} pages"
            outcomes.append(_outcome(document, LEFT_OUT, reason))
            continue
        try:
            clean = clean_pdf(document.path, max_bytes, max(0, max_pages - 1))
        except PdfTooLarge as error:
            outcomes.append(_outcome(document, LEFT_OUT, f"it does not fit: {error}"))
        except PdfRefused as error:
            outcomes.append(_outcome(document, REFUSED, str(error)))
        else:
            prepared.append(Prepared(document, clean))
    return prepared, outcomes


def choose(
    prepared: list[Prepared], room_bytes: int, room_pages: int
) -> tuple[list[Prepared], list[Prepared]]:
    """The documents that fit the room, taken in order; one that does not fit is skipped and
    a smaller one after it may still be taken. Returns (chosen, left out)."""
    chosen: list[Prepared] = []
    left: list[Prepared] = []
    for item in prepared:
        if item.cost_bytes <= room_bytes and item.cost_pages <= room_pages:
            chosen.append(item)
            room_bytes -= item.cost_bytes
            room_pages -= item.cost_pages
        else:
            left.append(item)
    return chosen, left


def separators(chosen: list[Prepared]) -> list[AttachedView]:
    return [
        AttachedView(
            anchor=anchor_for(number),
            number=number,
            name=_cut(item.document.name, MAX_LABEL_CHARS),
            caption=_cut(item.document.caption, MAX_CAPTION_CHARS) or None,
            provenance=_cut(item.document.provenance, MAX_LABEL_CHARS),
            pages=item.clean.pages,
        )
        for number, item in enumerate(chosen, start=1)
    ]


def left_out_note(left: int, total: int, pages: int) -> str:
    return (
        f"{left} of {total} attached PDF documents were left out so that the documents fit the "
        f"processor's limits ({pages} pages and its size limit); the evidence record lists them."
    )


def append_documents(service: RenderedPdf, chosen: list[Prepared]) -> RenderedPdf:
    """Insert each chosen document's pages after its separator page in ``service``."""
    if not chosen:
        return service
    starts = [service.anchors[anchor_for(number)] for number in range(1, len(chosen) + 1)]
    ends = [*starts[1:], service.pages]
    writer = PdfWriter(clone_from=io.BytesIO(service.data))
    for position, item in reversed(list(zip(ends, chosen, strict=True))):
        reader = PdfReader(io.BytesIO(item.clean.data), strict=True)
        for offset, page in enumerate(reader.pages):
            writer.insert_page(page, position + offset)
    buffer = io.BytesIO()
    writer.write(buffer)
    return RenderedPdf(buffer.getvalue(), len(writer.pages), dict(service.anchors))


def outcomes_for(
    chosen: list[Prepared], left: list[Prepared], reason: str
) -> list[DocumentOutcome]:
    included = [
        DocumentOutcome(
            item.document.source,
            item.document.index,
            item.document.name,
            INCLUDED,
            pages=item.clean.pages,
        )
        for item in chosen
    ]
    return included + [_outcome(item.document, LEFT_OUT, reason, item.clean.pages) for item in left]


def _outcome(document: PacketDocument, state: str, reason: str, pages: int = 0) -> DocumentOutcome:
    return DocumentOutcome(document.source, document.index, document.name, state, reason, pages)


def _cut(text: str | None, limit: int) -> str:
    text = text or ""
    return text if len(text) <= limit else text[:limit] + " […]"
