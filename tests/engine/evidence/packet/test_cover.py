"""The cover page, read from the outside: claim, facts, an exhibit list whose page numbers are
the pages the exhibits are really on, and nothing the packet does not hold."""

from __future__ import annotations

import io
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from engine.evidence.packet import PacketImage, build_documents
from engine.plugins.sources import Section
from engine.testing import make_design_image, make_dispute_state
from tests.engine.evidence.packet.test_documents import ROOMY, content

ACTIVITY = Section(
    title="Activity log",
    rows=(("when", "what"), *((f"2026-10-{d:02d} 09:00", "login") for d in range(1, 80))),
)
POLICY = Section(title="Refund policy", paragraphs=("No refunds after a design is downloaded.",))


FACTS = {
    "product": "Design Pro",
    "service_date": "2026-10-01",
    "duplicate_charge_id": "ch_other",
    "card_checks": "CVC: pass",
}


def pages_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def exhibit_pages(cover: str) -> dict[str, int]:
    """``title → page`` from the exhibit list (``Title (detail) . . . page N``)."""
    found = {}
    for line in cover.splitlines():
        match = re.match(r"^\s*(?:\d+\.\s*)?(.+?) \(.*\)[ .]* page (\d+)\s*$", line)
        if match:
            found[match.group(1)] = int(match.group(2))
    return found


def test_the_cover_opens_the_service_documentation_with_claim_facts_and_true_page_numbers(
    tmp_path: Path,
) -> None:
    images = tuple(
        PacketImage(
            name=f"design-{i}.png",
            path=str(make_design_image(tmp_path / f"d{i}.png", 900, 700, i)),
            caption=None,
            created_at=None,
        )
        for i in range(3)
    )
    built = build_documents(
        content(images, sections=(ACTIVITY, POLICY), facts={"product": "Design Pro"}), ROOMY
    )
    pages = pages_of(built.service_documentation.data)
    cover = pages[0]
    assert "Response to the dispute" in cover
    # fraudulent, with the customer's name and the payment reference: the claim is backed
    assert "The records below tie this payment to the customer named below." in cover
    assert "Jane Customer" in cover and "Design Pro" in cover
    listed = exhibit_pages(cover)
    assert set(listed) == {"Activity log", "Refund policy", "What the customer received"}
    for title, page in listed.items():
        assert title in pages[page - 1], (title, page)
    assert "(3 images)" in cover


def test_refused_images_are_not_counted_and_empty_sections_are_not_listed(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    good = make_design_image(tmp_path / "good.png", 600, 400, 1)
    images = tuple(
        PacketImage(name=p.name, path=str(p), caption=None, created_at=None) for p in (good, broken)
    )
    empty = Section(title="Nothing here")
    built = build_documents(content(images, sections=(empty,)), ROOMY)
    cover = pages_of(built.service_documentation.data)[0]
    assert "(1 image)" in cover
    assert "Nothing here" not in cover


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    reason=st.sampled_from(
        ["fraudulent", "unrecognized", "product_not_received", "duplicate", "general"]
    ),
    fact_names=st.sets(st.sampled_from(sorted(FACTS))),
    sections=st.lists(st.sampled_from([ACTIVITY, POLICY, Section(title="Empty")]), max_size=3),
    anonymous=st.booleans(),
)
def test_every_claim_on_the_cover_is_backed_by_what_the_packet_holds(
    reason: str,
    fact_names: set[str],
    sections: list[Section],
    anonymous: bool,
) -> None:
    facts = {name: FACTS[name] for name in fact_names}
    dispute = make_dispute_state(reason=reason)
    if anonymous:
        dispute = make_dispute_state(reason=reason, customer_name=None, customer_email=None)
    built = build_documents(
        content(dispute=dispute, facts=facts, sections=tuple(dict.fromkeys(sections))), ROOMY
    )
    cover = pages_of(built.service_documentation.data)[0]
    if "named below" in cover:
        assert not anonymous  # a claim about the customer needs the customer's name
    if "separate purchases" in cover:
        assert "ch_other" in cover
    if "received what they paid for" in cover:
        assert "2026-10-01" in cover and "Design Pro" in cover
    if "Exhibits in this document" in cover:
        assert exhibit_pages(cover)
    assert "Empty" not in cover
    assert "Exhibits in this document" in cover or not any(
        s.paragraphs or len(s.rows) > 1 for s in sections
    )


def test_a_packet_sent_by_hand_opens_with_how_to_send_it_then_the_same_cover() -> None:
    built = build_documents(content(sections=(ACTIVITY,), send_by_hand=True), ROOMY)
    pages = pages_of(built.service_documentation.data)
    assert "How to send this evidence" in pages[0]
    assert "Mark as sent" in pages[0] and "dp_test_1" in pages[0]
    assert "Response to the dispute" in pages[1]
    [(title, page)] = exhibit_pages(pages[1]).items()
    assert title in pages[page - 1]
    assert "How to send" not in "".join(pages_of(build_documents(content(), ROOMY).receipt.data))
