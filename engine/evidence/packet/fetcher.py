"""The only way WeasyPrint may load anything: resources the pipeline itself put here.

Evidence HTML carries customer-controlled text. Jinja escapes it, and this fetcher is the second
wall: it answers only for opaque ``disputes-resource:`` URLs it handed out (the bundled fonts and
the images the pipeline resolved and re-encoded). ``file://``, ``http(s)://``, ``data:`` and
everything else raise, so nothing from the local disk or the network can end up in a PDF.
"""

from __future__ import annotations

import secrets
from importlib import resources
from typing import Any

from weasyprint.urls import URLFetcher, URLFetcherResponse

SCHEME = "disputes-resource"

_FONTS = {
    "DejaVuSans.ttf": "font/ttf",
    "DejaVuSans-Bold.ttf": "font/ttf",
}


class FetchRefused(PermissionError):
    """WeasyPrint asked for a URL the pipeline did not resolve itself."""


def _font_bytes(name: str) -> bytes:
    return resources.files("engine.evidence.packet").joinpath("fonts", name).read_bytes()


class ResourceFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no types
    """A ``url_fetcher`` serving an allow-list of in-memory resources by opaque URL.

    It never calls the parent's ``fetch`` (which opens files and sockets): it only inherits the
    type WeasyPrint insists on.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols=[SCHEME], allow_redirects=False, fail_on_errors=False)
        self._resources: dict[str, tuple[bytes, str]] = {}
        self.refused: list[str] = []
        self.font_urls = {name: self.add(_font_bytes(name), mime) for name, mime in _FONTS.items()}

    def add(self, data: bytes, mime: str) -> str:
        """Serve ``data`` and return the URL to put in the HTML (random, single-document)."""
        url = f"{SCHEME}:{secrets.token_hex(16)}"
        self._resources[url] = (data, mime)
        return url

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        found = self._resources.get(url)
        if found is None:
            self.refused.append(url)
            raise FetchRefused(f"evidence documents may not load {url[:200]!r}")
        data, mime = found
        return URLFetcherResponse(url, data, {"Content-Type": mime})

    def open(self, url: Any, data: Any = None, timeout: Any = None) -> URLFetcherResponse:
        # OpenerDirector.open is the other door into urllib: route it through the allow-list.
        return self.fetch(url if isinstance(url, str) else url.full_url)

    def __call__(self, url: str) -> URLFetcherResponse:
        return self.fetch(url)
