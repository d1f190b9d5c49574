"""Whatever PDFs the sources contribute, the service documentation stays within the limits."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.evidence.packet import PacketContent, PacketImage, PacketLimits, build_documents
from engine.evidence.packet.appendix import INCLUDED, LEFT_OUT
from engine.evidence.packet.documents import PacketDocument
from engine.testing import make_design_image, make_dispute_state
from tests.engine.evidence.packet.contributed_pdfs import document_pdf, page_texts, squashed
from tests.engine.evidence.packet.pdfs import text_of

_SCRATCH = Path(tempfile.mkdtemp(prefix="packet-attached-"))


@cache
def _document(pages: int, heavy: bool) -> str:
    title = f"Export {pages}{'H' if heavy else 'L'}"
    return str(document_pdf(_SCRATCH / f"{pages}-{heavy}.pdf", title, pages, heavy))


@cache
def _design(seed: int) -> str:
    return str(make_design_image(_SCRATCH / f"design-{seed}.png", 1200, 900, seed))


def _content(documents: list[tuple[int, bool]], images: int) -> PacketContent:
    return PacketContent(
        dispute=make_dispute_state(),
        provider_name="TestPay",
        version=1,
        generated_at=datetime(2026, 11, 20, tzinfo=UTC),
        facts={"total_amount_paid": "USD 10.00"},
        images=tuple(
            PacketImage(name=f"d{i}.png", path=_design(i), caption=None, created_at=None)
            for i in range(images)
        ),
        documents=tuple(
            PacketDocument(
                name=f"doc-{index}.pdf",
                path=_document(pages, heavy),
                caption=f"document {index}",
                provenance="test",
                source="crm",
                index=index,
            )
            for index, (pages, heavy) in enumerate(documents)
        ),
    )


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    documents=st.lists(
        st.tuples(st.sampled_from([1, 2, 5, 12, 30, 45]), st.booleans()), max_size=6
    ),
    images=st.integers(min_value=0, max_value=3),
    total=st.sampled_from([250_000, 900_000, 4_140_000]),
)
def test_attachments_never_break_the_page_cap_or_the_size_budget(
    documents: list[tuple[int, bool]], images: int, total: int
) -> None:
    # given any mix of contributed PDFs and images, and a byte budget
    limits = PacketLimits(file_bytes=min(total, 4_600_000), total_bytes=total)

    # when the packet is built
    built = build_documents(_content(documents, images), limits)

    # then both PDFs fit the byte limits and the page cap
    receipt, service = built.receipt.data, built.service_documentation.data
    assert len(service) <= limits.file_bytes
    assert len(receipt) + len(service) <= limits.total_bytes
    assert built.service_documentation.pages == len(page_texts(service)) <= limits.pages
    # and every document is accounted for: in, with its pages after a separator, or left out
    assert sorted(outcome.index for outcome in built.documents) == list(range(len(documents)))
    assert {outcome.state for outcome in built.documents} <= {INCLUDED, LEFT_OUT}
    included = [outcome for outcome in built.documents if outcome.state == INCLUDED]
    assert built.service_documentation.pages > sum(outcome.pages + 1 for outcome in included)
    text = squashed(text_of(service))
    for outcome in included:
        pages, heavy = documents[outcome.index]
        assert squashed(f"Export {pages}{'H' if heavy else 'L'} page {pages}") in text
    left = len(documents) - len(included)
    if left:
        assert squashed(f"{left} of {len(documents)} attached PDF documents were left out") in text


def test_the_same_contributions_give_the_same_choice() -> None:
    documents = [(12, False), (30, False), (5, True), (2, False)]
    limits = PacketLimits(file_bytes=900_000, total_bytes=900_000)

    first = build_documents(_content(documents, 1), limits)
    second = build_documents(_content(documents, 1), limits)

    assert [(o.index, o.state) for o in first.documents] == [
        (o.index, o.state) for o in second.documents
    ]
    assert [o.state for o in sorted(first.documents, key=lambda o: o.index)][:2] == [
        INCLUDED,
        LEFT_OUT,
    ]


def test_a_document_too_heavy_for_the_byte_budget_is_left_out_and_a_light_one_kept() -> None:
    # given a 300 kB scan and then a light two-page invoice, under a 250 kB budget
    limits = PacketLimits(file_bytes=250_000, total_bytes=250_000)

    built = build_documents(_content([(1, True), (2, False)], 0), limits)

    # then the scan is left out, the invoice is in, and both PDFs still fit
    heavy, light = sorted(built.documents, key=lambda o: o.index)
    assert heavy.state == LEFT_OUT
    assert "bytes" in str(heavy.reason) or "size" in str(heavy.reason)
    assert light.state == INCLUDED
    assert len(built.receipt.data) + len(built.service_documentation.data) <= 250_000
