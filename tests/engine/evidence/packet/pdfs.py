"""Looking at PDFs from the outside, with pypdf."""

from __future__ import annotations

import io

from pypdf import PdfReader


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def image_count(pdf: bytes) -> int:
    """Distinct image objects drawn in the document (pages may share one resource dict)."""
    reader = PdfReader(io.BytesIO(pdf))
    seen = set()
    for page in reader.pages:
        resources = page.get("/Resources")
        xobjects = resources.get_object().get("/XObject") if resources else None
        if not xobjects:
            continue
        for reference in xobjects.get_object().values():
            target = reference.get_object()
            if target.get("/Subtype") == "/Image":
                seen.add(getattr(reference, "idnum", id(target)))
    return len(seen)


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)
