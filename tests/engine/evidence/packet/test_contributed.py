"""Contributed PDFs in the service documentation: their pages, their labels, nothing active."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, NumberObject

from engine.evidence.packet import PacketContent, PacketLimits, build_documents
from engine.evidence.packet.appendix import INCLUDED, LEFT_OUT, REFUSED
from engine.evidence.packet.documents import PacketDocument
from engine.testing import make_dispute_state
from tests.engine.evidence.packet.contributed_pdfs import (
    EMBEDDED,
    SIGNATURE,
    document_pdf,
    encrypted_pdf,
    garbage_pdf,
    hostile_pdf,
    page_texts,
    squashed,
)
from tests.engine.evidence.packet.pdfs import text_of

ROOMY = PacketLimits(file_bytes=4_600_000, total_bytes=4_100_000)
ACTIVE = {"/JS", "/JavaScript", "/OpenAction", "/AA", "/A", "/Launch", "/EmbeddedFiles", "/EF"}


def attached(path: Path, index: int = 0, caption: str | None = None) -> PacketDocument:
    return PacketDocument(
        name=path.name,
        path=str(path),
        caption=caption,
        provenance=f"crm.documents row {index + 7}",
        source="crm",
        index=index,
    )


def content(*documents: PacketDocument) -> PacketContent:
    return PacketContent(
        dispute=make_dispute_state(),
        provider_name="TestPay",
        version=1,
        generated_at=datetime(2026, 11, 20, 12, 0, tzinfo=UTC),
        facts={"total_amount_paid": "USD 1,234.56"},
        documents=documents,
    )


def every_object(pdf: bytes) -> list[Any]:
    """Every object in the file, reachable or not."""
    reader = PdfReader(io.BytesIO(pdf))
    found: list[Any] = [reader.trailer]
    for number in range(1, int(cast(NumberObject, reader.trailer["/Size"]))):
        try:
            found.append(reader.get_object(number))
        except Exception:  # noqa: S112 - a free entry in the xref table
            continue
    return found


def keys_anywhere(objects: list[Any]) -> set[str]:
    keys: set[str] = set()
    stack = list(objects)
    while stack:
        item = stack.pop()
        if isinstance(item, DictionaryObject):
            keys.update(item.keys())
            stack.extend(value for value in item.values() if not hasattr(value, "idnum"))
        elif isinstance(item, ArrayObject):
            stack.extend(value for value in item if not hasattr(value, "idnum"))
    return keys


def test_a_signed_terms_pdf_follows_its_separator_page(tmp_path: Path) -> None:
    # given a source's two-page terms-of-service PDF with a caption
    terms = document_pdf(tmp_path / "terms.pdf", "Terms of service", pages=2)
    without = build_documents(content(), ROOMY).service_documentation.pages

    # when the packet is built
    built = build_documents(content(attached(terms, caption="Terms accepted at sign-up")), ROOMY)

    # then its two pages come right after a separator naming it, its caption and provenance
    service = built.service_documentation.data
    texts = [squashed(text) for text in page_texts(service)]
    assert len(texts) == without + 1 + 2
    separator, first, second = texts[-3:]
    assert squashed("Attached document 1: terms.pdf") in separator
    assert squashed("Terms accepted at sign-up") in separator
    assert squashed("crm.documents row 7") in separator
    assert squashed("Terms of service page 1") in first
    assert squashed("Terms of service page 2") in second
    # and the separator is a bookmark, and the record says it is in
    outline = PdfReader(io.BytesIO(service)).outline
    assert "Attached document 1: terms.pdf" in str(outline)
    (outcome,) = built.documents
    assert (outcome.source, outcome.index, outcome.state, outcome.pages) == ("crm", 0, INCLUDED, 2)


def test_a_hostile_pdf_arrives_without_any_script_action_or_file(tmp_path: Path) -> None:
    # given a signed terms PDF carrying scripts, launch and script links and an embedded file
    hostile = hostile_pdf(tmp_path / "signed.pdf")
    assert b"EVILSCRIPTMARKER" in hostile.read_bytes()
    assert EMBEDDED in hostile.read_bytes()

    # when the packet is built
    built = build_documents(content(attached(hostile)), ROOMY)

    # then the page is there, with the signature the form widget showed painted into it
    service = built.service_documentation.data
    assert built.documents[0].state == INCLUDED
    last = squashed(page_texts(service)[-1])
    assert squashed("Terms of service page 1") in last
    assert squashed(SIGNATURE) in last
    # and nothing active is anywhere in the file: no action, script, annotation or file
    assert not keys_anywhere(every_object(service)) & ACTIVE
    reader = PdfReader(io.BytesIO(service))
    catalog = reader.trailer["/Root"]
    assert isinstance(catalog, DictionaryObject), catalog
    assert not {"/OpenAction", "/AA", "/AcroForm"} & set(catalog.keys())
    assert "/EmbeddedFiles" not in catalog.get("/Names", {})
    assert all("/Annots" not in page for page in reader.pages[-2:])
    assert b"EVILSCRIPTMARKER" not in service
    assert EMBEDDED not in service
    assert b"calc.exe" not in service


def test_encrypted_and_garbage_pdfs_are_left_out_and_said_why(tmp_path: Path) -> None:
    # given an encrypted PDF, random bytes after a PDF header, a text file, then a good one
    documents = (
        attached(encrypted_pdf(tmp_path / "invoice.pdf"), 0),
        attached(garbage_pdf(tmp_path / "export.pdf"), 1),
        attached(tmp_path / "notes.pdf", 2),
        attached(document_pdf(tmp_path / "good.pdf", "Good invoice"), 3),
    )
    (tmp_path / "notes.pdf").write_text("just some notes, not a PDF")

    # when the packet is built
    built = build_documents(content(*documents), ROOMY)

    # then only the good one is in, and each refusal says why, in the record and the PDF
    states = {outcome.name: (outcome.state, outcome.reason) for outcome in built.documents}
    assert states["good.pdf"][0] == INCLUDED
    assert states["invoice.pdf"] == (REFUSED, states["invoice.pdf"][1])
    assert "encrypted" in str(states["invoice.pdf"][1])
    assert states["export.pdf"][0] == REFUSED
    assert states["notes.pdf"] == (REFUSED, "it is not a PDF file")
    text = squashed(text_of(built.service_documentation.data))
    assert squashed("“invoice.pdf” could not be included: it is encrypted") in text
    assert squashed("“export.pdf” could not be included") in text
    assert squashed("Good invoice page 1") in text
    assert squashed("Invoice 42") not in text


def test_what_does_not_fit_the_page_cap_is_left_out_in_order_with_a_note(tmp_path: Path) -> None:
    # given a 30-page export, then a 25-page one, then a 2-page invoice
    documents = (
        attached(document_pdf(tmp_path / "a.pdf", "Chat export A", pages=30), 0),
        attached(document_pdf(tmp_path / "b.pdf", "Chat export B", pages=25), 1),
        attached(document_pdf(tmp_path / "c.pdf", "Invoice C", pages=2), 2),
    )

    # when the packet is built under the 40-page cap
    built = build_documents(content(*documents), ROOMY)

    # then the first and the last fit, the middle one is left out and the PDF says so
    states = [outcome.state for outcome in sorted(built.documents, key=lambda o: o.index)]
    assert states == [INCLUDED, LEFT_OUT, INCLUDED]
    assert built.service_documentation.pages <= ROOMY.pages
    text = squashed(text_of(built.service_documentation.data))
    assert squashed("1 of 3 attached PDF documents were left out") in text
    assert squashed("Chat export B page") not in text
    assert squashed("Invoice C page 2") in text


def test_a_flood_of_documents_is_not_even_parsed_past_what_can_fit(tmp_path: Path) -> None:
    # given more one-page documents than 40 pages can hold with their separators
    one = document_pdf(tmp_path / "one.pdf", "Receipt copy")
    documents = tuple(attached(one, index) for index in range(ROOMY.pages))

    # when the packet is built
    built = build_documents(content(*documents), ROOMY)

    # then it stays under the cap and every document has an outcome, in or left out
    assert built.service_documentation.pages <= ROOMY.pages
    assert sorted(outcome.index for outcome in built.documents) == list(range(ROOMY.pages))
    left = [outcome for outcome in built.documents if outcome.state == LEFT_OUT]
    assert left
    assert any("no more than 20 documents fit in 40 pages" in str(o.reason) for o in left)
    assert squashed(f"{len(left)} of {ROOMY.pages} attached PDF documents were left out") in (
        squashed(text_of(built.service_documentation.data))
    )


def test_the_exhibit_list_gives_each_attached_document_its_final_page(tmp_path: Path) -> None:
    # Given three contributed PDFs of 3, 2 and 1 pages
    documents = [
        attached(document_pdf(tmp_path / f"{name}.pdf", name, pages), index)
        for index, (name, pages) in enumerate((("Invoice", 3), ("Contract", 2), ("Chat", 1)))
    ]
    # When the service documentation is built
    built = build_documents(content(*documents), ROOMY)
    pages = page_texts(built.service_documentation.data)
    # Then the cover lists each document with the page its separator really is on, and the
    # document's own pages follow it
    listed = {}
    for line in pages[0].splitlines():
        for document in documents:
            if line.startswith(document.name) and " page " in line:
                listed[document.name] = int(line.rsplit(" page ", 1)[1])
    assert set(listed) == {"Invoice.pdf", "Contract.pdf", "Chat.pdf"}
    for number, (document, own_pages) in enumerate(zip(documents, (3, 2, 1), strict=True), 1):
        separator = pages[listed[document.name] - 1]
        assert f"Attached document {number}: {document.name}" in separator
        title = document.name.removesuffix(".pdf")
        for offset in range(1, own_pages + 1):
            assert f"{title} page {offset}" in pages[listed[document.name] - 1 + offset]
    # and every rendered page's footer carries its true place in the file
    for index, text in enumerate(pages, start=1):
        if "Attached document" in text or "Response to the dispute" in text:
            assert f"Page {index}" in text, (index, text[-80:])
