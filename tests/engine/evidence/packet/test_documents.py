"""The two PDFs, checked from the outside: text, embedded images, and nothing else embedded."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from engine.evidence.packet import PacketContent, PacketImage, PacketLimits, build_documents
from engine.merchant import MerchantIdentity
from engine.plugins.sources import Section
from engine.testing import make_design_image, make_dispute_state
from tests.engine.evidence.packet.conftest import Tripwire
from tests.engine.evidence.packet.contributed_pdfs import squashed
from tests.engine.evidence.packet.pdfs import image_count, page_count, text_of

ROOMY = PacketLimits(file_bytes=4_600_000, total_bytes=4_100_000)


def content(images: tuple[PacketImage, ...] = (), **changes: object) -> PacketContent:
    values: dict[str, object] = {
        "dispute": make_dispute_state(),
        "provider_name": "TestPay",
        "version": 1,
        "generated_at": datetime(2026, 11, 20, 12, 0, tzinfo=UTC),
        "facts": {"total_amount_paid": "USD 1,234.56", "product": "Design Pro (yearly)"},
        "images": images,
    }
    values.update(changes)
    return PacketContent(**values)  # type: ignore[arg-type]


def designs(
    tmp_path: Path, count: int, width: int = 1600, height: int = 1200
) -> tuple[PacketImage, ...]:
    return tuple(
        PacketImage(
            name=f"design-{index}.png",
            path=str(make_design_image(tmp_path / f"design-{index}.png", width, height, index)),
            caption=f"a teal fox logo, variant {index}",
            created_at=f"2026-10-0{index % 9 + 1} 10:00",
        )
        for index in range(count)
    )


def test_the_receipt_shows_the_purchase_the_customer_and_the_total_paid() -> None:
    built = build_documents(content(), ROOMY)

    text = text_of(built.receipt.data)
    assert "Total amount paid by the" in text
    assert "USD 1,234.56" in text
    assert "Design Pro (yearly)" in text
    assert "Jane Customer" in text
    assert "customer@example.com" in text
    assert "USD 798.29" in text  # the amount charged, from the dispute
    assert image_count(built.receipt.data) == 0


def test_the_generated_designs_are_real_images_with_their_captions(tmp_path: Path) -> None:
    built = build_documents(content(designs(tmp_path, 4)), ROOMY)

    assert built.images_shown == 4
    assert image_count(built.service_documentation.data) == 4
    text = text_of(built.service_documentation.data)
    assert "a teal fox logo, variant 3" in text
    assert "design-0.png" in text


def test_markup_in_customer_text_renders_as_text_and_fetches_nothing(
    tmp_path: Path, tripwire: Tripwire
) -> None:
    hostile = f'<img src="file:///etc/passwd"><img src="{tripwire.url}/x.png">'
    dispute = make_dispute_state(customer_name='<img src="file:///etc/passwd">')
    section = Section(title=hostile, paragraphs=(hostile,), rows=(("a", "b"), (hostile, "</td>")))
    image = PacketImage(
        name=hostile, path=designs(tmp_path, 1)[0].path, caption=hostile, created_at=None
    )

    built = build_documents(
        content(
            (image,), dispute=dispute, facts={"total_amount_paid": hostile}, sections=(section,)
        ),
        ROOMY,
    )

    receipt = text_of(built.receipt.data)
    assert '<img src="file:///etc/passwd">' in receipt
    service = text_of(built.service_documentation.data)
    assert "file:///etc/passwd" in service
    assert image_count(built.receipt.data) == 0
    assert image_count(built.service_documentation.data) == 1  # only the real design
    assert tripwire.hits == []
    assert b"root:x:0:0" not in built.receipt.data + built.service_documentation.data


def test_an_unreadable_attachment_is_noted_not_fatal(tmp_path: Path) -> None:
    fake = tmp_path / "fake.png"
    fake.write_text("not an image at all")
    images = (
        *designs(tmp_path, 1),
        PacketImage(name="fake.png", path=str(fake), caption=None, created_at=None),
    )

    built = build_documents(content(images), ROOMY)

    assert built.images_shown == 1
    assert "fake.png" in built.unreadable
    assert "could not be included" in text_of(built.service_documentation.data)


def test_long_activity_tables_are_cut_with_a_note() -> None:
    rows = (("when", "what"), *((f"2026-01-01 {i:05d}", "login") for i in range(2_000)))
    built = build_documents(content(sections=(Section(title="Activity", rows=rows),)), ROOMY)

    assert page_count(built.service_documentation.data) <= ROOMY.pages
    assert "the first 400 of 2000 rows" in text_of(built.service_documentation.data)


def test_the_service_documentation_says_what_the_payment_is_disputed_as() -> None:
    # given a cancellation dispute and one whose reason the engine does not know
    canceled = content(dispute=make_dispute_state(reason="subscription_canceled"))
    unknown = content(dispute=make_dispute_state(reason="bank_says_so"))

    # when the documents are built, the intro names the known reason and nothing else
    text = squashed(text_of(build_documents(canceled, ROOMY).service_documentation.data))
    other = squashed(text_of(build_documents(unknown, ROOMY).service_documentation.data))
    assert squashed("(TestPay), disputed as a subscription that was canceled. Prepared") in text
    assert squashed("in dispute dp_test_1 (TestPay). Prepared") in other
    assert "bank_says_so" not in other


def test_both_documents_carry_the_sellers_letterhead_with_the_logo(tmp_path: Path) -> None:
    logo = make_design_image(tmp_path / "logo.png", 800, 300, 2)
    merchant = MerchantIdentity(
        name="Acme Studio",
        legal_name="Acme Studio Ltd",
        address="1 Main Street, Springfield",
        support_email="help@acme.example",
        support_phone="+1 555 0100",
        website="acme.example",
        logo_file=logo,
    )
    built = build_documents(content(merchant=merchant), ROOMY)

    for pdf in (built.receipt.data, built.service_documentation.data):
        text = text_of(pdf)
        for expected in (
            "Acme Studio",
            "Acme Studio Ltd",
            "1 Main Street, Springfield",
            "help@acme.example · +1 555 0100 · acme.example",
        ):
            assert expected in text
        assert image_count(pdf) == 1  # the logo, re-encoded, through the resource fetcher


def test_without_a_seller_there_is_no_letterhead_and_a_broken_logo_is_left_out(
    tmp_path: Path,
) -> None:
    bare = build_documents(content(), ROOMY)
    assert "Acme" not in text_of(bare.receipt.data)
    broken = tmp_path / "logo.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    built = build_documents(
        content(merchant=MerchantIdentity(name="Acme Studio", logo_file=broken)), ROOMY
    )
    assert "Acme Studio" in text_of(built.receipt.data)
    assert image_count(built.receipt.data) == 0
