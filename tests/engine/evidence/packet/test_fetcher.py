"""The url_fetcher serves only what the pipeline registered; everything else fails closed."""

from __future__ import annotations

import pytest

from engine.evidence.packet.fetcher import FetchRefused, ResourceFetcher
from tests.engine.evidence.packet.conftest import Tripwire


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "data:image/png;base64,iVBORw0KGgo=",
        "disputes-resource:0000",
        "ftp://example.com/x.png",
        "/etc/passwd",
        "../secret_key",
    ],
)
def test_anything_not_registered_is_refused(url: str) -> None:
    fetcher = ResourceFetcher()
    with pytest.raises(FetchRefused):
        fetcher(url)
    assert fetcher.refused == [url]


def test_the_network_is_refused_without_a_request(tripwire: Tripwire) -> None:
    fetcher = ResourceFetcher()
    with pytest.raises(FetchRefused):
        fetcher(f"{tripwire.url}/design.png")
    with pytest.raises(FetchRefused):
        fetcher.open(f"{tripwire.url}/design.png")
    assert tripwire.hits == []


def test_registered_resources_and_the_bundled_fonts_are_served() -> None:
    fetcher = ResourceFetcher()
    url = fetcher.add(b"\x89PNG...", "image/png")

    response = fetcher(url)
    font = fetcher(fetcher.font_urls["DejaVuSans.ttf"])

    assert response.read() == b"\x89PNG..."
    assert response.content_type == "image/png"
    assert font.read(4) == b"\x00\x01\x00\x00"  # a TrueType file
    assert url.startswith("disputes-resource:")
    assert ResourceFetcher().add(b"x", "image/png") != url  # URLs are not predictable
