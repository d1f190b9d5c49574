"""The evidence packet's two documents: a receipt PDF and a service documentation PDF.

Rendered from autoescaped Jinja2 templates by WeasyPrint, which may load nothing but the
resources the pipeline itself resolved (:mod:`engine.packet.fetcher`), with a bundled font, and
fitted to the processor's size limits (:mod:`engine.packet.fit`).
"""

from engine.packet.documents import PacketContent, PacketImage
from engine.packet.fit import BuiltDocuments, PacketLimits, PacketTooLarge, build_documents

__all__ = [
    "BuiltDocuments",
    "PacketContent",
    "PacketImage",
    "PacketLimits",
    "PacketTooLarge",
    "build_documents",
]
