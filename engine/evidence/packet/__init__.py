"""The evidence packet's two documents: a receipt PDF and a service documentation PDF.

Rendered from autoescaped Jinja2 templates by WeasyPrint, which may load nothing but the
resources the pipeline itself resolved (:mod:`engine.evidence.packet.fetcher`), with a bundled
font, and fitted to the processor's size limits (:mod:`engine.evidence.packet.fit`).
"""

from engine.evidence.packet.documents import PacketContent, PacketImage
from engine.evidence.packet.fit import BuiltDocuments, PacketLimits, PacketTooLarge, build_documents

__all__ = [
    "BuiltDocuments",
    "PacketContent",
    "PacketImage",
    "PacketLimits",
    "PacketTooLarge",
    "build_documents",
]
