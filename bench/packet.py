"""Benchmark: build the evidence packet for 10 generated designs of 1600x1200 PNG.

Prints the median build time (with the seller's letterhead, logo and cover page) beside two bare
WeasyPrint renders of the very same final HTML: with the images as given (the goal: the build at
most 1.3 times that), and with the images the build already prepared (what rendering alone
costs); and the output sizes against Stripe's 4.5 MB. A benchmark, not a test:
``.venv/bin/python -m bench.packet [--runs N] [--designs N]``.
"""

from __future__ import annotations

import argparse
import copy as copy_module
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import weasyprint

from engine.evidence.model import EvidenceRules, FileField, TextField
from engine.evidence.packet import (
    BuiltDocuments,
    PacketContent,
    PacketImage,
    PacketLimits,
    build_documents,
    fit,
    render,
)
from engine.evidence.packet.fetcher import ResourceFetcher
from engine.evidence.packet.render import RenderedPdf
from engine.merchant import MerchantIdentity
from engine.plugins.sources import Section
from engine.testing import make_design_image, make_dispute_state

STRIPE = EvidenceRules(
    text_fields=frozenset(TextField),
    file_fields=frozenset(FileField),
    file_size_limit=5_000_000,
    total_file_size_limit=4_500_000,
)
MAX_RATIO = 1.3
MAX_TOTAL_BYTES = 4_500_000


def last_renders(content: PacketContent, limits: PacketLimits) -> list[tuple[str, ResourceFetcher]]:
    """The HTML (and its fetcher) of each document's final render, recorded during one build:
    what a bare WeasyPrint call would have to turn into the same PDFs."""
    seen: list[tuple[str, ResourceFetcher]] = []
    original = render.html_to_pdf

    def recording(html: str, fetcher: ResourceFetcher) -> RenderedPdf:
        seen.append((html, fetcher))
        return original(html, fetcher)

    # Records, then renders as usual: fit imported the name, so it is wrapped where it is used.
    with mock.patch.object(fit, "html_to_pdf", recording):
        build_documents(content, limits)
    return [seen[0], seen[-1]]  # the receipt, then the service documentation as kept


def as_given(
    renders: list[tuple[str, ResourceFetcher]], designs: list[bytes], logo: bytes
) -> list[tuple[str, ResourceFetcher]]:
    """The same HTML with each image served as it was given (the designs' PNGs, the logo):
    what a bare WeasyPrint render of this document would have to decode and embed itself."""
    given = []
    for html, fetcher in renders:
        images = [url for url, (_, mime) in fetcher._resources.items() if mime.startswith("image/")]
        originals = [*designs[: len(images) - 1], logo]
        copy = copy_module.copy(fetcher)
        copy._resources = dict(fetcher._resources)
        for url, data in zip(images, originals, strict=True):
            copy._resources[url] = (data, "image/png")
        given.append((html, copy))
    return given


def bare_render(renders: list[tuple[str, ResourceFetcher]]) -> float:
    started = time.perf_counter()
    for html, fetcher in renders:
        weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--designs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        images = tuple(
            PacketImage(
                name=f"design-{index}.png",
                path=str(
                    make_design_image(Path(scratch) / f"design-{index}.png", 1600, 1200, index)
                ),
                caption=f"Generated design {index}: a teal fox logo on a cream background",
                created_at=f"2026-10-{index + 1:02d} 10:00",
            )
            for index in range(args.designs)
        )
        source_bytes = sum(Path(image.path).stat().st_size for image in images)
        content = PacketContent(
            dispute=make_dispute_state(),
            provider_name="Stripe",
            version=1,
            generated_at=datetime.now(UTC),
            facts={"total_amount_paid": "USD 1,234.56", "product": "Design Pro (yearly)"},
            sections=(
                Section(
                    title="Activity",
                    rows=(
                        ("when", "what"),
                        *((f"2026-10-{d:02d} 09:00", "login") for d in range(1, 29)),
                    ),
                ),
            ),
            images=images,
            merchant=MerchantIdentity(
                name="Acme Studio",
                legal_name="Acme Studio Ltd",
                address="1 Main Street, Springfield, IL 62701, US",
                support_email="help@acme.example",
                support_phone="+1 555 0100",
                website="https://acme.example",
                logo_file=make_design_image(Path(scratch) / "logo.png", 900, 300, 99),
                product_description="Logo design subscriptions",
            ),
        )
        limits = PacketLimits.from_rules(STRIPE)
        timings: list[float] = []
        built: BuiltDocuments | None = None
        for _run in range(args.runs):
            started = time.perf_counter()
            built = build_documents(content, limits)
            timings.append(time.perf_counter() - started)
        renders = last_renders(content, limits)
        bare = [bare_render(renders) for _run in range(args.runs)]
        logo = content.merchant.logo_file
        assert logo is not None
        given = as_given(
            renders, [Path(image.path).read_bytes() for image in images], Path(logo).read_bytes()
        )
        bare_given = [bare_render(given) for _run in range(args.runs)]
    assert built is not None
    receipt, service = len(built.receipt.data), len(built.service_documentation.data)
    print(f"designs: {args.designs} × 1600×1200 PNG ({source_bytes / 1e6:.1f} MB as given)")
    print(
        f"runs: {args.runs}, median build time: {statistics.median(timings):.2f} s "
        f"(min {min(timings):.2f} s, max {max(timings):.2f} s)"
    )
    given_ratio = statistics.median(timings) / statistics.median(bare_given)
    print(
        f"bare WeasyPrint render of the same HTML, images as given (the designs' PNGs): "
        f"{statistics.median(bare_given):.2f} s median; build / bare = {given_ratio:.2f}× "
        f"(goal ≤ {MAX_RATIO}×) {'OK' if given_ratio <= MAX_RATIO else 'OVER'}"
    )
    ratio = statistics.median(timings) / statistics.median(bare)
    print(
        f"bare WeasyPrint render of the final HTML, images already prepared by the build: "
        f"{statistics.median(bare):.2f} s median; build / bare = {ratio:.2f}× "
        "(the difference is the build's own image work: decode, resize, re-encode, fit)"
    )
    print(f"receipt: {receipt / 1e3:.0f} kB, {built.receipt.pages} page(s)")
    print(
        f"service documentation: {service / 1e6:.2f} MB, "
        f"{built.service_documentation.pages} pages, {built.images_shown} images shown, "
        f"{built.images_omitted} left out"
    )
    print(
        f"total: {(receipt + service) / 1e6:.2f} MB of the {limits.total_bytes / 1e6:.2f} MB "
        f"budget (Stripe: 4.5 MB all files, 5 MB a file) "
        f"{'OK' if receipt + service <= MAX_TOTAL_BYTES else 'OVER'}"
    )


if __name__ == "__main__":
    main()
