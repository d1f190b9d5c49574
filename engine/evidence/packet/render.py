"""HTML (Jinja2, autoescaped) to PDF (WeasyPrint, fenced by :class:`ResourceFetcher`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import jinja2

from engine.evidence.packet.fetcher import ResourceFetcher

# WeasyPrint logs every refused fetch and CSS quirk as a warning on its own loggers; the
# pipeline records refusals itself, so keep the console quiet.
logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)

_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("engine.evidence.packet", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int
    anchors: dict[str, int] = field(default_factory=dict)
    """Element id → index of the page it starts on (where attached documents go)."""


def render_html(template: str, fetcher: ResourceFetcher, footer: str, doc: object) -> str:
    return _templates.get_template(template).render(doc=doc, fonts=fetcher.font_urls, footer=footer)


def html_to_pdf(html: str, fetcher: ResourceFetcher) -> RenderedPdf:
    import weasyprint  # heavy; loaded on first packet, not at engine start-up

    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher).render()
    data = document.write_pdf()
    assert isinstance(data, bytes)
    anchors: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            anchors.setdefault(name, index)
    return RenderedPdf(data, len(document.pages), anchors)
