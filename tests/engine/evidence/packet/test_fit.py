"""Whatever the images, the packet fits the limits — fewer images and a note, never a failure."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.evidence.model import EvidenceRules, FileField, TextField
from engine.evidence.packet import PacketContent, PacketImage, PacketLimits, build_documents
from engine.evidence.packet.fit import MARGIN
from engine.testing import make_design_image, make_dispute_state
from tests.engine.evidence.packet.pdfs import image_count, text_of

_SCRATCH = Path(tempfile.mkdtemp(prefix="packet-fit-"))


@cache
def _design(width: int, height: int, seed: int) -> str:
    return str(make_design_image(_SCRATCH / f"{width}x{height}-{seed}.png", width, height, seed))


def _content(sizes: list[tuple[int, int]]) -> PacketContent:
    return PacketContent(
        dispute=make_dispute_state(),
        provider_name="TestPay",
        version=1,
        generated_at=datetime(2026, 11, 20, tzinfo=UTC),
        facts={"total_amount_paid": "USD 10.00"},
        images=tuple(
            PacketImage(
                name=f"d{i}.png", path=_design(w, h, i % 3), caption=f"design {i}", created_at=None
            )
            for i, (w, h) in enumerate(sizes)
        ),
    )


def test_stripe_limits_are_used_with_a_margin() -> None:
    rules = EvidenceRules(
        text_fields=frozenset(TextField),
        file_fields=frozenset(FileField),
        file_size_limit=5_000_000,
        total_file_size_limit=4_500_000,
    )
    limits = PacketLimits.from_rules(rules)
    assert limits.file_bytes == int(5_000_000 * MARGIN)
    assert limits.total_bytes == int(4_500_000 * MARGIN)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sizes=st.lists(
        st.tuples(st.sampled_from([64, 700, 1600, 2400]), st.sampled_from([48, 900, 1200])),
        max_size=14,
    ),
    total=st.sampled_from([150_000, 400_000, 1_200_000, 4_140_000]),
)
def test_the_packet_never_exceeds_the_limits(sizes: list[tuple[int, int]], total: int) -> None:
    limits = PacketLimits(file_bytes=min(total, 4_600_000), total_bytes=total)

    built = build_documents(_content(sizes), limits)

    receipt, service = built.receipt.data, built.service_documentation.data
    assert len(receipt) <= limits.file_bytes
    assert len(service) <= limits.file_bytes
    assert len(receipt) + len(service) <= limits.total_bytes
    assert built.service_documentation.pages <= limits.pages
    assert built.images_shown + built.images_omitted == len(sizes)
    assert image_count(service) == built.images_shown
    if built.images_omitted:
        assert f"{built.images_omitted} of {len(sizes)} images were left out" in text_of(service)


def test_ten_large_designs_fit_stripe_without_dropping_any() -> None:
    built = build_documents(_content([(1600, 1200)] * 10), PacketLimits(4_600_000, 4_140_000))

    assert built.images_shown == 10
    assert built.images_omitted == 0


def test_a_tiny_budget_leaves_images_out_with_a_note() -> None:
    built = build_documents(_content([(1600, 1200)] * 12), PacketLimits(150_000, 150_000))

    assert built.images_omitted > 0
    assert len(built.receipt.data) + len(built.service_documentation.data) <= 150_000
    assert "images were left out" in text_of(built.service_documentation.data)


def test_a_flood_of_images_is_capped_by_count_and_pages() -> None:
    from engine.evidence.packet.fit import MAX_IMAGES

    built = build_documents(
        _content([(640, 480)] * (MAX_IMAGES + 10)), PacketLimits(4_600_000, 4_140_000)
    )

    assert built.images_shown <= MAX_IMAGES
    assert built.images_shown + built.images_omitted == MAX_IMAGES + 10
    assert built.service_documentation.pages <= 40
    assert "images were left out" in text_of(built.service_documentation.data)
